"""Reporting periods tile the plan's days without gaps or overlaps, and keys read back."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.indicators.periods import WINDOWS, parse_key, period_of, periods


def test_quarters_of_a_year():
    found = periods("quarterly", date(2027, 1, 1), date(2027, 12, 31))
    assert [p.key for p in found] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert found[0].end == date(2027, 3, 31) and found[3].start == date(2027, 10, 1)
    assert found[0].label == "Q1 2027"


def test_terms_are_spring_and_autumn_half_years():
    spring, autumn = periods("term", date(2026, 9, 1), date(2027, 8, 31))[1:3]
    assert (spring.key, spring.start, spring.end) == (
        "2027-T1",
        date(2027, 1, 1),
        date(2027, 6, 30),
    )
    assert (autumn.key, autumn.label) == ("2027-T2", "Autumn term 2027")


def test_months_handle_leap_february():
    february = period_of("monthly", date(2028, 2, 10))
    assert (february.key, february.end) == ("2028-02", date(2028, 2, 29))


def test_a_period_that_starts_mid_quarter_still_reports_the_whole_quarter():
    found = periods("quarterly", date(2027, 2, 15), date(2027, 4, 1))
    assert [p.key for p in found] == ["2027-Q1", "2027-Q2"]


@pytest.mark.parametrize(
    ("frequency", "key", "start"),
    [
        ("monthly", "2027-11", date(2027, 11, 1)),
        ("quarterly", "2027-Q3", date(2027, 7, 1)),
        ("term", "2027-T2", date(2027, 7, 1)),
        ("yearly", "2027", date(2027, 1, 1)),
        ("occurrence", "2027-03-05", date(2027, 3, 5)),
    ],
)
def test_keys_read_back(frequency, key, start):
    assert parse_key(frequency, key).start == start


@pytest.mark.parametrize(
    ("frequency", "key"), [("quarterly", "2027-Q5"), ("monthly", "2027-13"), ("term", "2027-T3")]
)
def test_a_key_of_the_wrong_kind_says_what_is_expected(frequency, key):
    with pytest.raises(ValueError, match=r"is not a (month|quarter|term) like"):
        parse_key(frequency, key)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(frequency=st.sampled_from(WINDOWS), start=days, length=st.integers(0, 2000))
def test_periods_tile_the_days_in_order(frequency, start, length):
    end = start + timedelta(days=length)
    found = periods(frequency, start, end)
    assert found[0].contains(start) and found[-1].contains(end)
    for before, after in pairwise(found):
        assert after.start == before.end + timedelta(days=1)
        assert before.key < after.key
    for period in found:
        assert parse_key(frequency, period.key) == period
