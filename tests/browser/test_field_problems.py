"""A field with a problem looks it: its border takes the error colour, in a form and in a grid."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

# style.css's --error, as Chromium reports a computed colour.
ERROR = "rgb(164, 22, 26)"


def _border(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).borderTopColor")


def test_fields_with_problems_have_the_error_border(live_server, page, make_user, make_institution):
    from app.core.extensions import db
    from app.indicators.models import Indicator
    from app.planner.services import create_plan

    institution = make_institution("uni-a", name="University A")
    make_user("planner@example.org", institution=institution, role="planner")
    plan = create_plan(
        institution, title="Growth", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    indicator = Indicator(
        plan=plan, name="Participants", unit="count", aggregation="sum", frequency="quarterly"
    )
    db.session.add(indicator)
    db.session.commit()
    sign_in(page, live_server, "planner@example.org")

    # A form: the plan's title left empty.
    page.goto(f"{live_server}/institutions/uni-a/plans/new")
    page.get_by_role("button", name="Create the plan").click()
    assert page.locator(".field.has-error").count() >= 1
    assert _border(page, ".field.has-error input") == ERROR
    assert _border(page, ".field:not(.has-error) :is(input, textarea, select)") != ERROR

    # A grid: a period's target that is not a number. The period's name labels its field.
    page.goto(f"{live_server}/plans/{plan.id}/indicators/{indicator.id}/edit")
    page.get_by_label("Q1 2026").fill("abc")
    page.get_by_role("button", name="Save the indicator").click()
    invalid = page.get_by_label("Q1 2026")
    assert invalid.get_attribute("aria-invalid") == "true"
    assert invalid.evaluate("e => getComputedStyle(e).borderTopColor") == ERROR
    assert page.get_by_label("Q2 2026").evaluate("e => getComputedStyle(e).borderTopColor") != ERROR
    # Both pages answered 400 on purpose, which Chromium logs; nothing else may have failed.
    refused = "the server responded with a status of 400 (BAD REQUEST)"
    assert all(refused in message for message in page.problems.messages), page.problems.messages
    page.problems.messages.clear()
