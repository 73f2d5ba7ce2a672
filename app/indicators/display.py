"""Values of indicators as people read them: by unit, with separators, yes/no as words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from flask_babel import gettext as _

from app.charts.figures import Table
from app.core.formatting import day, money, number, percent

# Outside a request (the command line, pure tests) numbers are written in English.
ENGLISH = Locale.parse("en_GB")


def yes_no(value: Any) -> str:
    """Name a yes/no value: "Yes" for 1, "No" for 0, in the reader's language.

    Combined over periods it is a share of yes (an average) or a number of yeses (a sum),
    and reads so.
    """
    amount = Decimal(str(value))
    if amount in (0, 1):
        return _("Yes") if amount == 1 else _("No")
    if amount < 1:
        return _("%(share)s yes", share=percent(amount * 100, 0))
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
        return percent(value)
    if unit == "person-days":  # not an indicator's unit: the planner's effort, as it shows it
        return number(value, 1)
    return number(value)


def shown_rows(table: Table) -> list[list[str]]:
    """Return a chart table's cells as its page shows them, each by its column's format.

    In Python rather than the template: a dashboard writes hundreds of cells, and deciding
    each one's format in Jinja cost a tenth of the page.
    """
    formats = table.formats
    return [
        [_shown(cell, formats[i] if i < len(formats) else None) for i, cell in enumerate(row)]
        for row in table.rows
    ]


def _shown(cell: Any, kind: str | None) -> str:
    if cell is None:
        return "–"
    if kind == "day":
        return day(cell)
    if kind:
        return measure(cell, kind)
    return cell  # type: ignore[no-any-return]  # text: the template escapes it
