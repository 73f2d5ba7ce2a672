"""Values of indicators as people read them: by unit, with separators, yes/no as words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.core.formatting import money, number


def measure(value: Any, unit: str) -> str:
    """Format a value of an indicator's unit: "Yes", "€1,500.00", "72.5 %", "1,234".

    A yes/no value is 1 or 0; combined over periods it is a share of yes (an average) or a
    number of yeses (a sum), and reads so.
    """
    if value is None:
        return "–"
    if unit == "yes-no":
        amount = Decimal(str(value))
        if amount in (0, 1):
            return "Yes" if amount == 1 else "No"
        if amount < 1:
            return f"{number(amount * 100, 0)} % yes"
        return f"{number(amount)} × yes"
    if unit == "euros":
        return money(value)
    if unit == "percent":
        return f"{number(value)} %"
    if unit == "person-days":  # not an indicator's unit: the planner's effort, as it shows it
        return number(value, 1)
    return number(value)
