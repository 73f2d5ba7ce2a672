"""Copying a plan carries its indicators: every field, baselines, shifted targets, no values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from app.core.extensions import db
from app.indicators.models import (
    Indicator,
    IndicatorTarget,
    Measurement,
    PeriodApproval,
)
from app.planner.models import Activity, Plan
from tests.indicators.test_views import _as

# Everything of an indicator a copy keeps as it is.
KEPT = (
    "position",
    "name",
    "description",
    "unit",
    "scale_max",
    "direction",
    "aggregation",
    "frequency",
    "baseline_value",
    "target_value",
)


def _full_indicators(ids) -> tuple[Indicator, Indicator]:
    """Give plan A an indicator with every field set, and a per-occurrence one, with values."""
    plan = db.session.get(Plan, ids["plan"])
    activity = db.session.get(Activity, ids["activity"])
    activity.start_date, activity.end_date = date(2027, 2, 1), date(2027, 2, 2)
    activity.recurrence = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO"  # the first Monday, quarterly
    full = Indicator(
        plan=plan,
        activity=activity,
        position=7,
        name="Satisfaction of participants — Zufriedenheit",
        description="Asked at the end of each session; **median** of the answers.",
        unit="score",
        scale_max=D(5),
        direction="lower",
        aggregation="average",
        frequency="quarterly",
        baseline_value=D("3.25"),
        baseline_date=date(2027, 1, 15),
        target_value=D("4.50"),
        targets=[
            IndicatorTarget(period_key="2027-Q1", value=D("3.5")),
            IndicatorTarget(period_key="2027-Q4", value=D("4.5")),
        ],
    )
    each = Indicator(
        plan=plan,
        activity=activity,
        name="Participants",
        unit="count",
        aggregation="sum",
        frequency="occurrence",
        target_value=D(120),
        # 1 February 2027 and 3 May 2027 (first Mondays); their 2028 ones differ by days.
        targets=[
            IndicatorTarget(period_key="2027-02-01", value=D(30)),
            IndicatorTarget(period_key="2027-05-03", value=D(40)),
        ],
    )
    db.session.add_all([full, each])
    db.session.flush()
    db.session.add(
        Measurement(
            indicator=full,
            period_key="2027-Q1",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 3, 31),
            value=D(4),
        )
    )
    db.session.commit()
    return full, each


def test_a_copied_plan_has_the_indicators_with_baselines_and_shifted_targets(
    client, two_institutions
):
    people, ids = two_institutions
    full, each = _full_indicators(ids)
    _as(client, people, "planner")
    values_before = db.session.scalar(select(func.count()).select_from(Measurement))
    approvals_before = db.session.scalar(select(func.count()).select_from(PeriodApproval))
    response = client.post(
        f"/plans/{ids['plan']}/copy", data={"title": "Plan 2028", "period_start": "2028-01-01"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    copy = db.session.scalar(select(Plan).where(Plan.title == "Plan 2028"))
    copied = {
        i.name: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == copy.id))
    }
    original = {
        i.name: i
        for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == ids["plan"]))
    }
    assert set(copied) == set(original)
    new_activity = db.session.scalar(select(Activity).where(Activity.plan_id == copy.id))
    for name, old in original.items():
        new = copied[name]
        assert {f: getattr(new, f) for f in KEPT} == {f: getattr(old, f) for f in KEPT}
        assert new.activity_id == (new_activity.id if old.activity_id else None)
        assert new.measurements == []
    assert copied[full.name].baseline_date == date(2028, 1, 15)
    assert {t.period_key: t.value for t in copied[full.name].targets} == {
        "2028-Q1": D("3.5"),
        "2028-Q4": D("4.5"),
    }
    # The first Mondays of February and May 2028: the same occurrences, not the same dates.
    assert {t.period_key: t.value for t in copied[each.name].targets} == {
        "2028-02-07": D(30),
        "2028-05-01": D(40),
    }
    # No values, no approvals in the copy; the original keeps its own.
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == values_before
    assert db.session.scalar(select(func.count()).select_from(PeriodApproval)) == approvals_before
    assert (
        db.session.scalars(select(PeriodApproval).where(PeriodApproval.plan_id == copy.id)).all()
        == []
    )
    assert {t.period_key for t in db.session.get(Indicator, full.id).targets} == {
        "2027-Q1",
        "2027-Q4",
    }


def test_a_copy_moved_by_days_moves_targets_into_the_periods_the_dates_land_in(
    client, two_institutions
):
    people, ids = two_institutions
    full, _ = _full_indicators(ids)
    _as(client, people, "planner")
    response = client.post(
        f"/plans/{ids['plan']}/copy", data={"title": "Later", "period_start": "2028-04-10"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    copy = db.session.scalar(select(Plan).where(Plan.title == "Later"))
    moved = db.session.scalar(
        select(Indicator).where(Indicator.plan_id == copy.id, Indicator.name == full.name)
    )
    # 1 January 2027 + 465 days is 10 April 2028 (Q2), 1 October 2027 + 465 days 8 January 2029.
    assert {t.period_key for t in moved.targets} == {"2028-Q2", "2029-Q1"}
