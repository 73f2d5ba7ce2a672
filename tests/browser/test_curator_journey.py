"""A curator signs in, edits a sheet with a preview, saves it and reads its history, in Chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_curator_edits_a_sheet_and_reads_its_history(live_server, journey, make_user):
    page = journey
    make_user("curator@example.org", is_curator=True)
    page.goto(f"{live_server}/practices/hosting-a-study-visit/edit")
    page.wait_for_url(re.compile(r"/login\?next="))
    screenshot(page, "sign-in")
    sign_in(
        page, live_server, "curator@example.org", landing=r"/practices/hosting-a-study-visit/edit$"
    )

    page.get_by_label("Summary").fill(
        "A group of peers visits for a few days and learns by watching."
    )
    page.get_by_label("About this practice (Markdown)").fill("## Why host\n\nIt **works**.")
    page.get_by_role("button", name="Preview").click()
    assert page.locator(".preview .sheet-body h2").inner_text() == "Why host"
    assert page.locator(".preview strong").inner_text() == "works"
    audit(page)
    screenshot(page, "sheet-editor")

    page.get_by_label("What did you change? (optional)").fill("shorter summary")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/practices/hosting-a-study-visit$"))
    assert "learns by watching" in page.locator(".lead").inner_text()
    audit(page)

    page.get_by_role("link", name="History").click()
    page.wait_for_url(re.compile(r"/history$"))
    audit(page)
    first_row = page.locator("table.data-table tbody tr").first
    assert "curator@example.org" in first_row.inner_text()
    assert "shorter summary" in first_row.inner_text()
    screenshot(page, "sheet-history")


def test_manager_invites_a_colleague(live_server, journey, make_user, make_institution):
    page = journey
    institution = make_institution("uni-a", name="University A")
    make_user("boss@example.org", institution=institution, role="manager")
    sign_in(page, live_server, "boss@example.org")
    page.goto(f"{live_server}/institutions/uni-a/members")
    audit(page)
    page.get_by_label("Email").fill("colleague@example.org")
    page.get_by_label("Role", exact=True).select_option("planner")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url(re.compile(r"/institutions/uni-a/members$"))
    assert "colleague@example.org, role: Planner" in page.locator("main").inner_text()
    audit(page)
    screenshot(page, "members")


def test_markdown_payloads_run_nothing_in_the_browser(live_server, page):
    from app.core.extensions import db
    from app.practices import services
    from tests.practices.test_curation import XSS

    practice = services.get_practice("hosting-a-study-visit")
    sheet = services.sheet_from_practice(practice)
    body = "\n\n".join(["## Payloads", *XSS, "The end."])
    services.save_sheet(
        practice, sheet.model_copy(update={"body": body, "summary": XSS[0]}), author=None
    )
    db.session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (
        "/practices/hosting-a-study-visit",
        "/practices?q=study+visit",
        "/practices/compare?slugs=hosting-a-study-visit,supporting-scholars-at-risk",
    ):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('main script, main iframe').length") == 0


def test_signed_in_pages_fit_a_phone(live_server, browser, make_user, make_institution):
    institution = make_institution("uni-a", name="University of Somewhere With A Long Name")
    make_user(
        "everything@example.org",
        institution=institution,
        role="manager",
        is_admin=True,
        is_curator=True,
    )
    from datetime import date

    from app.core.extensions import db
    from app.planner.models import Activity
    from app.planner.services import create_plan

    plan = create_plan(
        institution,
        title="Staff capacity building 2028 with a long title",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    db.session.add(
        Activity(plan=plan, title="A long activity title " * 5, start_date=date(2027, 5, 1))
    )
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("everything@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/practices$"))
    for path in (
        "/institutions/uni-a/members",
        "/institutions/uni-a/edit",
        "/admin/outbox",
        "/practices/hosting-a-study-visit/history",
        "/practices/hosting-a-study-visit/edit",
        "/plans",
        "/account",
        "/account/tokens",
        "/practices/inter-institutional-trainings-and-workshops",
        f"/plans/{plan.id}/dashboard",
        f"/plans/{plan.id}/values",
        "/institutions/uni-a/overview",
        f"/plans/{plan.id}",
        f"/plans/{plan.id}/activities/{plan.activities[0].id}/edit",
    ):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
    context.close()


def test_a_user_makes_an_api_token_and_the_api_answers_it(live_server, journey, make_user):
    page = journey
    make_user("ana@example.org")
    sign_in(page, live_server, "ana@example.org")
    page.goto(f"{live_server}/account")
    audit(page)
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url(re.compile(r"/account/tokens$"))
    audit(page)
    page.get_by_label("What it is for").fill("Reporting script")
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("scp_")
    audit(page)  # the page that shows the new secret once
    screenshot(page, "api-tokens")
    response = page.request.get(
        f"{live_server}/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200 and response.json()["total"] == 0
    page.get_by_role("button", name="Revoke Reporting script").click()
    assert "is revoked" in page.locator("main").inner_text()
    audit(page)
    response = page.request.get(
        f"{live_server}/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 401


def test_manager_removes_a_unit_only_after_confirming(
    live_server, journey, make_user, make_institution
):
    from app.core.extensions import db
    from app.institutions.models import Unit

    page = journey
    institution = make_institution("uni-a", name="University A")
    institution.units.append(Unit(name="Language Centre", kind="language-centre"))
    db.session.commit()
    make_user("boss@example.org", institution=institution, role="manager")
    sign_in(page, live_server, "boss@example.org")
    page.goto(f"{live_server}/institutions/uni-a/edit")
    audit(page)
    page.get_by_role("link", name="Remove Language Centre").click()
    page.wait_for_url(re.compile(r"/units/\d+/delete$"))
    audit(page)
    assert page.locator("h1").inner_text() == "Remove the unit “Language Centre”?"
    screenshot(page, "remove-unit")
    # Keeping it changes nothing.
    page.get_by_role("link", name="Keep it").click()
    page.wait_for_url(re.compile(r"/institutions/uni-a/edit$"))
    audit(page)
    assert page.get_by_role("link", name="Remove Language Centre").count() == 1
    page.get_by_role("link", name="Remove Language Centre").click()
    page.get_by_role("button", name="Remove the unit").click()
    page.wait_for_url(re.compile(r"/institutions/uni-a/edit$"))
    audit(page)
    assert "The unit “Language Centre” is removed." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Remove Language Centre").count() == 0
