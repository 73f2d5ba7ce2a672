"""Every HTML editor that sends a version refuses a save without a readable one.

A missing, empty or damaged version used to skip the optimistic-concurrency check, so a save
could silently overwrite someone else's. Each editor must refuse it (a 4xx), keep what was
typed, and change nothing.
"""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.indicators.models import Indicator
from app.planner.models import Activity, Plan
from app.practices import services as practices
from tests.conftest import login
from tests.practices.test_curation import form_data

BAD_VERSIONS = [None, "", " ", "abc", "1.0", "-1", "0x1", "9" * 30]


def _with(data: dict, version: str | None) -> dict:
    data = {k: v for k, v in data.items() if k != "version"}
    if version is not None:
        data["version"] = version
    return data


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_planner_and_indicator_editors(client, two_institutions, version):
    people, ids = two_institutions
    login(client, people["manager"].email)
    plan_id = ids["plan"]
    editors = [
        (
            f"/plans/{plan_id}/activities/{ids['activity']}/edit",
            {"title": "Typed title", "format": "on-site", "status": "idea"},
        ),
        (
            f"/plans/{plan_id}/edit",
            {
                "title": "Typed title",
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "status": "draft",
            },
        ),
        (
            f"/plans/{plan_id}/indicators/{ids['indicator']}/edit",
            {
                "name": "Typed title",
                "unit": "count",
                "direction": "higher",
                "aggregation": "sum",
                "frequency": "quarterly",
            },
        ),
    ]
    for url, typed in editors:
        response = client.post(url, data=_with(typed, version))
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert "Typed title" in response.get_data(as_text=True), url
    db.session.expire_all()
    assert db.session.get(Activity, ids["activity"]).title == "Activity A"
    assert db.session.get(Plan, plan_id).title == "Plan A"
    assert db.session.get(Indicator, ids["indicator"]).name == "Partners represented"


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_the_sheet_editor(client, make_user, make_practice, version):
    make_user("curator@example.org", is_curator=True)
    practice = make_practice()
    login(client, "curator@example.org")
    sheet = practices.sheet_from_practice(practice)
    typed = form_data(sheet, practice.version, summary="A typed summary.", save="Save")
    response = client.post(f"/practices/{practice.slug}/edit", data=_with(typed, version))
    assert 400 <= response.status_code < 500
    assert "A typed summary." in response.get_data(as_text=True)
    db.session.expire_all()
    assert practices.get_practice(practice.slug).summary != "A typed summary."
