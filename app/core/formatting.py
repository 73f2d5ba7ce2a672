"""Numbers, money and dates as people read them, through Babel, in the request's locale.

Templates, exports and emails use these filters rather than `'%.2f'|format`, so that a
thousands separator, the currency sign and the locale's date order come from one place.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask
from flask_babel import format_datetime

from app.core.i18n import current_locale

Number = int | float | Decimal

CURRENCY = "EUR"
# Outside a request (the command line, a chart built in a test) numbers read in English.
ENGLISH = Locale.parse("en_GB")


def _locale() -> Locale:
    return current_locale() or ENGLISH


# Formatting through Babel costs tens of microseconds a value, and a page writes hundreds of
# the same few dates and amounts: the results are kept by value and locale. Keyed on the
# value's type too, so that 1 and 1.0 and Decimal("1") are kept apart.
CACHED = 8192


def _finite(value: Number | None) -> bool:
    return value is not None and math.isfinite(float(value))


def number(value: Number | None, digits: int | None = None) -> str:
    """Format a number with separators; `digits` fixes the decimals, else up to three are kept."""
    if not _finite(value):
        return "—"
    return _number(value, type(value), digits, str(_locale()))


@lru_cache(maxsize=CACHED)
def _number(value: Number, _kind: type, digits: int | None, locale: str) -> str:
    if digits is None:
        return format_decimal(value, format="#,##0.###", locale=locale)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=locale)


def typed(value: Number, places: int = 2) -> str:
    """Write a number as a person types it into a field: ungrouped, with the language's
    decimal mark (1234,50 in Finnish, 1234.50 in English); read back by parse_number."""
    decimals = "0" * places if places > 0 else "#########"
    return format_decimal(value, format=f"0.{decimals}", locale=_locale())


def money(value: Number | None, cents: bool = True) -> str:
    """Format an amount of euros ("€25,000.00", "25 000,00 €"); without cents for chart
    labels and totals, the sign where the locale puts it."""
    if not _finite(value):
        return "—"
    return _money(value, type(value), cents, str(_locale()))


@lru_cache(maxsize=CACHED)
def _money(value: Number, _kind: type, cents: bool, locale: str) -> str:
    if cents:
        return format_currency(value, CURRENCY, locale=locale)
    return format_currency(
        value,
        CURRENCY,
        format=whole_money_pattern(Locale.parse(locale)),
        currency_digits=False,
        locale=locale,
    )


def whole_money_pattern(locale: Locale | None = None) -> str:
    """Return the locale's pattern of an amount without cents ("¤#,##0", "#,##0 ¤")."""
    pattern = (locale or _locale()).currency_formats["standard"].pattern
    return pattern.split(";")[0].replace(".00", "")


def percent(value: Number | None, digits: int = 1) -> str:
    """Format a number of percent (72.5 → "72.5%", "72,5 %" in Finnish) with at most
    `digits` decimals, the sign where the locale puts it."""
    if not _finite(value):
        return "—"
    return _percent(value, type(value), digits, str(_locale()))


@lru_cache(maxsize=CACHED)
def _percent(value: Number, _kind: type, digits: int, locale: str) -> str:
    parsed = Locale.parse(locale)
    pattern = parsed.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "#" * digits, 1)
    return format_percent(Decimal(str(value)) / 100, format=pattern, locale=parsed)


def day(value: date | datetime | None, style: str = "medium") -> str:
    """Format a date ("30 Nov 2026" in English); a time of day is dropped."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return _day(value, style, str(_locale()))


@lru_cache(maxsize=CACHED)
def _day(value: date, style: str, locale: str) -> str:
    return format_date(value, format=style, locale=locale)


def moment(value: datetime | None, style: str = "medium") -> str:
    """Format a date and time in the configured time zone (UTC unless set)."""
    if value is None:
        return "—"
    return format_datetime(value, format=style)


def init_app(app: Flask) -> None:
    """Register the formatting filters."""
    app.add_template_filter(number, "number")
    app.add_template_filter(money, "money")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
