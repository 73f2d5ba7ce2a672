"""Progress arithmetic: combining values, achievement, the expected path and the status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.indicators.progress import (
    PeriodSpec,
    Value,
    achievement,
    combine,
    expected_share,
    overall,
    period_percent,
    progress,
)

Q = [
    PeriodSpec("2027-Q1", "Q1 2027", date(2027, 3, 31), D(25)),
    PeriodSpec("2027-Q2", "Q2 2027", date(2027, 6, 30), D(25)),
    PeriodSpec("2027-Q3", "Q3 2027", date(2027, 9, 30), D(25)),
    PeriodSpec("2027-Q4", "Q4 2027", date(2027, 12, 31), D(25)),
]
# The same quarters without targets of their own: the straight path judges them.
UNTARGETED = [PeriodSpec(p.key, p.label, p.end) for p in Q]


def values(**by_key: int) -> dict[str, Value]:
    ends = {p.key: p.end for p in Q}
    return {
        key.replace("_", "-"): Value(ends[key.replace("_", "-")], D(v)) for key, v in by_key.items()
    }


def run(
    aggregation="sum", baseline=None, target=D(100), today=date(2027, 7, 1), periods=Q, **by_key
):
    return progress(
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=None,
        target=target,
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        today=today,
        values=values(**by_key),
        periods=periods,
    )


def test_sum_latest_and_average_combine_differently():
    recorded = [Value(date(2027, 3, 31), D(10)), Value(date(2027, 6, 30), D(30))]
    assert combine(recorded, "sum") == D(40)
    assert combine(recorded, "latest") == D(30)
    assert combine(recorded, "average") == D(20)
    assert combine([], "sum") is None


def test_latest_is_by_period_not_by_order_of_entry():
    recorded = [Value(date(2027, 6, 30), D(30)), Value(date(2027, 3, 31), D(10))]
    assert combine(recorded, "latest") == D(30)


def test_achievement_from_baseline_towards_target():
    assert achievement(D(60), D(100), D(20)) == D(50)
    assert achievement(D(20), D(100), None) == D(20)
    assert achievement(D(120), D(100), None) == D(120)


def test_lower_is_better_reads_the_same_way():
    # Complaints from 10 down to 5: at 7 the way is 60 % done; at 12 it went backwards.
    assert achievement(D(7), D(5), D(10)) == D(60)
    assert achievement(D(12), D(5), D(10)) == D(-40)


def test_no_way_to_go_has_no_achievement():
    assert achievement(D(5), D(5), D(5)) is None


def test_expected_share_is_a_straight_path():
    start, end = date(2027, 1, 1), date(2027, 12, 31)
    assert expected_share(date(2026, 12, 1), start, end) == 0
    assert expected_share(date(2028, 1, 1), start, end) == 1
    assert expected_share(date(2027, 7, 2), start, end) == D(182) / D(364)


def judge(
    actual, *, due=(), aggregation="sum", baseline=None, target=D(100), today=date(2027, 7, 2)
):
    return overall(
        actual=None if actual is None else D(actual),
        missing=0,
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=None,
        target=target,
        due_targets=[D(t) for t in due],
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        today=today,
    )


@pytest.mark.parametrize(
    ("actual", "result"),
    [
        (50, "on_track"),
        (45, "on_track"),
        (44, "at_risk"),
        (30, "at_risk"),
        (29, "off_track"),
        (-10, "off_track"),
        (100, "on_track"),
    ],
)
def test_status_thresholds_on_a_straight_path_halfway(actual, result):
    # On 2 July 2027 a straight path to 100 expects half the way (182 of 364 days).
    assert judge(actual).status == result


def test_nothing_expected_yet_is_on_track_unless_it_went_backwards():
    # On the plan's first day the path expects nothing yet.
    assert judge(0, today=date(2027, 1, 1)).status == "on_track"
    assert judge(-1, today=date(2027, 1, 1)).status == "off_track"


@pytest.mark.parametrize("actual", [None, 0, 58, 100])
@pytest.mark.parametrize("aggregation", ["sum", "latest", "average"])
def test_a_plan_that_has_not_started_is_not_started_whatever_its_values(actual, aggregation):
    result = judge(actual, aggregation=aggregation, today=date(2026, 11, 30))
    assert result.status == "not_started"
    assert result.expected_percent == 0
    assert judge(actual, target=None, today=date(2026, 12, 31)).status == "not_started"


def test_status_without_values_or_target():
    assert judge(None).status == "no_data"
    assert judge(10, target=None).status == "no_target"
    # Without a target there is no way to be along: nothing is "expected by now".
    assert judge(10, target=None).expected_percent is None


def test_period_targets_set_the_expected_value_of_a_sum():
    # 40 per event, three events held: 120 expected; 115 is 96 % of that.
    result = judge(115, due=[40, 40, 40], target=D(160))
    assert result.status == "on_track"
    assert judge(70, due=[40, 40, 40], target=D(160)).status == "off_track"


def test_an_average_is_judged_against_the_average_of_its_period_targets():
    result = judge(
        "3.87", due=["3.5", "3.8", "4.2"], aggregation="average", baseline=D(3), target=D("4.5")
    )
    assert result.status == "on_track"


def test_an_average_on_the_straight_path_stands_halfway_along_it():
    # Values that follow the path from 3 to 5 average 3.5 by mid-year, not 4.
    result = judge("3.5", aggregation="average", baseline=D(3), target=D(5))
    assert result.status == "on_track"
    assert result.expected_percent == pytest.approx(D(25), abs=1)


def test_latest_is_judged_against_the_last_due_period_target():
    assert judge(70, due=[60, 80], aggregation="latest", baseline=D(50)).status == "at_risk"
    assert judge(80, due=[60, 80], aggregation="latest", baseline=D(50)).status == "on_track"


def test_a_period_is_compared_with_its_own_target():
    assert period_percent(D(10), D(9), "higher") == pytest.approx(D("111.11"), abs=D("0.01"))
    assert period_percent(D(6), D(11), "higher") == pytest.approx(D("54.55"), abs=D("0.01"))
    # Lower is better: 4 complaints against a target of 5 beats it.
    assert period_percent(D(4), D(5), "lower") == D(125)


def test_sum_halfway_through_the_year_on_track():
    result = run(**{"2027_Q1": 25, "2027_Q2": 24})
    assert result.actual == D(49) and result.percent == D(49)
    assert result.status == "on_track"
    assert result.missing == 0 and result.missing_keys == []
    assert [p.percent for p in result.periods[:2]] == [D(100), D(96)]


def test_missing_periods_are_listed_and_count_as_nothing_in_a_sum():
    result = run(**{"2027_Q1": 25})
    assert result.missing_keys == ["2027-Q2"] and result.missing == 1
    assert result.actual == D(25) and result.status == "off_track"


def test_latest_uses_the_last_period_and_the_change_against_the_baseline():
    result = run(
        periods=UNTARGETED,
        aggregation="latest",
        baseline=D(60),
        target=D(80),
        **{"2027_Q1": 65, "2027_Q2": 70},
    )
    assert result.actual == D(70)
    assert result.change == D(10)
    assert result.percent == D(50)
    assert result.status == "on_track"


def test_average_of_a_satisfaction_score():
    result = run(
        periods=UNTARGETED,
        aggregation="average",
        baseline=D(3),
        target=D(4),
        **{"2027_Q1": 3, "2027_Q2": 4},
    )
    assert result.actual == D("3.5") and result.percent == D(50)


def test_lower_is_better_off_track_when_moving_away():
    result = run(
        periods=UNTARGETED,
        aggregation="latest",
        baseline=D(10),
        target=D(5),
        **{"2027_Q1": 9, "2027_Q2": 11},
    )
    assert result.percent == D(-20) and result.status == "off_track"


def test_no_values_yet():
    result = run()
    assert result.actual is None and result.percent is None and result.status == "no_data"
    assert result.missing_keys == ["2027-Q1", "2027-Q2"]


@given(
    baseline=st.integers(-1000, 1000),
    target=st.integers(-1000, 1000),
    actual=st.integers(-1000, 1000),
)
def test_reaching_the_target_is_exactly_100_percent_whichever_the_direction(
    baseline, target, actual
):
    if target == baseline:
        assert achievement(D(actual), D(target), D(baseline)) is None
        return
    assert achievement(D(target), D(target), D(baseline)) == 100
    assert achievement(D(baseline), D(target), D(baseline)) == 0
    # Moving towards the target never lowers the achievement.
    step = 1 if target > baseline else -1
    assert achievement(D(actual + step), D(target), D(baseline)) > achievement(
        D(actual), D(target), D(baseline)
    )


def stepped(actual, today, ends, aggregation="sum", target=D(60), baseline=None):
    """Judge an indicator of an activity held on the given days (its occurrences' last days)."""
    return overall(
        actual=None if actual is None else D(actual),
        missing=0,
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=None,
        target=target,
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        today=today,
        occurrence_ends=ends,
    )


ONE_OFF = [date(2027, 3, 10)]


def test_before_a_one_off_event_nothing_is_expected():
    # A straight path would expect 11 participants by 1 March: the event has not happened.
    assert stepped(None, date(2027, 3, 1), ONE_OFF).expected_percent == 0
    assert stepped(0, date(2027, 3, 1), ONE_OFF).status == "on_track"


@pytest.mark.parametrize("aggregation", ["sum", "latest", "average"])
def test_after_a_one_off_event_its_whole_target_is_expected(aggregation):
    # On 15 April the straight path expects 17 of 60, so 30 looked on track; the event is
    # over, so all 60 are expected and 30 is half of it.
    after = date(2027, 4, 15)
    assert stepped(30, after, ONE_OFF, aggregation).expected_percent == 100
    assert stepped(30, after, ONE_OFF, aggregation).status == "off_track"
    assert stepped(58, after, ONE_OFF, aggregation).status == "on_track"
    assert stepped(45, after, ONE_OFF, aggregation).status == "at_risk"


def test_the_event_counts_from_its_last_day():
    two_days = [date(2027, 3, 11)]
    assert stepped(None, date(2027, 3, 10), two_days).expected_percent == 0
    assert stepped(None, date(2027, 3, 11), two_days).expected_percent == 100


FOUR = [date(2027, 2, 1), date(2027, 5, 1), date(2027, 8, 1), date(2027, 11, 1)]


@pytest.mark.parametrize(
    ("aggregation", "today", "expected"),
    [
        # A total or a latest level: k of n occurrences held, k/n of the way.
        ("sum", date(2027, 1, 31), D(0)),
        ("sum", date(2027, 2, 1), D(25)),
        ("sum", date(2027, 7, 31), D(50)),
        ("sum", date(2027, 8, 1), D(75)),
        ("sum", date(2028, 1, 1), D(100)),
        ("latest", date(2027, 5, 2), D(50)),
        # An average of the values so far, each at its own step: (k+1)/2n of the way.
        ("average", date(2027, 2, 1), D("25")),
        ("average", date(2027, 5, 1), D("37.5")),
        ("average", date(2027, 11, 1), D("62.5")),
    ],
)
def test_several_occurrences_step_the_expected_path(aggregation, today, expected):
    result = stepped(None, today, FOUR, aggregation, target=D(100))
    assert result.expected_percent == expected


def test_a_stepped_path_starts_from_the_baseline_for_a_level():
    # A level from 40 to 80, half the occurrences held: 60 expected; 58 is on track.
    assert stepped(58, date(2027, 6, 1), FOUR, "latest", target=D(80), baseline=D(40)).status == (
        "on_track"
    )
    assert stepped(50, date(2027, 6, 1), FOUR, "latest", target=D(80), baseline=D(40)).status == (
        "off_track"
    )
