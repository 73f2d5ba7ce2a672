"""Recurrence rules in people's words: "twice a year" to an RRULE, and whether a rule ever occurs.

Bottom of the planner: it imports nothing of the app, so schemas, imports and exports all use it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

_COUNTS = {"once": 1, "twice": 2, "three times": 3, "four times": 4, "six times": 6}
_UNITS = {"week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "other": 2}
_WORDS = {
    "once": None,
    "one-off": None,
    "never": None,
    "weekly": "FREQ=WEEKLY",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "half-yearly": "FREQ=MONTHLY;INTERVAL=6",
    "semi-annually": "FREQ=MONTHLY;INTERVAL=6",
    "yearly": "FREQ=YEARLY",
    "annually": "FREQ=YEARLY",
    "every quarter": "FREQ=MONTHLY;INTERVAL=3",
}
_EVERY = re.compile(r"^every\s+(?:(\d{1,3}|two|three|four|five|six|other)\s+)?(week|month|year)s?$")
_TIMES = re.compile(
    r"^(once|twice|three times|four times|six times)\s+(?:a|per|each)\s+(month|year)$"
)


class NotWords(ValueError):
    """The text is not a recurrence in words (it may still be an RRULE)."""


def rule_from_words(text: str) -> str | None:
    """Return the RRULE for words such as "twice a year", "monthly" or "every 2 weeks".

    Case and surrounding spaces do not matter; None means once. Raise NotWords for text that
    is not such words, so that the caller can read it as an RRULE instead.
    """
    words = " ".join(text.lower().replace("_", " ").split())
    if words in _WORDS:
        return _WORDS[words]
    every = _EVERY.match(words)
    if every:
        number, unit = every.groups()
        interval = int(number) if number and number.isdigit() else _NUMBERS.get(number or "", 1)
        if interval < 1:
            raise NotWords(text)
        rule = f"FREQ={_UNITS[unit]}"
        return rule if interval == 1 else f"{rule};INTERVAL={interval}"
    times = _TIMES.match(words)
    if times:
        count, unit = _COUNTS[times.group(1)], times.group(2)
        months = 12 if unit == "year" else 1
        if unit == "month" and count == 1:
            return "FREQ=MONTHLY"
        if unit == "year" and 12 % count == 0:
            interval = months // count
            return "FREQ=YEARLY" if interval == 12 else f"FREQ=MONTHLY;INTERVAL={interval}"
    raise NotWords(text)


# The Gregorian calendar repeats itself every 400 years to the weekday (146,097 days are
# 20,871 weeks), so a rule occurs in a window exactly when it occurs in the same window moved
# by a multiple of 400 years.
_CYCLE_YEARS = 400
_LAST_YEAR = 9999


def first_occurrence(rule: str, start: date, last: date) -> date | None:
    """Return the first day of a readable rule from `start` to `last`, or None if it has none.

    dateutil looks for the next occurrence of a rule that never matches (FREQ=WEEKLY;BYMONTH=2;
    BYMONTHDAY=31) until the year 9999, about a second of work, so the window is moved by whole
    400-year cycles close to that year first: the search then ends within 400 years of periods.
    """
    parts = [part for part in rule.upper().split(";") if part]
    until = [part for part in parts if part.startswith("UNTIL=")]
    if until:
        # The rule's own last day moves with the window: it becomes the window's end.
        digits = until[0].removeprefix("UNTIL=")[:8]
        try:
            last = min(last, date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])))
        except ValueError:
            return None
        parts = [part for part in parts if not part.startswith("UNTIL=")]
    if last < start:
        return None
    cycles = max(0, (_LAST_YEAR - last.year - 1) // _CYCLE_YEARS)
    shift = relativedelta(years=_CYCLE_YEARS * cycles)
    moved = rrulestr(";".join(parts), dtstart=datetime.combine(start + shift, datetime.min.time()))
    for moment in moved:
        day = moment.date() - shift
        return day if day <= last else None
    return None
