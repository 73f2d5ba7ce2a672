"""How charts write numbers, money, percentages and dates in the reader's language.

Plotly formats numbers with d3-format and the layout's `separators`, and dates with the
locale named in the figure's config: both are taken here from Babel's data of the request's
locale (English as written in Europe outside a request), so that a chart reads "1 234,5 €"
and "maalis 2027" in Finnish as the tables beside it do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale

from app.core.i18n import current_locale

ENGLISH = "en_GB"
NBSP = "\u00a0"


@dataclass(frozen=True)
class Formats:
    """A locale's ways of writing what charts show, as Plotly reads them."""

    name: str  # the Babel locale, e.g. "fi_FI"
    plotly_locale: str  # the name Plotly's config knows it by, e.g. "fi-FI"
    separators: str  # decimal point, then thousands separator
    money_prefix: str
    money_suffix: str
    percent_suffix: str  # "%" in English, " %" (with a no-break space) in Finnish
    day: str  # d3-time-format of a day in hover labels
    locale_format: dict[str, Any]

    def money(self, value: str) -> str:
        """Place the euro sign around a formatted number (or a Plotly placeholder)."""
        return f"{self.money_prefix}{value}{self.money_suffix}"

    def percent(self, value: str) -> str:
        """Put the percent sign after a formatted number (or a Plotly placeholder)."""
        return f"{value}{self.percent_suffix}"

    def config(self) -> dict[str, Any]:
        """Return the part of a figure's config that names the locale and defines it."""
        return {
            "locale": self.plotly_locale,
            "locales": {self.plotly_locale: {"dictionary": {}, "format": self.locale_format}},
        }


def current() -> Formats:
    """Return the formats of the request's locale (English outside a request)."""
    locale = current_locale()
    return formats_of(str(locale) if locale else ENGLISH)


def locale() -> Locale:
    """Return the Babel locale charts are written in now."""
    return Locale.parse(current().name)


def _affixes(pattern: str) -> tuple[str, str]:
    """Return what a number pattern writes before and after the number ("¤" removed)."""
    body = pattern.split(";")[0]
    first = min(body.find(c) for c in "#0" if c in body)
    last = max(body.rfind(c) for c in "#0")
    return body[:first], body[last + 1 :]


@cache
def formats_of(name: str) -> Formats:
    """Return a Babel locale's formats for charts (cached: they never change)."""
    loc = Locale.parse(name)
    symbols = loc.number_symbols["latn"]
    before, after = _affixes(loc.currency_formats["standard"].pattern)
    _, percent_after = _affixes(loc.percent_formats[None].pattern)
    euro = loc.currency_symbols.get("EUR", "€")
    # Finnish writes a day 31.3.2027; English and Swedish name the month.
    day_format = "%-d.%-m.%Y" if loc.language == "fi" else "%-d %b %Y"
    months = loc.months["stand-alone"]["wide"]
    short_months = loc.months["stand-alone"]["abbreviated"]
    days = loc.days["stand-alone"]["wide"]
    short_days = loc.days["stand-alone"]["abbreviated"]
    # Babel numbers weekdays from Monday (0), d3 from Sunday.
    week = [6, 0, 1, 2, 3, 4, 5]
    locale_format = {
        "days": [days[i] for i in week],
        "shortDays": [short_days[i] for i in week],
        "months": [months[i] for i in range(1, 13)],
        "shortMonths": [short_months[i] for i in range(1, 13)],
        "periods": [loc.day_periods["format"]["abbreviated"].get(p, p) for p in ("am", "pm")],
        "decimal": symbols["decimal"],
        "thousands": symbols["group"],
        "grouping": [3],
        "currency": [before.replace("¤", euro), after.replace("¤", euro)],
        "dateTime": f"{day_format} %H:%M:%S",
        "date": day_format,
        "time": "%H:%M:%S",
        "year": "%Y",
        "month": "%b %Y",
        "dayMonth": "%-d.%-m." if loc.language == "fi" else "%-d %b",
        "dayMonthYear": day_format,
    }
    return Formats(
        name=name,
        plotly_locale=name.replace("_", "-"),
        separators=symbols["decimal"] + symbols["group"],
        money_prefix=before.replace("¤", euro),
        money_suffix=after.replace("¤", euro),
        percent_suffix=percent_after,
        day=day_format,
        locale_format=locale_format,
    )
