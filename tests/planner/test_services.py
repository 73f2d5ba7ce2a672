"""The planner's groundwork: adopting a practice, recurrence, totals and coverage."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.extensions import db
from app.institutions.models import Unit
from app.planner import recurrence, services
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
        "every blue moon",
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


# Recurrence in words and bounded expansion (app/planner/recurrence.py).

DESCRIBED = [
    (None, "once"),
    ("", "once"),
    ("FREQ=WEEKLY", "every week"),
    ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("FREQ=MONTHLY", "every month"),
    ("FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
    ("FREQ=MONTHLY;INTERVAL=6", "every 6 months"),
    ("freq=monthly;interval=6", "every 6 months"),
    ("RRULE:FREQ=YEARLY", "every year"),
    ("FREQ=YEARLY;INTERVAL=2", "every 2 years"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly on the 15th"),
    ("FREQ=MONTHLY;BYMONTHDAY=1,2,3,21,22,23", "monthly on the 1st, 2nd, 3rd, 21st, 22nd and 23rd"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "monthly on the last day"),
    ("FREQ=MONTHLY;BYMONTHDAY=11,12,13", "monthly on the 11th, 12th and 13th"),
    ("FREQ=WEEKLY;BYDAY=MO,TH", "weekly on Monday and Thursday"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on Friday"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "monthly on the last Friday"),
    ("FREQ=MONTHLY;BYDAY=1MO", "monthly on the first Monday"),
    ("FREQ=MONTHLY;BYDAY=+2TU", "monthly on the second Tuesday"),
    ("FREQ=YEARLY;BYMONTH=3,9", "yearly in March and September"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=14", "yearly on the 14th in February"),
    ("FREQ=WEEKLY;COUNT=4", "every week, 4 times"),
    ("FREQ=WEEKLY;COUNT=1", "every week, once"),
    ("FREQ=MONTHLY;UNTIL=20270630", "every month, until 30 Jun 2027"),
    ("FREQ=MONTHLY;UNTIL=20270630T000000Z", "every month, until 30 Jun 2027"),
    # What words cannot say well is shown as written rather than said wrongly.
    ("FREQ=YEARLY;BYWEEKNO=20", "FREQ=YEARLY;BYWEEKNO=20"),
    ("FREQ=DAILY", "FREQ=DAILY"),
    ("FREQ=WEEKLY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=0"),
    ("FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;BYDAY=XX"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=MONTHLY;BYMONTHDAY=32"),
    ("FREQ=YEARLY;BYMONTH=13", "FREQ=YEARLY;BYMONTH=13"),
    ("nonsense", "nonsense"),
]


@pytest.mark.parametrize(("rule", "words"), DESCRIBED)
def test_a_rule_is_said_in_words(rule, words):
    assert recurrence.describe(rule) == words


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;INTERVAL=2",
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;INTERVAL=3",
        "FREQ=MONTHLY;INTERVAL=6",
        "FREQ=YEARLY",
        "FREQ=YEARLY;INTERVAL=2",
    ],
)
def test_the_words_of_a_simple_rule_read_back_as_the_rule(rule):
    assert recurrence.rule_from_words(recurrence.describe(rule)) == rule


NEVER = "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31"


def test_a_rule_that_never_matches_is_searched_over_its_window_only():
    found = recurrence.expand(NEVER, date(2027, 1, 1), date(2027, 12, 31))
    assert found.days == []
    # Without the bound dateutil examines every week up to the year 9999 (2.9 million days).
    assert found.examined <= 364 + recurrence.MARGIN_DAYS + 1


def test_a_rarely_matching_rule_stops_at_the_window():
    # 29 February falls on a Monday in 2044, then not until 2072.
    found = recurrence.expand(
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", date(2027, 1, 1), date(2045, 12, 31)
    )
    assert found.days == [date(2044, 2, 29)]
    assert found.examined <= (date(2045, 12, 31) - date(2027, 1, 1)).days + 2 * 366 + 1


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE",
        "FREQ=MONTHLY;INTERVAL=6",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=2",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY;BYWEEKNO=1,20;BYDAY=MO",
        "FREQ=YEARLY;BYYEARDAY=1,-1",
        "FREQ=MONTHLY;COUNT=3",
        "FREQ=WEEKLY;UNTIL=20270301",
    ],
)
def test_bounded_expansion_finds_what_dateutil_finds(rule):
    from dateutil.rrule import rrulestr

    start, last = date(2027, 1, 31), date(2031, 12, 31)
    expected = []
    for moment in rrulestr(rule, dtstart=datetime(2027, 1, 31)):
        if moment.date() > last:
            break
        expected.append(moment.date())
    found = recurrence.expand(rule, start, last)
    assert found.days == expected[: recurrence.MAX_OCCURRENCES] and found.days


def test_occurrences_are_capped():
    found = recurrence.expand("FREQ=WEEKLY", date(2027, 1, 1), date(2099, 12, 31))
    assert len(found.days) == recurrence.MAX_OCCURRENCES and not found.complete


def test_an_unreadable_stored_rule_shows_as_a_one_off():
    found = recurrence.expand("FREQ=WEEKLY;BYDAY=XX", date(2027, 1, 1), date(2027, 12, 31))
    assert found.days == [date(2027, 1, 1)]


class DateutilPeriods:
    """Count the periods dateutil's rule iterator visits (a profile hook, no wall time)."""

    def __init__(self) -> None:
        self.visited = 0

    def __enter__(self) -> DateutilPeriods:
        sys.setprofile(self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)

    def _count(self, frame, event, arg) -> None:
        if event == "call" and frame.f_code.co_name in ("wdayset", "mdayset", "ydayset"):
            self.visited += 1


def test_a_stored_rule_that_never_matches_costs_only_its_window(plan):
    activity = Activity(plan=plan, title="Never", start_date=date(2027, 1, 4), recurrence=NEVER)
    db.session.add(activity)
    db.session.flush()
    # Expansions are kept per rule and window: another test in this worker may have kept it.
    services._repeats.cache_clear()
    with DateutilPeriods() as periods:
        assert services.occurrences(activity) == []
    # The plan's year holds 52 weeks; unbounded, dateutil visits 416,000 up to the year 9999.
    assert 0 < periods.visited < 200


_PARTS = st.sampled_from(
    [
        "INTERVAL=1",
        "INTERVAL=2",
        "INTERVAL=5",
        "INTERVAL=400",
        "COUNT=3",
        "UNTIL=20271231",
        "UNTIL=19990101",
        "BYDAY=MO,TH",
        "BYDAY=-1FR",
        "BYDAY=5SU",
        "BYMONTHDAY=31",
        "BYMONTHDAY=-1",
        "BYMONTHDAY=30,31",
        "BYMONTH=2",
        "BYMONTH=2,4,6",
        "BYYEARDAY=366",
        "BYYEARDAY=-1",
        "BYWEEKNO=53",
        "BYSETPOS=-1",
        "BYSETPOS=7",
        "WKST=SU",
        "BYDAY=XX",
        "INTERVAL=0",
        "JUNK",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    freq=st.sampled_from(["WEEKLY", "MONTHLY", "YEARLY", "DAILY", "HOURLY", "NOPE"]),
    parts=st.lists(_PARTS, max_size=4, unique=True),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    days=st.integers(min_value=0, max_value=366 * 10),
)
def test_any_stored_rule_expands_within_its_window_and_bound(freq, parts, start, days):
    rule = ";".join([f"FREQ={freq}", *parts])
    last = start + timedelta(days=days)
    found = recurrence.expand(rule, start, last)
    assert all(start <= day <= last for day in found.days)
    assert found.days == sorted(set(found.days))
    assert len(found.days) <= recurrence.MAX_OCCURRENCES
    assert found.examined <= days + recurrence.MARGIN_DAYS + 1
    assert recurrence.describe(rule)  # some words, or the rule as written


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY;INTERVAL=0;BYMONTH=2",  # dateutil divides by the interval
        "FREQ=WEEKLY;INTERVAL=0",  # dateutil never moves on to the next week
        "FREQ=MONTHLY;INTERVAL=0;BYMONTH=3",
        "FREQ=YEARLY;INTERVAL=0;BYMONTHDAY=31;BYMONTH=2",
    ],
)
def test_stored_rules_dateutil_cannot_iterate_end_within_bounds(rule):
    found = recurrence.expand(rule, date(2027, 1, 1), date(2027, 12, 31))
    assert found.days == sorted(set(found.days))  # each day once, in order
    assert found.examined <= 364 + recurrence.MARGIN_DAYS + 1


def test_gaps_count_activities_reaching_a_stage_and_a_group_together(plan, make_practice, vocab):
    """The matrix counts an activity in every (stage, group) pair it reaches, once per pair
    (a key listed twice counts once); cancelled activities and unknown keys count nowhere."""
    _activity(plan, mobility_stages=["pre-arrival", "upon-arrival"], target_groups=["students"])
    _activity(
        plan,
        mobility_stages=["upon-arrival", "upon-arrival"],
        target_groups=["students", "families", "retired-key"],
    )
    _activity(
        plan, status="cancelled", mobility_stages=["after-leaving"], target_groups=["lecturers"]
    )
    _activity(plan, mobility_stages=["gone-stage"], target_groups=[])
    found = services.gaps(plan, vocab)
    assert found.matrix["upon-arrival"]["students"] == 2
    assert found.matrix["upon-arrival"]["families"] == 1
    assert found.matrix["pre-arrival"]["students"] == 1
    assert found.matrix["pre-arrival"]["families"] == 0
    assert found.matrix["after-leaving"]["lecturers"] == 0
    assert found.stages == {
        key: {"pre-arrival": 1, "upon-arrival": 2}.get(key, 0)
        for key in vocab.keys("mobility_stages")
    }
    assert found.groups["students"] == 2 and found.groups["families"] == 1
    assert found.groups["lecturers"] == 0
    assert found.stage_gaps == [
        k for k in vocab.keys("mobility_stages") if k not in {"pre-arrival", "upon-arrival"}
    ]
    assert "gone-stage" not in found.matrix and "retired-key" not in found.groups
    cells = len(vocab.keys("mobility_stages")) * len(vocab.keys("target_groups"))
    assert found.open_cells == cells - 3
    # Every pair is either open or reached: the matrix sums what it holds.
    assert sum(1 for row in found.matrix.values() for n in row.values() if n) == 3


def test_gaps_count_the_plan_goals_served_by_its_adopted_practices(plan, make_practice, vocab):
    plan.goals = ["visibility", "improved-skills"]
    serving = make_practice(slug="serving-visibility", goals=["visibility", "better-communication"])
    services.adopt_practice(plan, serving, ["setup", "delivery"], vocab)
    cancelled = make_practice(slug="skills-cancelled", goals=["improved-skills"])
    (setup,) = services.adopt_practice(plan, cancelled, ["setup"], vocab)
    setup.status = "cancelled"
    _activity(plan)  # an activity of the planner's own serves no goal
    db.session.flush()
    found = services.gaps(plan, vocab)
    # Only the plan's own goals, in the vocabulary's order.
    assert found.goals == {"improved-skills": 0, "visibility": 2}
    assert found.goal_gaps == ["improved-skills"]


def test_a_plan_without_goals_has_no_goal_gaps(plan, vocab):
    found = services.gaps(plan, vocab)
    assert found.goals == {} and found.goal_gaps == []
    assert found.open_cells == len(vocab.keys("mobility_stages")) * len(vocab.keys("target_groups"))
