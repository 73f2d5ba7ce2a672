"""Reporting periods: the months, quarters, terms and years a plan's period spans.

A period has a key that sorts in time order within its kind ("2027-03", "2027-Q1",
"2027-T1", "2027"), the dates it covers and a label for people. Terms follow the academic
half-years: spring (January to June, T1) and autumn (July to December, T2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask_babel import gettext as _

from app.core.i18n import current_locale
from app.indicators.models import Frequency

# Kinds of window a manager approves: the calendar periods, without occurrences.
WINDOWS = tuple(f.value for f in Frequency if f is not Frequency.OCCURRENCE)
# Outside a request (the command line, pure tests) periods are named in English.
ENGLISH = Locale.parse("en_GB")


def _locale() -> Locale:
    return current_locale() or ENGLISH


def month_name(year: int, month: int) -> str:
    """Name a month as the reader's language does: "Mar 2027", "maaliskuu 2027", "mars 2027"."""
    locale = _locale()
    # Finnish abbreviations ("maalis") read as cut words; its month names are short enough.
    pattern = "LLLL y" if locale.language == "fi" else "LLL y"
    return format_date(date(year, month, 1), pattern, locale=locale)


def day_name(day: date) -> str:
    """Write a day of an occurrence as the reader's language does ("1 Mar 2027", "1.3.2027")."""
    return format_date(day, "medium", locale=_locale())


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its key, first and last day, and label."""

    start: date
    end: date
    key: str
    label: str

    def contains(self, day: date) -> bool:
        """Tell whether a day falls within the period."""
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    # December directly: the day after it in year 9999 does not exist.
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def period_of(frequency: str, day: date) -> Period:
    """Return the calendar period of a kind that contains a day."""
    year, month = day.year, day.month
    if frequency == "monthly":
        return Period(
            date(year, month, 1),
            _month_end(year, month),
            f"{year}-{month:02d}",
            month_name(year, month),
        )
    if frequency == "quarterly":
        quarter = (month - 1) // 3 + 1
        first = 3 * quarter - 2
        return Period(
            date(year, first, 1),
            _month_end(year, first + 2),
            f"{year}-Q{quarter}",
            _("Q%(quarter)d %(year)d", quarter=quarter, year=year),
        )
    if frequency == "term":
        term = 1 if month <= 6 else 2
        first = 1 if term == 1 else 7
        return Period(
            date(year, first, 1),
            _month_end(year, first + 5),
            f"{year}-T{term}",
            _("Spring term %(year)d", year=year)
            if term == 1
            else _("Autumn term %(year)d", year=year),
        )
    if frequency == "yearly":
        return Period(date(year, 1, 1), date(year, 12, 31), str(year), str(year))
    raise TypeError(f"no calendar period for frequency {frequency!r}")


# A page never lists more periods than this, whatever a stored plan's period: 50 years of
# months. Plans are bounded at input far below it; this keeps a plan stored before those
# bounds (ending in 9999, say) from costing a page minutes and megabytes.
MAX_PERIODS = 600


def periods(frequency: str, start: date, end: date) -> list[Period]:
    """List the calendar periods of a kind that overlap the days from start to end.

    At most MAX_PERIODS, the first ones: a longer span is cut short rather than listed.
    Pages judge many indicators of one plan, each over the same span: the list is made once
    per span and language (naming a month through Babel is most of the cost) and copied.
    """
    return list(_periods(frequency, start, end, str(_locale())))


@lru_cache(maxsize=512)
def _periods(frequency: str, start: date, end: date, language: str) -> tuple[Period, ...]:
    """List the periods of a span named in a language (the request's, which names them)."""
    if end < start:
        return ()
    found: list[Period] = []
    day = start
    while day <= end and len(found) < MAX_PERIODS:
        period = period_of(frequency, day)
        found.append(period)
        if period.end == date.max:
            break
        day = period.end + timedelta(days=1)
    return tuple(found)


def occurrence_period(start: date, end: date) -> Period:
    """Return the period of one occurrence of an activity, keyed by its first day."""
    label = day_name(start) if start == end else f"{day_name(start)} – {day_name(end)}"
    return Period(start, end, start.isoformat(), label)


KEY_PATTERNS = {
    "monthly": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    "quarterly": re.compile(r"^(\d{4})-Q([1-4])$"),
    "term": re.compile(r"^(\d{4})-T([12])$"),
    "yearly": re.compile(r"^(\d{4})$"),
    "occurrence": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
}


def parse_key(frequency: str, key: str) -> Period:
    """Return the calendar period a key names; ValueError if it is not one of that kind."""
    match = KEY_PATTERNS[frequency].match(key.strip())
    if match is None:
        problems = {
            "monthly": _("%(key)r is not a month like 2027-03"),
            "quarterly": _("%(key)r is not a quarter like 2027-Q1"),
            "term": _("%(key)r is not a term like 2027-T1 (spring) or 2027-T2 (autumn)"),
            "yearly": _("%(key)r is not a year like 2027"),
            "occurrence": _("%(key)r is not a day like 2027-03-01"),
        }
        raise ValueError(problems[frequency] % {"key": key})
    year = int(match.group(1))
    if frequency == "occurrence":
        day = date.fromisoformat(key.strip())
        return occurrence_period(day, day)
    if frequency == "monthly":
        return period_of(frequency, date(year, int(match.group(2)), 1))
    if frequency == "quarterly":
        return period_of(frequency, date(year, 3 * int(match.group(2)) - 2, 1))
    if frequency == "term":
        return period_of(frequency, date(year, 1 if match.group(2) == "1" else 7, 1))
    return period_of(frequency, date(year, 1, 1))


def parse_window(key: str) -> Period:
    """Return the month, quarter, term or year a key names; ValueError if none."""
    for frequency in WINDOWS:
        if KEY_PATTERNS[frequency].match(key.strip()):
            return parse_key(frequency, key)
    raise ValueError(
        _("%(key)r is not a month (2027-03), quarter (2027-Q1), term or year", key=key)
    )


def windows_of(start: date, end: date) -> list[Period]:
    """List the quarters and years a plan's period spans, for choosing what to report on."""
    return [*periods("quarterly", start, end), *periods("yearly", start, end)]
