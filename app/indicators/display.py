"""Values of indicators as people read them: by unit, with separators, yes/no as words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_percent
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.formatting import money, number

# Outside a request (the command line, pure tests) numbers are written in English.
ENGLISH = Locale.parse("en_GB")


def percentage(value: Any, digits: int = 1) -> str:
    """Format a percentage given in percent (72.5) as the reader's language writes it.

    "72.5%" in English, "72,5 %" in Finnish and Swedish: the sign's place and space are
    the locale's, with at most `digits` decimals.
    """
    if value is None:
        return "–"
    locale = get_locale() or ENGLISH
    pattern = locale.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "#" * digits, 1)
    return format_percent(Decimal(str(value)) / 100, pattern, locale=locale)


def yes_no(value: Any) -> str:
    """Name a yes/no value: "Yes" for 1, "No" for 0, in the reader's language.

    Combined over periods it is a share of yes (an average) or a number of yeses (a sum),
    and reads so.
    """
    amount = Decimal(str(value))
    if amount in (0, 1):
        return _("Yes") if amount == 1 else _("No")
    if amount < 1:
        return _("%(share)s yes", share=percentage(amount * 100, 0))
    return _("%(count)s × yes", count=number(amount))


def measure(value: Any, unit: str) -> str:
    """Format a value of an indicator's unit: "Yes", "€1,500.00", "72.5%", "1,234"."""
    if value is None:
        return "–"
    if unit == "yes-no":
        return yes_no(value)
    if unit == "euros":
        return money(value)
    if unit == "percent":
        return percentage(value)
    if unit == "person-days":  # not an indicator's unit: the planner's effort, as it shows it
        return number(value, 1)
    return number(value)
