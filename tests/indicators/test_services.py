"""Indicators in the database: adoption's proposals, aggregates in SQL, values and approvals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.core.extensions import db
from app.indicators import measurements, services
from app.indicators.models import Indicator, Measurement, MeasurementChange
from app.indicators.periods import parse_key, period_of
from app.indicators.progress import Value, combine
from app.planner.models import Activity, ProposedIndicator


def _indicator(plan, **fields) -> Indicator:
    defaults = {"name": "Participants", "unit": "count", "frequency": "quarterly"}
    indicator = services.add_indicator(plan, {**defaults, **fields}, {})
    db.session.commit()
    return indicator


def _record(indicator, key, value, approvals=(), by="planner@example.org", today=date(2028, 1, 1)):
    period = parse_key(indicator.frequency, key)
    existing = measurements.measurements_of([indicator]).get((indicator.id, key))
    result = measurements.record_value(
        indicator,
        period,
        D(value),
        existing=existing,
        note="",
        evidence_url=None,
        evidence=None,
        by=by,
        approvals=list(approvals),
        today=today,
        base_version=measurements.version_of(existing),
    )
    db.session.commit()
    return result


def test_accepting_a_proposal_gives_an_indicator_with_sensible_defaults(make_plan):
    plan = make_plan()
    activity = Activity(plan=plan, title="Training week", start_date=date(2027, 3, 1))
    activity.indicators = [
        ProposedIndicator(name="Participant satisfaction", unit="score", direction="higher"),
        ProposedIndicator(name="Participants", unit="count", direction="higher"),
    ]
    db.session.add(activity)
    db.session.commit()
    score = services.accept_proposed(plan, activity.indicators[0])
    db.session.commit()
    assert (score.aggregation, score.frequency, score.scale_max) == ("average", "occurrence", 5)
    assert score.activity_id == activity.id and score.plan_id == plan.id
    assert [p.name for p in db.session.scalars(select(ProposedIndicator))] == ["Participants"]


def test_an_undated_activity_reports_quarterly(make_plan):
    plan = make_plan()
    activity = Activity(plan=plan, title="Mentoring")
    activity.indicators = [ProposedIndicator(name="Pairs", unit="count", direction="higher")]
    db.session.add(activity)
    db.session.commit()
    assert services.accept_proposed(plan, activity.indicators[0]).frequency == "quarterly"


def test_per_occurrence_periods_follow_the_activity(make_plan):
    plan = make_plan()
    activity = Activity(
        plan=plan,
        title="Staff week",
        start_date=date(2027, 3, 1),
        end_date=date(2027, 3, 5),
        recurrence="FREQ=MONTHLY;INTERVAL=6",
    )
    db.session.add(activity)
    db.session.commit()
    indicator = _indicator(plan, activity_id=activity.id, frequency="occurrence")
    keys = [p.key for p in services.reporting_periods(indicator, plan)]
    assert keys == ["2027-03-01", "2027-09-01"]


def test_values_are_locked_by_an_approval_and_reopening_is_recorded(make_plan):
    plan = make_plan()
    indicator = _indicator(plan)
    _record(indicator, "2027-Q1", 10)
    approval = measurements.approve(plan, period_of("quarterly", date(2027, 2, 1)), by="boss@x.org")
    db.session.commit()
    with pytest.raises(measurements.Locked):
        _record(indicator, "2027-Q1", 12, measurements.approvals_of(plan))
    assert db.session.scalar(select(Measurement.value)) == D(10)
    # Another quarter is not locked.
    assert _record(indicator, "2027-Q2", 5, measurements.approvals_of(plan)) is not None
    measurements.reopen(approval, by="boss@x.org", reason="late invoice")
    db.session.commit()
    changed = _record(indicator, "2027-Q1", 12, measurements.approvals_of(plan))
    assert changed.value == D(12) and changed.version == 2
    history = db.session.scalars(
        select(MeasurementChange)
        .where(MeasurementChange.measurement_id == changed.id)
        .order_by(MeasurementChange.id)
    ).all()
    assert [(h.old_value, h.new_value, h.after_approval) for h in history] == [
        (None, D(10), False),
        (D(10), D(12), True),
    ]


def test_saving_the_same_value_again_changes_nothing(make_plan):
    plan = make_plan()
    indicator = _indicator(plan)
    _record(indicator, "2027-Q1", 10)
    assert _record(indicator, "2027-Q1", 10) is None
    assert len(db.session.scalars(select(MeasurementChange)).all()) == 1


def test_a_yearly_approval_locks_every_quarter_and_month_inside(make_plan):
    plan = make_plan()
    quarterly = _indicator(plan)
    monthly = _indicator(plan, frequency="monthly", name="Newsletters")
    measurements.approve(plan, period_of("yearly", date(2027, 1, 1)), by="boss@x.org")
    db.session.commit()
    approvals = measurements.approvals_of(plan)
    for indicator, key in ((quarterly, "2027-Q4"), (monthly, "2027-06")):
        with pytest.raises(measurements.Locked):
            _record(indicator, key, 1, approvals)


def test_what_is_due_in_a_quarter(make_plan):
    plan = make_plan()
    quarterly = _indicator(plan)
    monthly = _indicator(plan, frequency="monthly", name="Newsletters")
    yearly = _indicator(plan, frequency="yearly", name="Partners")
    q1 = period_of("quarterly", date(2027, 1, 1))
    due = measurements.due_in([quarterly, monthly, yearly], plan, q1)
    assert [(i.name, p.key) for i, p in due] == [
        ("Participants", "2027-Q1"),
        ("Newsletters", "2027-01"),
        ("Newsletters", "2027-02"),
        ("Newsletters", "2027-03"),
    ]
    q4 = period_of("quarterly", date(2027, 12, 1))
    assert ("Partners", "2027") in [
        (i.name, p.key) for i, p in measurements.due_in([yearly], plan, q4)
    ]


amounts = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(amounts, min_size=1, max_size=8))
def test_the_database_combines_values_as_the_arithmetic_does(make_plan, values):
    db.session.execute(delete(Indicator))
    db.session.commit()
    from app.planner.models import Plan

    plan = db.session.scalar(select(Plan)) or make_plan()
    indicator = _indicator(plan, frequency="monthly")
    months = [period_of("monthly", date(2027, n + 1, 1)) for n in range(len(values))]
    for month, value in zip(months, values, strict=True):
        db.session.add(
            Measurement(
                indicator_id=indicator.id,
                period_key=month.key,
                period_start=month.start,
                period_end=month.end,
                value=value,
            )
        )
    db.session.commit()
    found = services.aggregates([indicator.id], date(2027, 6, 30))[indicator.id]
    pure = [Value(m.end, v) for m, v in zip(months, values, strict=True)]
    assert found.combined("sum") == combine(pure, "sum")
    assert found.combined("latest") == combine(pure, "latest")
    assert found.combined("average") == combine(pure, "average")
    assert found.due_recorded == min(len(values), 6)


def test_plan_progress_takes_the_same_queries_for_3_or_30_indicators(make_plan, count_queries):
    plan = make_plan()
    for n in range(30):
        indicator = _indicator(plan, name=f"Indicator {n}", target_value=D(100))
        _record(indicator, "2027-Q1", n)
    few = services.indicators_of(plan)[:3]
    with count_queries() as small:
        services.plan_progress(plan, services.indicators_of(plan)[:3], date(2027, 7, 1))
    with count_queries() as large:
        result = services.plan_progress(plan, services.indicators_of(plan), date(2027, 7, 1))
    assert len(small) == len(large)
    assert len(result) == 30 and len(few) == 3
    by_name = {i.name: p for i, p in result}
    assert by_name["Indicator 25"].actual == D(25) and by_name["Indicator 25"].missing == 1
    assert by_name["Indicator 25"].percent == D(25)


def test_activities_are_counted_by_status_in_the_database(make_plan):
    plan = make_plan()
    db.session.add_all(
        [
            Activity(plan=plan, title=str(n), status=s)
            for n, s in enumerate(["idea", "done", "done"])
        ]
    )
    db.session.commit()
    assert services.activities_by_status(plan) == {"idea": 1, "done": 2}


def test_an_indicator_of_a_one_off_event_expects_its_target_once_the_event_is_over(make_plan):
    plan = make_plan()
    event = Activity(plan=plan, title="Staff week", start_date=date(2027, 3, 8))
    event.end_date = date(2027, 3, 12)
    db.session.add(event)
    db.session.commit()
    indicator = _indicator(
        plan, activity_id=event.id, frequency="occurrence", target_value=D(60), aggregation="sum"
    )
    _record(indicator, "2027-03-08", 30)
    db.session.expire_all()
    indicator = services.get_indicator(plan, indicator.id)
    # A straight path through the year would expect 17 by 15 April: 30 looked on track.
    for today in (date(2027, 4, 15), date(2027, 12, 1)):
        judged = services.indicator_progress(indicator, plan, today)
        [(_, summed)] = services.plan_progress(plan, [indicator], today)
        assert (judged.status, judged.expected_percent) == ("off_track", 100)
        assert (summed.status, summed.expected_percent) == ("off_track", 100)
    before = services.indicator_progress(indicator, plan, date(2027, 3, 11))
    assert before.expected_percent == 0
