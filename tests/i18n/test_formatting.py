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
        assert formatting.percent(42) == formatting.percent(42, 0) == expected["percent"]
        assert formatting.percent(Decimal("42.5"), 1) == expected["percent_1"]
        assert formatting.day(date(2026, 11, 30)) == expected["day"]
        assert formatting.day(date(2026, 11, 30), "long") == expected["long_day"]
        moment = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
        assert formatting.moment(moment) == expected["moment"]


def test_nothing_to_format_reads_as_a_dash_in_every_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        assert formatting.number(None) == formatting.money(float("nan")) == "—"
        assert formatting.percent(float("inf")) == formatting.day(None) == "—"


def test_kept_results_are_kept_per_language_and_per_locale_forced(app):
    """Numbers and percentages are kept by value and locale: the same value written first in
    English must still come out in Finnish and Swedish (force_locale, as an email does)."""
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert formatting.number(Decimal("1234.5"), 2) == CASES["en"]["number"]
        assert formatting.percent(Decimal("42.5"), 1) == CASES["en"]["percent_1"]
        for language, locale in (("fi", "fi_FI"), ("sv", "sv_FI")):
            with force_locale(locale):
                assert formatting.number(Decimal("1234.5"), 2) == CASES[language]["number"]
                assert formatting.percent(Decimal("42.5"), 1) == CASES[language]["percent_1"]
        assert formatting.number(Decimal("1234.5"), 2) == CASES["en"]["number"]
        # The same value as another type is kept apart, and written the same.
        assert formatting.number(1234.5, 2) == formatting.number(Decimal("1234.5"), 2)
        assert formatting.number(2) == formatting.number(2.0) == "2"


def test_current_locale_answers_as_flask_babel_does(app):
    """The one-lookup locale agrees with Flask-Babel's in a request, under force_locale, after
    a refresh, and outside any context (a thread of its own has none)."""
    import threading

    from flask_babel import force_locale, get_locale, refresh

    from app.core.i18n import current_locale

    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        assert str(current_locale()) == str(get_locale()) == "sv_FI"
        with force_locale("fi_FI"):
            assert str(current_locale()) == str(get_locale()) == "fi_FI"
        assert str(current_locale()) == "sv_FI"
        refresh()
        assert str(current_locale()) == str(get_locale()) == "sv_FI"
    outside: list[object] = []
    thread = threading.Thread(target=lambda: outside.append(current_locale()))
    thread.start()
    thread.join()
    assert outside == [None]
