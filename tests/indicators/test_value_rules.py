"""Rules every way a value comes in obeys: periods that have begun, finite bounded numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.extensions import db
from app.indicators import measurements
from app.indicators.models import Indicator, IndicatorTarget, Measurement
from app.indicators.periods import parse_key
from tests.indicators.test_views import (
    _as,
    _count,
    _csv_file,
    _grid,
    _plan_indicator,
    _rows_shown,
)

# The day the probe saved a value for Q1 2027: the plan (2027) has not started.
BEFORE = "2026-11-30"


def _post_values(client, ids, window, **fields):
    return client.post(f"/plans/{ids['plan']}/values?window={window}", data=_grid(fields))


def test_the_values_page_refuses_a_value_for_a_period_that_has_not_begun(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    # Signed in at each frozen time: a session from another time is not valid then.
    with freeze_time(BEFORE):
        _as(client, people, "planner")
        page = client.get(f"/plans/{ids['plan']}/values?window=2027-Q1").get_data(as_text=True)
        assert _rows_shown(page) == []
        assert "Not begun: a value can be recorded from 1 Jan 2027" in page
        # A page sent anyway (kept open, or made by hand) is refused with its reason.
        response = _post_values(client, ids, "2027-Q1", **{f"value-{indicator.id}-2027-Q1": "58"})
    assert response.status_code == 400
    assert "Q1 2027 has not begun yet" in response.get_data(as_text=True)
    assert _count(Measurement) == 0
    with freeze_time("2027-01-01"):  # its first day: the period has begun
        _as(client, people, "planner")
        response = _post_values(client, ids, "2027-Q1", **{f"value-{indicator.id}-2027-Q1": "5"})
    assert response.status_code == 302
    assert _count(Measurement) == 1


def test_the_import_refuses_a_value_for_a_period_that_has_not_begun(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    rows = [["indicator_id", "period", "value"], [str(indicator.id), "2027-Q1", "58"]]
    with freeze_time(BEFORE):
        _as(client, people, "planner")
        response = client.post(
            f"/plans/{ids['plan']}/values/import",
            data={"file": _csv_file(rows)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 400
    assert "row 2, column period: Q1 2027 has not begun yet" in response.get_data(as_text=True)
    assert _count(Measurement) == 0


def test_recording_a_value_for_a_period_that_has_not_begun_is_refused_below_the_forms(
    two_institutions,
):
    _, ids = two_institutions
    indicator = db.session.get(Indicator, ids["indicator"])
    with pytest.raises(measurements.NotBegun):
        measurements.record_value(
            indicator,
            parse_key("quarterly", "2027-Q2"),
            D(1),
            existing=None,
            note="",
            evidence_url=None,
            evidence=None,
            by="x@example.org",
            approvals=[],
            today=date(2027, 3, 31),
            base_version=0,
        )


def _stored_value(ids, value="58", target="60"):
    """A value stored before the rule existed, for a plan that has not started."""
    indicator = db.session.scalars(select(Indicator).where(Indicator.plan_id == ids["plan"])).one()
    indicator.target_value = D(target)
    indicator.measurements[0].value = D(value)
    db.session.commit()
    return indicator


def test_a_plan_that_has_not_started_is_not_started_everywhere(client, two_institutions):
    people, ids = two_institutions
    _stored_value(ids)
    with freeze_time(BEFORE):
        _as(client, people, "viewer")
        overview = client.get(f"/institutions/{ids['slug']}/overview").get_data(as_text=True)
        listing = client.get(f"/plans/{ids['plan']}/indicators").get_data(as_text=True)
        dashboard = client.get(f"/plans/{ids['plan']}/dashboard").get_data(as_text=True)
        table = client.get(f"/institutions/{ids['slug']}/overview/indicators-by-plan.csv")
    assert "1 not started" in overview and "on track" not in overview
    assert 'status-not_started">Not started' in listing and "status-on_track" not in listing
    assert "Not started" in dashboard and "On track</td>" not in dashboard
    header, row = table.get_data(as_text=True).splitlines()[:2]
    assert header.split(",")[row.split(",").index("1")] == "Not started"
    with freeze_time("2027-12-31"):  # the same value when the plan runs: judged
        _as(client, people, "viewer")
        assert "1 on track" in client.get(f"/institutions/{ids['slug']}/overview").get_data(
            as_text=True
        )


@pytest.mark.parametrize(
    "text", ["NaN", "sNaN", "-nan", "Infinity", "-Infinity", "inf", "1e400", "1E+20", "9" * 400]
)
def test_numbers_that_are_not_finite_or_too_large_are_refused_on_the_indicator_form(
    client, setup, text
):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids, unit="score", scale_max="5", target_value="4")
    base = {
        "name": indicator.name,
        "unit": "score",
        "direction": "higher",
        "aggregation": "average",
        "frequency": "quarterly",
        "version": str(indicator.version),
        "scale_max": "5",
        "baseline_value": "1",
        "target_value": "4",
    }
    url = f"/plans/{ids['plan']}/indicators/{indicator.id}/edit"
    for name in ("scale_max", "baseline_value", "target_value", "period_targets-0-value"):
        response = client.post(url, data={**base, "period_targets-0-period": "2027-Q1", name: text})
        assert response.status_code == 400, name
        page = response.get_data(as_text=True)
        assert any(
            m in page for m in ("is not a number", "is too large", "Not a number of a sensible")
        ), name
        assert f'value="{text}"' in page, name  # what was typed is kept
    created = client.post(
        f"/plans/{ids['plan']}/indicators/new",
        data={**base, "name": "Other", "baseline_value": text},
    )
    assert created.status_code == 400
    db.session.expire_all()
    saved = db.session.get(Indicator, indicator.id)
    assert (saved.baseline_value, saved.target_value, saved.scale_max) == (D(0), D(4), D(5))
    assert db.session.scalars(select(IndicatorTarget)).all() == []


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "1e400", "1E+20"])
def test_numbers_that_are_not_finite_or_too_large_are_refused_as_values(client, setup, text):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    with freeze_time("2027-07-15"):
        _as(client, people, "planner")
        page = _post_values(client, ids, "2027-Q1", **{f"value-{indicator.id}-2027-Q1": text})
        imported = client.post(
            f"/plans/{ids['plan']}/values/import",
            data={
                "file": _csv_file(
                    [["indicator_id", "period", "value"], [str(indicator.id), "2027-Q1", text]]
                )
            },
            content_type="multipart/form-data",
        )
    assert page.status_code == 400 and imported.status_code == 400
    assert "row 2, column value:" in imported.get_data(as_text=True)
    assert _count(Measurement) == 0
