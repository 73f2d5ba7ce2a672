"""Every kind of page passes axe-core's WCAG 2.1 AA rules, signed out and signed in."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.axe import violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/practices",
    "/practices?q=job+shadowing&category=networking",
    "/practices/sending-staff-on-job-shadowing",
    "/practices/compare?slugs=sending-staff-on-job-shadowing,hosting-a-study-visit",
    "/institutions",
    "/login",
    "/password/forgot",
    "/no-such-page",
]


@pytest.fixture
def rich_plan(two_institutions):
    """Plan A with a dated, repeating activity and a value, for the signed-in pages."""
    from app.core.extensions import db
    from app.planner.models import Activity

    people, ids = two_institutions
    activity = db.session.get(Activity, ids["activity"])
    activity.start_date = date(2027, 3, 1)
    activity.recurrence = "FREQ=MONTHLY;INTERVAL=6"
    db.session.commit()
    return people, ids


def _signed_in_pages(ids) -> list[str]:
    plan = ids["plan"]
    return [
        "/plans",
        f"/plans/{plan}",
        f"/plans/{plan}?group=month",
        f"/plans/{plan}/edit",
        f"/plans/{plan}/copy",
        f"/plans/{plan}/import",
        f"/plans/{plan}/activities/new",
        f"/plans/{plan}/activities/{ids['activity']}/edit",
        f"/plans/{plan}/activities/{ids['activity']}/delete",
        f"/plans/{plan}/indicators",
        f"/plans/{plan}/indicators/new",
        f"/plans/{plan}/indicators/{ids['indicator']}",
        f"/plans/{plan}/indicators/{ids['indicator']}/edit",
        f"/plans/{plan}/values?window=2027-Q1",
        f"/plans/{plan}/values?window=2027-Q4",
        f"/plans/{plan}/values/import",
        f"/plans/{plan}/dashboard",
        f"/plans/{plan}/report",
        "/institutions/uni-a",
        "/institutions/uni-a/overview",
        "/institutions/uni-a/edit",
        "/institutions/uni-a/members",
        "/institutions/uni-a/plans/new",
        "/account",
        "/account/tokens",
        "/account/password",
        "/practices/sending-staff-on-job-shadowing",
        "/practices/sending-staff-on-job-shadowing/edit",
        "/practices/sending-staff-on-job-shadowing/history",
        "/practices/new",
        "/admin/outbox",
    ]


def _check(page, base: str, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        if page.locator("[data-figure]").count():
            page.locator(".chart svg.main-svg").first.wait_for()
        problems = violations(page)
        if problems:
            found[path] = problems
    return found


def test_public_pages_have_no_violations(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    found = _check(page, live_server, PUBLIC_PAGES)
    context.close()
    assert found == {}


def test_signed_in_pages_have_no_violations(live_server, browser, rich_plan, make_user):
    _, ids = rich_plan
    make_user("all@a.example", is_admin=True, is_curator=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("all@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/practices")
    found = _check(page, live_server, _signed_in_pages(ids))
    context.close()
    assert found == {}


def test_the_check_finds_a_violation_when_there_is_one(browser):
    page = browser.new_page()
    page.set_content(
        "<!doctype html><html lang='en'><title>t</title><main><img src='x.png'>"
        "<input type='text'></main></html>"
    )
    found = violations(page)
    page.close()
    assert any(v.startswith("image-alt") for v in found)
    assert any(v.startswith("label") for v in found)
