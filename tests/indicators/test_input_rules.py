"""One source of rules: the values page and the import give a value the same verdict.

Each case is sent through both doors (a row of the values page, a row of a CSV file) for the
same indicator and period: a bad value is refused by both with the same reason at its field or
column and nothing stored; an edge value that is fine is stored by both as the same number.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.core.extensions import db
from app.core.validation import problems_by_field
from app.indicators import views
from app.indicators.models import Indicator, Measurement
from app.indicators.schemas import IndicatorFields
from tests.indicators.test_views import _as, _count, _csv_file, _grid, _plan_indicator

PERIOD = "2027-Q1"
UNITS = {
    "count": {"unit": "count", "aggregation": "sum"},
    "percent": {"unit": "percent", "aggregation": "latest", "target_value": "80"},
    "yes-no": {"unit": "yes-no", "aggregation": "latest", "target_value": "1"},
    "score": {"unit": "score", "scale_max": "5", "aggregation": "average", "target_value": "4"},
}

# (case, unit, cells of the row, the column the import blames, what both say: any fragment).
REFUSED = [
    ("NaN", "count", {"value": "NaN"}, "value", "is not a number"),
    ("signalling NaN", "count", {"value": "sNaN"}, "value", "is not a number"),
    ("infinity", "count", {"value": "-Infinity"}, "value", "is not a number"),
    ("huge", "count", {"value": "1e400"}, "value", "is too large"),
    ("too large", "count", {"value": "1E+20"}, "value", "is too large"),
    ("ambiguous comma", "count", {"value": "25,000"}, "value", "could be 25000 or 25"),
    ("negative count", "count", {"value": "-3"}, "value", "a count or an amount is not negative"),
    ("percent over 100", "percent", {"value": "100.5"}, "value", "between 0 and 100"),
    ("yes-no of 2", "yes-no", {"value": "2"}, "value", "give 1 for yes or 0 for no"),
    ("score over the scale", "score", {"value": "5.01"}, "value", "between 0 and 5"),
    ("negative score", "score", {"value": "-1"}, "value", "between 0 and 5"),
    ("long note", "count", {"value": "3", "note": "n" * 5001}, "note", "at most 5000 characters"),
    ("ftp link", "count", {"value": "3", "evidence_url": "ftp://x.org/a"}, "evidence_url", "web"),
    (
        "script link",
        "count",
        {"value": "3", "evidence_url": "javascript:alert(1)"},
        "evidence_url",
        "web address",
    ),
    (
        "long link",
        "count",
        {"value": "3", "evidence_url": "https://x.org/" + "a" * 490},
        "evidence_url",
        "web address",
    ),
    # The page asks for the value a note is for; the file says the value is missing.
    ("note without a value", "count", {"value": "", "note": "why"}, "value", "the value|missing"),
    # A damaged version: a page to open again, a cell to correct.
    (
        "bad version",
        "count",
        {"value": "3", "version": "1.0"},
        "version",
        "out of date|not a version",
    ),
    (
        "huge version",
        "count",
        {"value": "3", "version": "9" * 30},
        "version",
        "out of date|not a version",
    ),
]

# (case, unit, cells, the value both store).
ACCEPTED = [
    ("decimal comma", "percent", {"value": "4,5"}, D("4.5")),
    ("percent sign", "percent", {"value": "100 %"}, D("100")),
    ("grouped thousands", "count", {"value": "1 234,5"}, D("1234.5")),
    ("euro sign", "count", {"value": "€12"}, D("12")),
    ("rounded to the cent", "count", {"value": "2.345"}, D("2.34")),
    ("no", "yes-no", {"value": "0"}, D("0")),
    ("top of the scale", "score", {"value": "5"}, D("5")),
    ("longest note", "count", {"value": "3", "note": "n" * 5000}, D("3")),
    ("plain http link", "count", {"value": "3", "evidence_url": "http://x.org/a"}, D("3")),
]

# The values page's name of each cell (value-<indicator>-<period>, …).
FORM_NAMES = {"value": "value", "note": "note", "evidence_url": "url", "version": "version"}


@pytest.fixture
def indicators(client, setup, monkeypatch):
    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = setup
    _as(client, people, "planner")
    made = {
        unit: _plan_indicator(client, ids, name=f"In {unit}", **fields)
        for unit, fields in UNITS.items()
    }
    return ids, made


def _matches(fragments: str, text: str) -> bool:
    return any(fragment.lower() in text.lower() for fragment in fragments.split("|"))


def _by_form(client, ids, indicator, cells):
    data = {f"{FORM_NAMES[k]}-{indicator.id}-{PERIOD}": v for k, v in cells.items()}
    return client.post(f"/plans/{ids['plan']}/values?window={PERIOD}", data=_grid(data))


def _by_file(client, ids, indicator, cells):
    header = ["indicator_id", "period", *cells]
    row = [str(indicator.id), PERIOD, *cells.values()]
    return client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv_file([header, row])},
        content_type="multipart/form-data",
    )


def _problem_at(page: str) -> str:
    """The text of the values page's field errors."""
    return " ".join(part.split("</p>", 1)[0] for part in page.split('class="field-error"')[1:])


@pytest.mark.parametrize(
    ("unit", "cells", "column", "says"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_the_values_page_and_the_import_refuse_it_alike(
    client, indicators, unit, cells, column, says
):
    ids, made = indicators
    form = _by_form(client, ids, made[unit], cells)
    assert form.status_code == 400, form.get_data(as_text=True)[-1500:]
    problem = _problem_at(form.get_data(as_text=True))
    assert _matches(says, problem.replace("&#39;", "'")), problem
    imported = _by_file(client, ids, made[unit], cells)
    assert imported.status_code == 400
    page = imported.get_data(as_text=True)
    assert f"row 2, column {column}: " in page, page[-1500:]
    listed = page.split(f"row 2, column {column}: ", 1)[1].split("</li>", 1)[0]
    assert _matches(says, listed.replace("&#39;", "'")), listed
    assert _count(Measurement) == 0


@pytest.mark.parametrize(
    ("unit", "cells", "stored"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_the_values_page_and_the_import_accept_it_alike(client, indicators, unit, cells, stored):
    ids, made = indicators
    indicator = made[unit]
    form = _by_form(client, ids, indicator, cells)
    assert form.status_code == 302, form.get_data(as_text=True)[-1500:]
    by_form = db.session.scalars(select(Measurement)).one()
    kept = (by_form.value, by_form.note, by_form.evidence_url)
    db.session.delete(by_form)
    db.session.commit()
    imported = _by_file(client, ids, indicator, cells)
    assert imported.status_code == 302, imported.get_data(as_text=True)[-1500:]
    by_file = db.session.scalars(select(Measurement)).one()
    assert (by_file.value, by_file.note, by_file.evidence_url) == kept
    assert by_file.value == stored


# The indicator editor delegates to its schema: (case, fields typed, the field, what it says).
DEFINITIONS = [
    ("name on two lines", {"name": "Two\nlines"}, "name", "single line"),
    ("control character", {"description": "bell\x07"}, "description", "control characters"),
    ("scale below 1", {"unit": "score", "scale_max": "0"}, "scale_max", "at least 1"),
    ("occurrence of the plan", {"frequency": "occurrence"}, "frequency", "needs an activity"),
    (
        "baseline over 100 %",
        {"unit": "percent", "baseline_value": "101"},
        "baseline_value",
        "0 and 100",
    ),
    ("negative target", {"target_value": "-1"}, "target_value", "not negative"),
    (
        "target on the worse side",
        {"baseline_value": "10", "target_value": "5"},
        "target_value",
        "above the baseline",
    ),
    (
        "score over the scale",
        {"unit": "score", "scale_max": "5", "target_value": "6"},
        "target_value",
        "between 0 and 5",
    ),
]
DEFINITION = {
    "name": "Partners",
    "unit": "count",
    "direction": "higher",
    "aggregation": "sum",
    "frequency": "quarterly",
}


@pytest.mark.parametrize(
    ("typed", "where", "says"), [c[1:] for c in DEFINITIONS], ids=[c[0] for c in DEFINITIONS]
)
def test_the_indicator_editor_and_its_schema_refuse_it_alike(client, setup, typed, where, says):
    people, ids = setup
    _as(client, people, "planner")
    data = {**DEFINITION, **typed}
    response = client.post(f"/plans/{ids['plan']}/indicators/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    error = page.split(f'id="{where}-error">', 1)[1].split("</p>", 1)[0]
    assert says in error.replace("&#39;", "'"), error
    with pytest.raises(ValidationError) as refused:
        IndicatorFields.model_validate(data)
    assert says in problems_by_field(refused.value)[where]
    assert _count(Indicator) == 0


def test_the_indicator_editor_hints_the_schema_bounds_to_the_browser(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    page = client.get(f"/plans/{ids['plan']}/indicators/new").get_data(as_text=True)
    scale = (
        page.split('id="scale_max"', 1)[0].rsplit("<input", 1)[1]
        + page.split('id="scale_max"', 1)[1].split(">", 1)[0]
    )
    # A text input for numbers in the reader's writing (1234,50): no min for the browser to
    # check; the schema's minimum is checked on the server (the case table above).
    assert 'inputmode="decimal"' in scale and 'type="text"' in scale
    assert IndicatorFields.model_json_schema()["properties"]["scale_max"]["minimum"] == 1
