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
    progress,
    status,
)

Q = [
    PeriodSpec("2027-Q1", "Q1 2027", date(2027, 3, 31), D(25)),
    PeriodSpec("2027-Q2", "Q2 2027", date(2027, 6, 30), D(25)),
    PeriodSpec("2027-Q3", "Q3 2027", date(2027, 9, 30), D(25)),
    PeriodSpec("2027-Q4", "Q4 2027", date(2027, 12, 31), D(25)),
]


def values(**by_key: int) -> dict[str, Value]:
    ends = {p.key: p.end for p in Q}
    return {
        key.replace("_", "-"): Value(ends[key.replace("_", "-")], D(v)) for key, v in by_key.items()
    }


def run(aggregation="sum", baseline=None, target=D(100), today=date(2027, 7, 1), **by_key):
    return progress(
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=None,
        target=target,
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        today=today,
        values=values(**by_key),
        periods=Q,
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


@pytest.mark.parametrize(
    ("achieved", "expected", "result"),
    [
        (D(50), D("0.5"), "on_track"),
        (D(45), D("0.5"), "on_track"),
        (D(44), D("0.5"), "at_risk"),
        (D(30), D("0.5"), "at_risk"),
        (D(29), D("0.5"), "off_track"),
        (D(-10), D("0.5"), "off_track"),
        (D(100), D(1), "on_track"),
        (D(0), D(0), "on_track"),
    ],
)
def test_status_thresholds(achieved, expected, result):
    assert status(achieved, expected, has_values=True, has_target=True) == result


def test_status_without_values_or_target():
    assert status(None, D("0.5"), has_values=False, has_target=True) == "no_data"
    assert status(D(10), D("0.5"), has_values=True, has_target=False) == "no_target"


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
        aggregation="latest", baseline=D(60), target=D(80), **{"2027_Q1": 65, "2027_Q2": 70}
    )
    assert result.actual == D(70)
    assert result.change == D(10)
    assert result.percent == D(50)
    assert result.status == "on_track"


def test_average_of_a_satisfaction_score():
    result = run(aggregation="average", baseline=D(3), target=D(4), **{"2027_Q1": 3, "2027_Q2": 4})
    assert result.actual == D("3.5") and result.percent == D(50)


def test_lower_is_better_off_track_when_moving_away():
    result = run(aggregation="latest", baseline=D(10), target=D(5), **{"2027_Q1": 9, "2027_Q2": 11})
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
