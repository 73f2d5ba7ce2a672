"""A coordinator sets up a series of workshops whose hosting rotates among three members
(as EURAXESS Germany's, seed 001), adds a shared track, creates two editions, which go to
the first and the second member in turn, and reads every edition side by side, on a desktop
and on a phone; a member's planner finds the series in their plan."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _edition(page, base: str, title: str, starts: str, ends: str) -> None:
    page.get_by_role("link", name="Create the next edition").click()
    page.wait_for_url(re.compile(r"/editions/new$"))
    audit(page)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("First day").fill(starts)
    page.get_by_label("Last day").fill(ends)
    page.get_by_role("button", name="Create the edition").click()
    page.wait_for_url(re.compile(r"/series/\d+#editions$"))
    audit(page)


def test_a_coordinator_rotates_a_series_among_its_members(
    live_server, journey, make_user, make_institution, make_plan
):
    a = make_institution("uni-a", name="University A")
    b = make_institution("uni-b", name="University B")
    make_institution("uni-c", name="University C")
    make_user("organiser@a.example", institution=a, role="event_organiser")
    make_user("planner@b.example", institution=b, role="planner")
    plan = make_plan(b)
    page = journey
    sign_in(page, live_server, "organiser@a.example")
    page.goto(f"{live_server}/institutions/uni-a/events")
    audit(page)
    page.get_by_role("link", name="Series of co-hosted events").click()
    page.wait_for_url(re.compile(r"/institutions/uni-a/series$"))
    audit(page)
    page.get_by_role("link", name="New series").click()
    page.wait_for_url(re.compile(r"/series/new$"))
    audit(page)
    page.get_by_label("Name").fill("Workshops for staff advisors")
    page.get_by_label("How often").select_option("twice_a_year")
    page.get_by_label("Place of the centralised editions").fill("Helsinki")
    page.get_by_label("Working languages").fill("en, fi")
    page.get_by_label("Description (Markdown)").fill("Up-to-date information and a **forum**.")
    page.get_by_role("button", name="Save the series").click()
    page.wait_for_url(re.compile(r"/series/\d+$"))
    audit(page)
    for name in ("University B", "University C"):
        page.get_by_label("Institution").select_option(label=name)
        page.get_by_role("button", name="Add to the rotation").click()
        page.wait_for_url(re.compile(r"/series/\d+#members$"))
    page.get_by_label("Title", exact=True).fill("Advising mobile researchers")
    page.get_by_label("Places").fill("30")
    page.get_by_role("button", name="Add the track").click()
    page.wait_for_url(re.compile(r"/series/\d+#tracks$"))
    audit(page)
    _edition(page, live_server, "Spring workshop 2027", "2027-03-10", "2027-03-11")
    _edition(page, live_server, "Autumn workshop 2027", "2027-09-15", "2027-09-16")
    table = page.locator("table.data-table")
    assert "University A" in table.locator("tr", has_text="Spring workshop 2027").inner_text()
    assert "University B" in table.locator("tr", has_text="Autumn workshop 2027").inner_text()
    page.get_by_text("Next decentralised host: University C.").wait_for()
    screenshot(page, "series-01-editions-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "series-02-editions-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "planner@b.example", landing=r"/")
    page.goto(f"{live_server}/plans/{plan.id}")
    audit(page)
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Series of co-hosted events")
    )
    assert "sender" in section.locator("li", has_text="Spring workshop 2027").inner_text()
    assert "organiser" in section.locator("li", has_text="Autumn workshop 2027").inner_text()
    section.scroll_into_view_if_needed()
    screenshot(page, "series-03-plan-section-1280", full_page=False)
