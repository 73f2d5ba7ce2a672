"""Finding a call across institutions in Chromium: a Jyväskylä planner opens /events with the
shipped data (`flask data load`), filters by the Una Europa network and finds the University
of Helsinki's staff week, opens its feeds' links and the call, where the note on ties shows;
the listing is checked on a phone too. Screenshots in tests/artifacts/events-listing-*.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DURING = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)  # the shipped call's window is open


@pytest.fixture
def shipped(live_server, runner, make_user):
    """The shipped institutions, networks and the Helsinki event; a Jyväskylä planner."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.institutions.models import Institution

    result = runner.invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    jyvaskyla = db.session.scalar(
        select(Institution).where(Institution.slug == "jyvaskyla-educational-consortium")
    )
    make_user("planner@jyvaskyla.example", institution=jyvaskyla, role="planner")
    return live_server


def test_a_planner_finds_helsinkis_staff_week_by_network(shipped, journey):
    page, base = journey, shipped
    with freeze_time(DURING, tick=True):
        sign_in(page, base, "planner@jyvaskyla.example", landing=r"/")
        page.goto(f"{base}/events")
        audit(page)
        assert page.locator("h1").inner_text() == "Staff training events"
        page.locator("#f-network").select_option("una-europa")
        page.wait_for_url(re.compile(r"network=una-europa"))
        audit(page)
        # Empty fields stay out of the address.
        assert "topic=" not in page.url
        assert page.locator("#f-network").input_value() == "una-europa"
        cards = page.locator(".practice-card")
        assert cards.count() == 1
        assert "International Staff Training Days 2026" in cards.first.inner_text()
        assert "University of Helsinki" in cards.first.inner_text()
        assert "Applications close on" in cards.first.inner_text()
        # The feeds follow the filter.
        assert "network=una-europa" in page.get_by_role(
            "link", name="calendar (iCalendar)"
        ).get_attribute("href")
        assert "network=una-europa" in page.get_by_role(
            "link", name="new calls (Atom feed)"
        ).get_attribute("href")
        screenshot(page, "events-listing-desktop")

        # Open now, closing this week: not this one (it closes in February).
        page.locator("#f-state").select_option("closing")
        page.wait_for_url(re.compile(r"state=closing"))
        audit(page)
        assert page.locator(".practice-card").count() == 0
        assert page.get_by_text("No call matches. Try fewer filters.").is_visible()
        page.locator("#f-state").select_option("open")
        page.wait_for_url(re.compile(r"state=open"))
        audit(page)
        page.get_by_role("link", name="International Staff Training Days 2026").click()
        page.wait_for_url(re.compile(r"/events/\d+$"))
        audit(page)
        note = page.locator(".ties-note")
        # Jyväskylä's shipped profile names neither a partnership nor a network with Helsinki.
        assert "neither a strategic partner of University of Helsinki" in note.inner_text()
        screenshot(page, "events-listing-call")

        # The host's public page lists the call among its upcoming events, and the sheets
        # that name it as a good example.
        page.get_by_role("link", name="University of Helsinki").first.click()
        page.wait_for_url(re.compile(r"/institutions/university-of-helsinki$"))
        audit(page)
        assert (
            "International Staff Training Days 2026"
            in page.locator("#calls-heading + ul").inner_text()
        )
        assert page.locator("#examples-heading + ul li").count() >= 1
        screenshot(page, "events-listing-institution")


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_public_pages_fit_a_phone_in_finnish_and_swedish(shipped, browser, language):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()
    try:
        for path in ("/events", "/practices", "/institutions"):
            page.goto(f"{shipped}{path}")
            assert page.locator(f"html[lang={language}]").count() == 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} in {language} is {width}px wide on a phone"
    finally:
        context.close()


def test_the_listing_fits_a_phone_and_works_without_javascript(shipped, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    try:
        with freeze_time(DURING, tick=True):
            page.goto(f"{shipped}/events")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"/events scrolls sideways on a phone: {width}px"
            # Without JavaScript the form is sent with its button.
            page.locator("#f-network").select_option("una-europa")
            page.get_by_role("button", name="Show the calls").click()
            page.wait_for_url(re.compile(r"network=una-europa"))
            assert page.locator(".practice-card").count() == 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
            screenshot(page, "events-listing-phone")
            page.goto(f"{shipped}/events?network=nowhere&start=2026-02-31")
            # A value the form cannot use is named, and marked at its field.
            assert page.locator('[role="alert"]').is_visible()
            assert page.locator("#f-network[aria-invalid=true]").count() == 1
            screenshot(page, "events-listing-phone-problems")
    finally:
        context.close()
