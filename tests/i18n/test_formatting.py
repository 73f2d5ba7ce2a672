"""Numbers, money, percentages and dates written as each language writes them (Babel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.core import formatting

NBSP = "\u00a0"

CASES = {
    "en": {
        "number": "1,234.50",
        "money": "€1,234.50",
        "whole_money": "€25,000",
        "percent": "42%",
        "percent_1": "42.5%",
        "day": "30 Nov 2026",
        "long_day": "30 November 2026",
        "moment": "30 Nov 2026, 14:05:00",
    },
    "fi": {
        "number": f"1{NBSP}234,50",
        "money": f"1{NBSP}234,50{NBSP}€",
        "whole_money": f"25{NBSP}000{NBSP}€",
        "percent": f"42{NBSP}%",
        "percent_1": f"42,5{NBSP}%",
        "day": "30.11.2026",
        "long_day": "30. marraskuuta 2026",
        "moment": "30.11.2026 14.05.00",
    },
    "sv": {
        "number": f"1{NBSP}234,50",
        "money": f"1{NBSP}234,50{NBSP}€",
        "whole_money": f"25{NBSP}000{NBSP}€",
        "percent": f"42{NBSP}%",
        "percent_1": f"42,5{NBSP}%",
        "day": "30 nov. 2026",
        "long_day": "30 november 2026",
        "moment": "30 nov. 2026 14.05.00",
    },
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_formats_follow_the_language(app, language):
    expected = CASES[language]
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert formatting.number(Decimal("1234.5"), 2) == expected["number"]
        assert formatting.money(Decimal("1234.5")) == expected["money"]
        assert formatting.money(25000, cents=False) == expected["whole_money"]
        assert formatting.percent(42) == expected["percent"]
        assert formatting.percent(Decimal("42.5"), 1) == expected["percent_1"]
        assert formatting.day(date(2026, 11, 30)) == expected["day"]
        assert formatting.day(date(2026, 11, 30), "long") == expected["long_day"]
        moment = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
        assert formatting.moment(moment) == expected["moment"]


def test_nothing_to_format_reads_as_a_dash_in_every_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        assert formatting.number(None) == formatting.money(float("nan")) == "—"
        assert formatting.percent(float("inf")) == formatting.day(None) == "—"
