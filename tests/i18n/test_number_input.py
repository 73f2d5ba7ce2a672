"""Numbers typed into forms as people write them in their language, never misread."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import NumberRange, Optional

from app.core.validation import FiniteDecimalField


class Amount(Form):
    amount = FiniteDecimalField(limit=Decimal("9999999999.99"))


class Price(Form):
    """As the budget guidance of a sending has it: optional, at least 0."""

    price = FiniteDecimalField(limit=Decimal("100000"), validators=[Optional(), NumberRange(min=0)])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1234,50", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1,234.50", Decimal("1234.50")),
        ("1234.50", Decimal("1234.50")),
        ("€12", Decimal("12")),
    ],
)
def test_a_number_is_read_as_typed_in_any_of_the_languages(app, typed, read):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        form = Amount(MultiDict({"amount": typed}))
        assert form.validate(), form.errors
        assert form.amount.data == read


@pytest.mark.parametrize("typed", ["25,000", "kolme", "NaN", "Infinity", "1e400", "99999999999"])
def test_a_number_that_cannot_be_read_one_way_is_refused_and_kept(app, typed):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        form = Amount(MultiDict({"amount": typed}))
        assert not form.validate()
        assert form.amount.data is None
        assert form.amount.errors and form.amount.errors[0][-1] == "."
        # What was typed comes back to be corrected.
        assert f'value="{typed}"' in str(form.amount())


@pytest.mark.parametrize("typed", ["25,000", "abc", "1e400"])
def test_a_number_that_cannot_be_read_gets_its_reading_problem_alone(app, typed):
    """Not also "Number must be at least 0." from a range rule that saw no number."""
    with app.test_request_context("/"):
        form = Price(MultiDict({"price": typed}))
        assert not form.validate()
        assert len(form.price.errors) == 1, form.price.errors
        assert "at least" not in form.price.errors[0]


def test_a_range_rule_still_checks_a_number_that_was_read(app):
    with app.test_request_context("/"):
        form = Price(MultiDict({"price": "-5"}))
        assert not form.validate()
        assert form.price.errors == ["Number must be at least 0."]
        assert Price(MultiDict({"price": ""})).validate()
        assert Price(MultiDict({"price": "12,50"})).validate()


def test_a_number_is_shown_again_as_the_language_writes_it(app):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        form = Amount(data={"amount": Decimal("1234.5")})
        field = str(form.amount())
    assert 'value="1234,50"' in field
    assert 'inputmode="decimal"' in field and 'type="text"' in field


@pytest.mark.parametrize(
    ("language", "shown"), [("fi", "4250,25"), ("sv", "4250,25"), ("en", "4250.25")]
)
def test_a_recorded_value_is_shown_again_as_the_language_types_it(app, language, shown):
    from types import SimpleNamespace

    from app.indicators.forms import saved_text

    with app.test_request_context("/", headers={"Accept-Language": language}):
        saved = SimpleNamespace(value=Decimal("4250.25"))
        assert saved_text(SimpleNamespace(unit="count"), saved) == shown
