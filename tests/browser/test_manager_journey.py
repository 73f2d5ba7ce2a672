"""A manager records a quarter's values, approves the period and reads the dashboard."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_manager_records_approves_and_reads_the_dashboard(
    live_server, journey, make_user, make_institution
):
    from app.core.extensions import db
    from app.indicators.models import Indicator
    from app.planner.models import Activity
    from app.planner.services import create_plan

    institution = make_institution("uni-a", name="University A")
    make_user("manager@example.org", institution=institution, role="manager")
    plan = create_plan(
        institution,
        title="Staff growth",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    db.session.add_all(
        [
            Activity(
                plan=plan,
                title="Staff week",
                status="done",
                budget_planned=5000,
                budget_actual=4200,
                effort_planned=20,
                effort_actual=24,
            ),
            Activity(plan=plan, title="Job shadowing", status="planned", budget_planned=2400),
            Indicator(
                plan=plan,
                name="Participants",
                unit="count",
                aggregation="sum",
                frequency="quarterly",
                baseline_value=0,
                target_value=40,
            ),
            Indicator(
                plan=plan,
                name="Satisfaction",
                unit="score",
                scale_max=5,
                aggregation="average",
                frequency="quarterly",
                baseline_value=3,
                target_value=4.5,
            ),
        ]
    )
    db.session.commit()

    page = journey
    sign_in(page, live_server, "manager@example.org")

    page.goto(f"{live_server}/plans/{plan.id}/values?window=2026-Q1")
    audit(page)
    page.get_by_label("Participants, Q1 2026: value").fill("12")
    page.get_by_label("Participants, Q1 2026: note").fill("Staff week, day one")
    page.get_by_label("Satisfaction, Q1 2026: value").fill("4,2")
    page.get_by_role("button", name="Save the values").click()
    page.wait_for_url(re.compile(r"window=2026-Q1"))
    assert "2 values saved for Q1 2026" in page.locator("main").inner_text()
    audit(page)
    page.get_by_role("button", name="Approve and lock these values").click()
    assert "Approved and locked" in page.locator("main").inner_text()
    audit(page)
    screenshot(page, "values-approved")

    page.get_by_role("link", name="Dashboard").first.click()
    for name in ("progress", "budget", "effort", "activities"):
        page.locator(f"#{name}-chart svg.main-svg").first.wait_for()
    assert page.locator("#progress-chart .barlayer .point").count() == 2
    table = page.locator("#progress-heading ~ .table-scroll table").inner_text()
    assert "Participants" in table and "Satisfaction" in table
    audit(page)
    screenshot(page, "dashboard")
    screenshot(page, "readme-dashboard", full_page=False)  # the README shows it

    page.goto(f"{live_server}/plans/{plan.id}/indicators")
    audit(page)
    page.get_by_role("link", name="Satisfaction").click()
    page.locator("#values-chart svg.main-svg").first.wait_for()
    audit(page)
    screenshot(page, "indicator")

    page.goto(f"{live_server}/institutions/uni-a/overview")
    page.locator("#budget-by-year-chart svg.main-svg").first.wait_for()
    audit(page)
    screenshot(page, "overview")

    # The printable report: charts and tables, without the site's navigation.
    page.goto(f"{live_server}/plans/{plan.id}/report")
    page.locator("#progress-chart svg.main-svg").first.wait_for()
    audit(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("#progress-chart svg.main-svg").first.is_visible()
    assert page.locator("table").count() >= 6
    screenshot(page, "report-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
