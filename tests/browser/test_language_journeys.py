"""Journeys in Finnish and in Swedish, in Chromium: every page checked by axe, and its `lang`
right (the page's language, and English marked where a sheet falls back to it).

The words the tests look for come from the catalogues themselves (gettext under the
language), so they check that the interface is translated without repeating the translation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from flask_babel import force_locale, gettext

from app.core.i18n import LOCALES
from tests.browser.axe import audit
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PRACTICES = Path(__file__).resolve().parents[2] / "practices"
NBSP = "\u00a0"


def words(language: str, message: str, **values: object) -> str:
    """Return a message of the interface as the catalogue writes it in a language."""
    with force_locale(LOCALES[language]):
        return gettext(message, **values)


def title_of(slug: str, language: str) -> str:
    """Return a sheet's title in a language, from its translated file."""
    text = (PRACTICES / f"{slug}.{language}.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])["title"]


def check(page, language: str) -> None:
    """Audit the page with axe and check that it says it is in `language`."""
    audit(page)
    assert page.evaluate("document.documentElement.lang") == language, page.url


def sign_in(page, base: str, email: str, language: str) -> None:
    page.goto(f"{base}/login")
    check(page, language)
    page.get_by_label(words(language, "Email")).fill(email)
    page.get_by_label(words(language, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=words(language, "Sign in")).click()
    page.wait_for_url(re.compile(r"/practices$"))
    check(page, language)


def test_a_planner_works_in_finnish(live_server, journey, make_user, make_institution):
    page = journey
    page.set_extra_http_headers({"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"})
    institution = make_institution("uni-fi", name="Yliopisto A")
    make_user("suunnittelija@example.org", institution=institution, role="planner")

    # The catalogue, searched with a word of a Finnish sheet.
    page.goto(f"{live_server}/practices")
    check(page, "fi")
    assert page.locator("h1").inner_text() == words("fi", "Practice catalogue")
    finnish_title = title_of("benchmarking-in-university-networks", "fi")
    page.locator("#q").fill("vertailukehittäminen")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=vertailukehitt"))
    check(page, "fi")
    page.get_by_role("link", name=finnish_title).click()
    page.wait_for_url(re.compile(r"/practices/benchmarking-in-university-networks$"))
    check(page, "fi")
    assert page.locator("h1").inner_text() == finnish_title
    screenshot(page, "fi-sheet")

    # A plan and an activity of one's own, with money written the Finnish way.
    sign_in(page, live_server, "suunnittelija@example.org", "fi")
    page.goto(f"{live_server}/institutions/uni-fi/plans/new")
    check(page, "fi")
    page.get_by_label(words("fi", "Title")).fill("Henkilöstön kehittäminen 2027")
    page.get_by_label(words("fi", "From"), exact=True).fill("2027-01-01")
    page.get_by_label(words("fi", "To"), exact=True).fill("2027-12-31")
    page.get_by_role("button", name=words("fi", "Create the plan")).click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    check(page, "fi")
    page.get_by_role("link", name=words("fi", "Add your own activity")).click()
    page.wait_for_url(re.compile(r"/activities/new$"))
    check(page, "fi")
    page.get_by_label(words("fi", "Title")).fill("Kielikurssi henkilöstölle")
    page.get_by_label(words("fi", "Starts")).fill("2027-03-01")
    page.get_by_label(words("fi", "Budget planned (€)")).fill("1234.50")
    page.get_by_role("button", name=words("fi", "Save")).click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    check(page, "fi")
    totals = page.locator("table.totals").inner_text()
    assert f"1{NBSP}234,50{NBSP}€" in totals, totals
    timeline = page.locator("section[aria-labelledby=timeline-heading] tbody").inner_text()
    assert "1.3.2027" in timeline, timeline
    screenshot(page, "fi-plan")

    # On a phone, the Finnish plan reads without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    check(page, "fi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "fi-plan-phone")


def test_a_visitor_switches_to_swedish_and_keeps_it_after_signing_in(
    live_server, journey, make_user, make_practice
):
    page = journey
    make_user("anna@example.org", name="Anna")
    # A sheet with no translation: shown in English, marked so, with a notice in Swedish.
    make_practice(slug="an-untranslated-sheet", title="An untranslated sheet")

    page.goto(f"{live_server}/practices/hosting-a-study-visit")
    check(page, "en")
    page.get_by_role("button", name="Svenska").click()
    # Sent once the script has a token for it (this visitor had no session): wait for the
    # page in Swedish, not for an address the page already has.
    page.locator('html[lang="sv"]').wait_for(state="attached")
    check(page, "sv")
    assert page.locator("h1").inner_text() == title_of("hosting-a-study-visit", "sv")
    screenshot(page, "sv-sheet")

    page.goto(f"{live_server}/practices/an-untranslated-sheet")
    check(page, "sv")
    assert page.locator("h1").get_attribute("lang") == "en"
    notice = words("sv", "This sheet is not yet available in Swedish; it is shown in English.")
    assert notice in page.locator("main").inner_text()

    # Signing in keeps the language chosen before, on the account.
    sign_in(page, live_server, "anna@example.org", "sv")
    page.goto(f"{live_server}/account")
    check(page, "sv")
    assert page.locator("h1").inner_text() == words("sv", "Your account")
    screenshot(page, "sv-account")

    # A new browser of the same person, asking for English, still reads Swedish.
    other = page.context.browser.new_context(locale="en-GB")
    try:
        second = other.new_page()
        second.goto(f"{live_server}/login")
        second.get_by_label("Email").fill("anna@example.org")
        second.get_by_label("Password").fill(PASSWORD)
        second.get_by_role("button", name="Sign in").click()
        second.wait_for_url(re.compile(r"/practices$"))
        assert second.evaluate("document.documentElement.lang") == "sv"
        audit(second)
    finally:
        other.close()

    # On a phone, a sheet's long Swedish and Finnish words wrap (the levels overflowed once).
    page.set_viewport_size({"width": 390, "height": 844})
    for slug in ("hosting-a-study-visit", "benchmarking-in-university-networks"):
        page.goto(f"{live_server}/practices/{slug}")
        check(page, "sv")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, slug
    screenshot(page, "sv-sheet-phone")

    # And the switcher on a phone width.
    page.goto(f"{live_server}/account")
    check(page, "sv")
    page.get_by_role("button", name="Suomi").click()
    page.wait_for_url(re.compile(r"/account$"))
    check(page, "fi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "fi-account-phone")


def test_a_visitor_without_a_session_switches_with_a_token_asked_for(
    app, live_server, journey, monkeypatch
):
    """A page from the store has no token for a visitor without a session: the script asks
    for one as the switch is sent, which the check then takes."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = journey
    page.goto(f"{live_server}/practices/hosting-a-study-visit")
    check(page, "en")
    assert page.locator('.language-switch input[name="csrf_token"]').get_attribute("value") == ""
    page.get_by_role("button", name="Svenska").click()
    # Sent once the script has a token for it (this visitor had no session): wait for the
    # page in Swedish, not for an address the page already has.
    page.locator('html[lang="sv"]').wait_for(state="attached")
    check(page, "sv")
    assert page.locator("h1").inner_text() == title_of("hosting-a-study-visit", "sv")


def test_without_javascript_a_visitor_confirms_the_switch(app, live_server, browser, monkeypatch):
    """A page from the store has no token for a visitor without a session: with no script to
    ask for one, the switch asks to confirm, then works. (No axe here: it runs as a script.)"""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/practices/hosting-a-study-visit")
        page.get_by_role("button", name="Suomi").click()
        # Asked in the language chosen, with a way back that keeps the one before.
        assert page.locator("h1").inner_text() == "Vaihda kieli"
        screenshot(page, "language-confirm")
        page.get_by_role("link", name="Ei, palaa sivulle").click()
        page.wait_for_url(re.compile(r"/practices/hosting-a-study-visit$"))
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("button", name="Suomi").click()
        page.locator("main").get_by_role("button", name="Suomi").click()
        page.wait_for_url(re.compile(r"/practices/hosting-a-study-visit$"))
        assert page.locator("html").get_attribute("lang") == "fi"
        assert page.locator("h1").inner_text() == title_of("hosting-a-study-visit", "fi")
    finally:
        context.close()
