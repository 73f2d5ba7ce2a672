"""Property tests of the planner's input rules: any number, date, period or RRULE is either
accepted within its bounds or refused with a ValidationError, with bounded work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.validation import FIRST_DAY, LAST_DAY, problems_by_field
from app.planner.recurrence import (
    MARGIN_DAYS,
    NotWords,
    expand,
    first_occurrence,
    rule_from_words,
)
from app.planner.schemas import MAX_PLAN_YEARS, ActivityCreate, PlanCreate
from app.planner.services import RecurrenceError, check_recurrence

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PERIOD = (date(2027, 1, 1), date(2027, 12, 31))
ANY_DATE = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
NEAR_DATE = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))


def _refused_in_words(error: ValidationError) -> None:
    problems = problems_by_field(error)
    assert problems and all(isinstance(m, str) and m for m in problems.values())


NUMBER = (
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers()
    | st.text(max_size=30)
    | st.sampled_from(["NaN", "sNaN", "-Infinity", "1e400", "1E+20", "0.001", "9999999999.99"])
)


@SETTINGS
@given(budget=NUMBER, effort=NUMBER)
def test_any_number_is_a_bounded_finite_amount_or_refused(budget, effort):
    data = {"title": "A", "budget_planned": budget, "effort_actual": effort}
    try:
        checked = ActivityCreate.model_validate(data)
    except ValidationError as error:
        _refused_in_words(error)
        return
    assert checked.budget_planned.is_finite()
    assert Decimal(0) <= checked.budget_planned <= Decimal("9999999999.99")
    assert checked.effort_actual is not None and checked.effort_actual.is_finite()
    assert Decimal(0) <= checked.effort_actual <= Decimal("9999999.9")


@SETTINGS
@given(start=ANY_DATE, end=ANY_DATE)
def test_any_plan_period_is_bounded_or_refused(start, end):
    data = {"institution": "uni-a", "title": "P", "period_start": start, "period_end": end}
    try:
        checked = PlanCreate.model_validate(data)
    except ValidationError as error:
        _refused_in_words(error)
        return
    assert FIRST_DAY <= checked.period_start <= checked.period_end <= LAST_DAY
    assert (checked.period_end - checked.period_start).days < 366 * MAX_PLAN_YEARS


@SETTINGS
@given(start=ANY_DATE | NEAR_DATE, end=ANY_DATE | NEAR_DATE | st.none())
def test_any_activity_dates_lie_near_the_plan_or_are_refused(start, end):
    data = {"title": "A", "start_date": start, "end_date": end}
    try:
        checked = ActivityCreate.model_validate(data, context={"period": PERIOD})
    except ValidationError as error:
        _refused_in_words(error)
        return
    assert date(2025, 12, 31) <= checked.start_date <= date(2028, 12, 31)
    assert checked.end_date is None or checked.start_date <= checked.end_date


RULE_PART = st.one_of(
    st.sampled_from(["WEEKLY", "MONTHLY", "YEARLY", "DAILY", "HOURLY", "SECONDLY", "x"]).map(
        lambda v: f"FREQ={v}"
    ),
    st.integers(-2, 10**6).map(lambda n: f"INTERVAL={n}"),
    st.integers(-2, 10**25).map(lambda n: f"COUNT={n}"),
    st.dates(min_value=date(1, 1, 1)).map(lambda d: f"UNTIL={d:%Y%m%d}"),
    st.lists(st.integers(-14, 14), min_size=1, max_size=3).map(
        lambda v: "BYMONTH=" + ",".join(map(str, v))
    ),
    st.lists(st.integers(-33, 33), min_size=1, max_size=3).map(
        lambda v: "BYMONTHDAY=" + ",".join(map(str, v))
    ),
    st.lists(st.sampled_from(["MO", "TU", "1MO", "-1FR", "5SU", "53MO", "XX"]), min_size=1).map(
        lambda v: "BYDAY=" + ",".join(v)
    ),
    st.lists(st.integers(-400, 400), min_size=1, max_size=2).map(
        lambda v: "BYYEARDAY=" + ",".join(map(str, v))
    ),
    st.lists(st.integers(-54, 54), min_size=1, max_size=2).map(
        lambda v: "BYWEEKNO=" + ",".join(map(str, v))
    ),
    st.integers(-5, 5).map(lambda n: f"BYSETPOS={n}"),
    st.text(max_size=15),
)
RULE = st.lists(RULE_PART, min_size=1, max_size=5).map(";".join) | st.text(max_size=60)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=RULE, start=NEAR_DATE)
def test_any_rule_occurs_before_the_plan_ends_or_is_refused_with_bounded_work(rule, start):
    data = {"title": "A", "start_date": start, "recurrence": rule}
    try:
        checked = ActivityCreate.model_validate(data, context={"period": PERIOD})
    except ValidationError as error:
        _refused_in_words(error)
        return
    if checked.recurrence:
        last = max(PERIOD[1], start)
        first = first_occurrence(checked.recurrence, start, last)
        assert first is not None and start <= first <= last
        # The work is counted, not timed (a loaded CI machine makes any wall-clock bound
        # flaky): the search that found the first day examined no more than its window.
        found = expand(checked.recurrence, start, last, limit=1)
        assert found.examined <= (last - start).days + MARGIN_DAYS + 1


@SETTINGS
@given(
    words=st.text(max_size=40) | st.sampled_from(["Twice a year", "EVERY 3 MONTHS", "fortnightly"])
)
def test_any_words_give_a_readable_rule_or_are_not_words(words):
    try:
        rule = rule_from_words(words)
    except NotWords:
        return
    if rule is not None:
        try:
            assert check_recurrence(rule) == rule
        except RecurrenceError as error:  # "every 999 weeks" reads, but is no rule we keep
            assert "INTERVAL" in str(error) or "rule" in str(error)


def test_a_stored_rule_dateutil_fails_on_while_iterating_expands_without_error():
    from app.planner.recurrence import MAX_OCCURRENCES, expand

    for rule in ("FREQ=MONTHLY;BYDAY=53MO", "FREQ=YEARLY;BYDAY=99MO"):
        found = expand(rule, date(2027, 1, 1), date(2027, 12, 31))
        assert len(found.days) <= MAX_OCCURRENCES
        assert all(date(2027, 1, 1) <= day <= date(2027, 12, 31) for day in found.days)
