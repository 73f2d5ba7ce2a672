"""The planner's groundwork: adopting a practice, recurrence, totals and coverage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.core.extensions import db
from app.institutions.models import Unit
from app.planner import services
from app.planner.models import Activity


@pytest.fixture
def plan(make_institution):
    institution = make_institution("uni-a")
    institution.units.append(Unit(name="International Office", kind="international-office"))
    institution.units.append(Unit(name="Staff Development", kind="human-resources"))
    db.session.commit()
    made = services.create_plan(
        institution,
        title="Staff growth 2027",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    db.session.commit()
    return made


@pytest.fixture
def practice(make_practice):
    return make_practice(
        setup={
            "cost": 2,
            "time": 3,
            "effort": 1,
            "actors": ["International office (coordinator)", "Rector's office"],
            "partners": ["Nearby universities"],
        },
        considerations=["Selection process", "Evaluation and dissemination"],
        target_groups=["administrative-staff", "management-staff"],
        mobility_stages=["institutional-setup", "pre-departure"],
    )


def test_adopting_prefills_each_phase_from_the_sheet(plan, practice, vocab):
    setup, delivery = services.adopt_practice(
        plan, practice, ["setup", "delivery"], vocab, by="planner@example.org"
    )
    assert setup.title == f"Set up: {practice.title}" and delivery.phase == "delivery"
    assert setup.guidance == {"cost": 2, "time": 3, "effort": 1}
    assert [c.text for c in setup.checklist] == [
        "Selection process",
        "Evaluation and dissemination",
    ]
    assert [i.name for i in setup.indicators] == ["Partner offices committed"]
    assert [i.name for i in delivery.indicators] == ["Participants per meeting"]
    assert setup.target_groups == ["administrative-staff", "management-staff"]
    assert setup.partners == []  # the sheet's kinds of partner are suggestions, not names
    office = next(u for u in plan.institution.units if u.name == "International Office")
    assert setup.unit_ids == [office.id]
    assert setup.other_actors == ["Rector's office"]
    assert setup.status == "idea" and setup.status_changes[0].changed_by == "planner@example.org"


def _activity(plan, **fields) -> Activity:
    activity = Activity(plan=plan, title="A", **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def test_a_one_off_activity_happens_once(plan):
    activity = _activity(plan, start_date=date(2027, 3, 1), end_date=date(2027, 3, 3))
    (only,) = services.occurrences(activity)
    assert (only.start, only.end) == (date(2027, 3, 1), date(2027, 3, 3))


def test_twice_a_year_within_the_plan_period(plan):
    rule = services.check_recurrence("FREQ=MONTHLY;INTERVAL=6")
    activity = _activity(
        plan, start_date=date(2027, 3, 1), end_date=date(2027, 3, 2), recurrence=rule
    )
    found = [(o.start, o.end) for o in services.occurrences(activity)]
    assert found == [(date(2027, 3, 1), date(2027, 3, 2)), (date(2027, 9, 1), date(2027, 9, 2))]


def test_a_rule_with_a_count_stops_there(plan):
    activity = _activity(
        plan,
        start_date=date(2027, 1, 4),
        recurrence=services.check_recurrence("rrule:freq=weekly;count=3"),
    )
    assert [o.start for o in services.occurrences(activity)] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
    ]


def test_occurrences_are_bounded(plan):
    activity = _activity(
        plan, start_date=date(2027, 1, 1), recurrence=services.check_recurrence("FREQ=WEEKLY")
    )
    assert len(services.occurrences(activity, until=date(2099, 1, 1))) == services.MAX_OCCURRENCES


@pytest.mark.parametrize(
    "rule",
    [
        "every other week",
        "FREQ=SOMETIMES",
        "INTERVAL=2",
        "FREQ=HOURLY",
        "FREQ=SECONDLY",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=MONTHLY;INTERVAL=0",
        "FREQ=MONTHLY;BYDAY=XX",
    ],
)
def test_unreadable_rules_are_refused(rule):
    with pytest.raises(services.RecurrenceError):
        services.check_recurrence(rule)


def test_activity_without_dates_has_no_occurrence(plan):
    assert services.occurrences(_activity(plan)) == []


def test_totals_sum_in_the_database_and_leave_cancelled_out(plan):
    _activity(
        plan,
        budget_planned=Decimal("1000.50"),
        budget_actual=Decimal("900"),
        effort_planned=Decimal("3.5"),
        effort_actual=Decimal("4"),
    )
    _activity(plan, budget_planned=Decimal("200"), effort_planned=Decimal("1"))
    _activity(
        plan, budget_planned=Decimal("5000"), effort_planned=Decimal("10"), status="cancelled"
    )
    totals = services.totals(plan)
    assert totals.budget_planned == Decimal("1200.50")
    assert totals.budget_actual == Decimal("900")
    assert totals.effort_planned == Decimal("4.5")
    assert totals.effort_actual == Decimal("4")


def test_coverage_shows_reached_stages_and_groups_and_the_gaps(plan, practice, vocab):
    services.adopt_practice(plan, practice, ["setup"], vocab)
    coverage = services.coverage(plan, vocab)
    assert coverage["mobility_stages"]["institutional-setup"] == 1
    assert coverage["mobility_stages"]["upon-arrival"] == 0
    assert coverage["target_groups"]["management-staff"] == 1
    assert coverage["target_groups"]["students"] == 0


def test_status_changes_are_dated_and_attributed(plan):
    activity = _activity(plan)
    services.set_status(activity, "planned", by="ana@example.org")
    services.set_status(activity, "planned", by="ana@example.org")
    assert [(c.status, c.changed_by) for c in activity.status_changes] == [
        ("planned", "ana@example.org")
    ]
