"""A plan stored with a huge period (ending in 9999) costs the indicator pages bounded work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app.core.extensions import db
from app.indicators.models import Indicator, IndicatorTarget, Measurement
from app.indicators.periods import MAX_PERIODS, periods
from app.planner.models import Activity, Plan
from tests.conftest import login


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "term", "yearly"])
def test_periods_are_capped_and_reach_the_last_day_there_is(frequency):
    assert len(periods(frequency, date(1, 1, 1), date(9999, 12, 31))) == MAX_PERIODS
    last = periods(frequency, date(9999, 1, 1), date(9999, 12, 31))[-1]
    assert last.end == date(9999, 12, 31)


# The most statements any of these pages runs (the values page: 19), with a little room;
# a statement per period or occurrence would be hundreds.
MOST_STATEMENTS = 25
# The largest of these pages (an indicator's edit form: a target field per period, 600 of
# them) is about 260 kB.
MOST_BYTES = 1_000_000

LAST = {"monthly": "9999-12", "quarterly": "9999-Q4", "term": "9999-T2", "yearly": "9999"}


@pytest.mark.parametrize("today", [date(2027, 7, 15), date(9999, 12, 31)])
@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2027, 1, 1), date(9999, 12, 31)), (date(9999, 1, 1), date(9999, 12, 31))],
)
def test_every_indicator_page_of_a_plan_ending_in_9999_does_bounded_work(
    client, two_institutions, monkeypatch, count_queries, start, end, today
):
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: today)
    people, ids = two_institutions
    plan = db.session.get(Plan, ids["plan"])
    # Stored as an older version of the app let it be, past today's bounds at input.
    plan.period_start, plan.period_end = start, end
    activity = db.session.get(Activity, ids["activity"])
    activity.start_date, activity.recurrence = start, "FREQ=WEEKLY"
    for frequency in ("monthly", "quarterly", "term", "yearly"):
        db.session.add(
            Indicator(
                plan=plan,
                name=f"Every {frequency}",
                frequency=frequency,
                target_value=D(10),
                targets=[IndicatorTarget(period_key=LAST[frequency], value=D(1))],
            )
        )
    db.session.add(
        Indicator(plan=plan, activity=activity, name="Each time", frequency="occurrence")
    )
    db.session.add(
        Measurement(
            indicator=db.session.get(Indicator, ids["indicator"]),
            period_key="9999-Q4",
            period_start=date(9999, 10, 1),
            period_end=date(9999, 12, 31),
            value=D(1),
        )
    )
    db.session.commit()
    login(client, people["manager"].email)
    plan_id, slug = ids["plan"], ids["slug"]
    indicator_ids = db.session.scalars(
        db.select(Indicator.id).where(Indicator.plan_id == plan_id)
    ).all()
    urls = [
        f"/plans/{plan_id}/indicators",
        f"/plans/{plan_id}/values",
        f"/plans/{plan_id}/values?window=9999",
        f"/plans/{plan_id}/values?window=9999-Q4",
        f"/plans/{plan_id}/values/file.csv",
        f"/plans/{plan_id}/values/import",
        f"/plans/{plan_id}/dashboard",
        f"/plans/{plan_id}/dashboard/progress.csv",
        f"/plans/{plan_id}/report",
        f"/institutions/{slug}/overview",
        f"/institutions/{slug}/overview/indicators-by-plan.csv",
    ]
    for indicator_id in indicator_ids:
        urls += [
            f"/plans/{plan_id}/indicators/{indicator_id}",
            f"/plans/{plan_id}/indicators/{indicator_id}/edit",
            f"/plans/{plan_id}/indicators/{indicator_id}/values.csv",
        ]
    # Bounds on work rather than on time (which flaked on a busy machine): a few statements,
    # none per period, and a page no larger than MAX_PERIODS periods make it.
    for url in urls:
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(counted.statements) <= MOST_STATEMENTS, (url, counted.statements)
        assert len(response.data) < MOST_BYTES, url
