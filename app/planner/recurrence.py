"""Recurrence rules in people's words: "twice a year" to an RRULE, and whether a rule ever occurs.

Bottom of the planner: it imports nothing of the planner, so schemas, imports and exports all
use it. Its words are in the request's language (or the one forced for a calendar feed).

`describe()` is the one wording of a rule that pages and exports show ("every 6 months",
"weekly on Monday and Thursday", "monthly on the 15th", "every year"): `rule_from_words()`
should read back what `describe()` writes, so that an export imports again.

`expand()` lists a rule's days up to a last day, and never works longer than the window asks:
python-dateutil stops only when a date matches, so a rule that never matches
(`FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31`) would be searched up to the year 9999 (a second per
activity on every render). There every day dateutil examines is counted, and the search ends
once it has examined as many days as the window holds (plus a period on either side).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from dateutil.rrule import rrule, rrulestr
from flask import g, has_app_context
from flask_babel import force_locale, ngettext, pgettext
from flask_babel import gettext as _

from app.core.i18n import DEFAULT_LANGUAGE, LOCALES, current_locale

log = logging.getLogger(__name__)

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
    # Not English: perhaps the words describe() writes in Finnish or Swedish (an export).
    return _translated_rule(" ".join(text.split()).casefold())


def first_occurrence(rule: str, start: date, last: date) -> date | None:
    """Return the first day of a readable rule from `start` to `last`, or None if it has none.

    The search is expand()'s, bounded by the days of the window: a rule that never matches
    (FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31), which dateutil alone would chase to the year 9999,
    costs a few milliseconds.
    """
    if last < start:
        return None
    found = expand(rule, start, last, limit=1)
    return found.days[0] if found.days and found.days[0] <= last else None


# A recurring activity never yields more occurrences than this, whatever its rule says.
MAX_OCCURRENCES = 366
# However long a window, no expansion examines more days than this (planning dates span a
# century at most, and 366 occurrences of the rarest allowed rule fit well within it).
MAX_EXAMINED_DAYS = 366 * 100
# A period of the rule (a year at most) may be examined on either side of the window.
MARGIN_DAYS = 2 * 366

UNITS = {"WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
# Parts of a rule that describe() puts into words; a rule with others is shown as written.
WORDED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _parts(rule: str) -> dict[str, str] | None:
    """Split a rule into its parts, or None if it is not NAME=VALUE;… ."""
    parts: dict[str, str] = {}
    for part in rule.strip().upper().removeprefix("RRULE:").split(";"):
        name, separator, value = part.partition("=")
        if not separator or not name or not value or name in parts:
            return None
        parts[name] = value
    return parts


def _locale() -> Locale:
    """Return the locale rules are described in: the request's (or forced one's), else English."""
    return current_locale() or Locale.parse(LOCALES[DEFAULT_LANGUAGE])


def _frequency(freq: str, interval: int, qualified: bool) -> str:
    """Say how often: "every month", "monthly" (before a qualifier), "every 6 months"."""
    if interval == 1 and not qualified:
        return {"WEEKLY": _("every week"), "MONTHLY": _("every month"), "YEARLY": _("every year")}[
            freq
        ]
    if interval == 1:
        return {"WEEKLY": _("weekly"), "MONTHLY": _("monthly"), "YEARLY": _("yearly")}[freq]
    if freq == "WEEKLY":
        return ngettext("every %(num)d week", "every %(num)d weeks", interval)
    if freq == "MONTHLY":
        return ngettext("every %(num)d month", "every %(num)d months", interval)
    return ngettext("every %(num)d year", "every %(num)d years", interval)


def _weekday(code: str, positioned: bool) -> str:
    """Name a weekday as it stands alone after "on" ("on Monday") or after a position
    ("the last Friday"): Finnish and Swedish inflect the two differently."""
    if positioned:
        return {
            "MO": pgettext("after a position, as in the first Monday", "Monday"),
            "TU": pgettext("after a position, as in the first Monday", "Tuesday"),
            "WE": pgettext("after a position, as in the first Monday", "Wednesday"),
            "TH": pgettext("after a position, as in the first Monday", "Thursday"),
            "FR": pgettext("after a position, as in the first Monday", "Friday"),
            "SA": pgettext("after a position, as in the first Monday", "Saturday"),
            "SU": pgettext("after a position, as in the first Monday", "Sunday"),
        }[code]
    return {
        "MO": pgettext("every week, as in weekly on Monday", "Monday"),
        "TU": pgettext("every week, as in weekly on Monday", "Tuesday"),
        "WE": pgettext("every week, as in weekly on Monday", "Wednesday"),
        "TH": pgettext("every week, as in weekly on Monday", "Thursday"),
        "FR": pgettext("every week, as in weekly on Monday", "Friday"),
        "SA": pgettext("every week, as in weekly on Monday", "Saturday"),
        "SU": pgettext("every week, as in weekly on Monday", "Sunday"),
    }[code]


def _month(number: int) -> str:
    """Name a month as it stands after "in" ("in March")."""
    return (
        pgettext("as in yearly in March", "January"),
        pgettext("as in yearly in March", "February"),
        pgettext("as in yearly in March", "March"),
        pgettext("as in yearly in March", "April"),
        pgettext("as in yearly in March", "May"),
        pgettext("as in yearly in March", "June"),
        pgettext("as in yearly in March", "July"),
        pgettext("as in yearly in March", "August"),
        pgettext("as in yearly in March", "September"),
        pgettext("as in yearly in March", "October"),
        pgettext("as in yearly in March", "November"),
        pgettext("as in yearly in March", "December"),
    )[number - 1]


def _ordinal(n: int) -> str:
    """Return a day's number as an ordinal: 1st, 22nd (English), 1. (Finnish), 1:a (Swedish).

    Written here rather than translated: each language forms its ordinals by its own rule.
    """
    language = _locale().language
    if language == "fi":
        return f"{n}."
    if language == "sv":
        return f"{n}:{'a' if n % 10 in (1, 2) and n % 100 not in (11, 12) else 'e'}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _nth(n: int) -> str:
    """Return first, second, … last, second to last for a position counted from either end."""
    if n == -1:
        return _("last")
    if n < 0:
        to_last = {
            2: _("second to last"),
            3: _("third to last"),
            4: _("fourth to last"),
            5: _("fifth to last"),
        }
        return to_last.get(-n) or _("%(nth)s to last", nth=_ordinal(-n))
    names = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth")}
    return names.get(n) or _ordinal(n)


def _join(items: list[str]) -> str:
    """Join words as the language does: "a, b and c", "a, b ja c"."""
    return format_list(items, locale=_locale())


def _weekdays(value: str) -> str | None:
    """Put BYDAY into words (MO,TH → Monday and Thursday; -1FR → the last Friday)."""
    words = []
    for item in value.split(","):
        code, prefix = item[-2:], item[:-2]
        if code not in WEEKDAY_CODES:
            return None
        if not prefix:
            words.append(_weekday(code, positioned=False))
            continue
        try:
            n = int(prefix)
        except ValueError:
            return None
        if n == 0:
            return None
        words.append(_("the %(nth)s %(weekday)s", nth=_nth(n), weekday=_weekday(code, True)))
    return _join(words)


def _monthdays(value: str) -> str | None:
    """Put BYMONTHDAY into words (15 → the 15th; -1 → the last day)."""
    words = []
    for item in value.split(","):
        try:
            n = int(item)
        except ValueError:
            return None
        if n == 0 or abs(n) > 31:
            return None
        words.append(_("last day") if n == -1 else _nth(n) if n < 0 else _ordinal(n))
    return _("the %(days)s", days=_join(words))


def _months(value: str) -> str | None:
    """Put BYMONTH into words (3,9 → March and September)."""
    words = []
    for item in value.split(","):
        if not item.isdigit() or not 1 <= int(item) <= 12:
            return None
        words.append(_month(int(item)))
    return _join(words)


def _until(value: str) -> str | None:
    """Put UNTIL (a date, or a date and time) into words."""
    try:
        day = datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return _("until %(day)s", day=format_date(day, "medium", locale=_locale()))


def describe(rule: str | None) -> str:
    """Say how often a rule repeats ("every 6 months"); "once" for none; the rule if unusual.

    In the language of the request (or of force_locale), English outside one.
    """
    if rule is None or not rule.strip():
        return _("once")
    parts = _parts(rule)
    if parts is None or parts.get("FREQ") not in UNITS or set(parts) - WORDED:
        return rule.strip()
    freq = parts["FREQ"]
    interval_text = parts.get("INTERVAL", "1")
    if not interval_text.isdigit() or int(interval_text) < 1:
        return rule.strip()
    interval = int(interval_text)
    qualifiers = []
    for name, wording in (("BYDAY", _weekdays), ("BYMONTHDAY", _monthdays)):
        if name in parts:
            words = wording(parts[name])
            if words is None:
                return rule.strip()
            qualifiers.append(_("on %(days)s", days=words))
    if "BYMONTH" in parts:
        words = _months(parts["BYMONTH"])
        if words is None:
            return rule.strip()
        qualifiers.append(_("in %(months)s", months=words))
    text = " ".join([_frequency(freq, interval, bool(qualifiers)), *qualifiers])
    if "COUNT" in parts:
        if not parts["COUNT"].isdigit():
            return rule.strip()
        count = int(parts["COUNT"])
        text = (
            _("%(rule)s, once", rule=text)
            if count == 1
            else ngettext("%(rule)s, %(num)d time", "%(rule)s, %(num)d times", count, rule=text)
        )
    if "UNTIL" in parts:
        words = _until(parts["UNTIL"])
        if words is None:
            return rule.strip()
        text = _("%(rule)s, %(until)s", rule=text, until=words)
    return text


# Simple rules whose words rule_from_words() reads in every language of the interface, as
# describe() writes them there ("joka kuukausi", "6 kuukauden välein"); English words are
# read by the patterns above, with their many spellings.
_READ_INTERVALS = range(1, 53)


def _words_of_simple_rules() -> dict[str, str | None]:
    """Return {words in any language: rule} for one-offs and plain weekly, monthly, yearly rules."""
    found: dict[str, str | None] = {}
    for locale in LOCALES.values():
        with force_locale(locale):
            found.setdefault(describe(None).casefold(), None)
            for freq in UNITS:
                for interval in _READ_INTERVALS:
                    rule = f"FREQ={freq}" if interval == 1 else f"FREQ={freq};INTERVAL={interval}"
                    found.setdefault(describe(rule).casefold(), rule)
                found.setdefault(_frequency(freq, 1, qualified=True).casefold(), f"FREQ={freq}")
    return found


def _translated_rule(words: str) -> str | None:
    """Return the rule that words in any language of the interface say; NotWords if none.

    The table is made once per request (an import reads thousands of rows in one).
    """
    if not has_app_context():
        raise NotWords(words)
    table = g.get("planner_rule_words")
    if table is None:
        table = g.planner_rule_words = _words_of_simple_rules()
    if words not in table:
        raise NotWords(words)
    return table[words]


class _Exhausted(Exception):
    """The search examined as many days as its window allows."""


class _Counter(Collection[int]):
    """dateutil's month filter, wrapped to count the days dateutil examines.

    dateutil tests every day of every period it visits against its month filter first, so
    counting the tests counts the work; past the budget the search is stopped (by raising
    inside dateutil's generator, which ends it). A rule without a month filter gets one that
    lets every month through.
    """

    def __init__(self, months: Collection[int] | None, budget: int) -> None:
        self.months = months
        self.budget = budget
        self.examined = 0

    def __contains__(self, month: object) -> bool:
        self.examined += 1
        if self.examined > self.budget:
            raise _Exhausted
        return not self.months or month in self.months

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Any:
        return iter(self.months or ())

    def __len__(self) -> int:
        return len(self.months or ())


@dataclass(frozen=True)
class Expansion:
    """The days a rule yields in a window, and how much work finding them took."""

    days: list[date]
    examined: int
    # False when the search was cut short (by the day budget or the cap on occurrences).
    complete: bool


def expand(rule: str, start: date, last: date, *, limit: int = MAX_OCCURRENCES) -> Expansion:
    """List the days a rule yields from `start` to `last`, at most `limit` of them.

    A rule that cannot be read yields its start only, as a one-off does: a page shows what
    was stored rather than fail on it.
    """
    if last < start:
        last = start
    try:
        with warnings.catch_warnings():
            # COUNT with UNTIL: dateutil warns now and will refuse later; both are read here.
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed = rrulestr(rule, dtstart=datetime.combine(start, datetime.min.time()))
    except (ValueError, TypeError, KeyError, ArithmeticError, IndexError):
        log.warning("unreadable recurrence %r shown as a one-off", rule)
        return Expansion([start], 0, False)
    if not isinstance(parsed, rrule):
        return Expansion([start], 0, False)
    budget = min((last - start).days, MAX_EXAMINED_DAYS) + MARGIN_DAYS
    # dateutil keeps its filters in private attributes; the counter wraps the month filter,
    # the first one it tests each day against (tests/planner/test_services.py checks it).
    counter = _Counter(parsed._bymonth, budget)
    parsed._bymonth = counter
    days: list[date] = []
    complete = True
    try:
        for moment in parsed:
            day = moment.date()
            if day > last:
                break
            if days and day <= days[-1]:
                # A valid rule's days only move forward; INTERVAL=0 repeats the same ones.
                complete = False
                break
            if len(days) >= limit:
                complete = False
                break
            days.append(day)
    except _Exhausted:
        # Having examined more days than the window holds, the search is past `last`.
        log.info("recurrence %r searched %s days without reaching %s", rule, budget, last)
    except (ValueError, ArithmeticError, IndexError, KeyError, TypeError):
        # dateutil fails on some stored rules only as it iterates (INTERVAL=0 hourly, the
        # 53rd Monday of a month).
        complete = False
    return Expansion(days, counter.examined, complete)
