"""Fields a form does not offer (ids, owners, roles, versions) change nothing when sent anyway."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.indicators.models import Indicator
from app.planner.models import Activity, Plan
from tests.conftest import login

EXTRA = {
    "id": "999",
    "institution_id": "2",
    "plan_id": "999",
    "owner_id": "999",
    "role": "manager",
    "is_admin": "1",
    "is_curator": "1",
    "version": "999",
    "feed_token": "chosen",
    "created_at": "2000-01-01",
}


@pytest.fixture
def planner(client, two_institutions):
    people, ids = two_institutions
    login(client, people["planner"].email)
    return people, ids


def _extra(**data: str) -> dict[str, str]:
    return {**EXTRA, **data}


def test_a_new_plan_stays_in_the_institution_of_its_address(client, planner):
    people, _ = planner
    response = client.post(
        "/institutions/uni-a/plans/new",
        data=_extra(title="Extra plan", period_start="2028-01-01", period_end="2028-12-31"),
    )
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.title == "Extra plan"))
    assert plan.institution.slug == "uni-a" and plan.id != 999
    assert plan.owner_id == people["planner"].id and plan.feed_token != "chosen"
    assert plan.version == 1


def test_editing_a_plan_changes_only_its_offered_fields(client, planner):
    _, ids = planner
    plan = db.session.get(Plan, ids["plan"])
    institution_id, token = plan.institution_id, plan.feed_token
    response = client.post(
        f"/plans/{plan.id}/edit",
        data={
            **EXTRA,
            "title": "Renamed",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "status": "active",
            "version": str(plan.version),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, ids["plan"])
    assert plan.title == "Renamed" and plan.institution_id == institution_id
    assert plan.feed_token == token and plan.version == 2


def test_editing_an_activity_keeps_it_in_its_plan(client, planner):
    _, ids = planner
    response = client.post(
        f"/plans/{ids['plan']}/activities/{ids['activity']}/edit",
        data={**EXTRA, "title": "Still here", "format": "online", "status": "idea", "version": "1"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, ids["activity"])
    assert activity.plan_id == ids["plan"] and activity.title == "Still here"
    assert activity.version == 2


def test_a_new_indicator_belongs_to_the_plan_of_its_address(client, planner):
    _, ids = planner
    response = client.post(
        f"/plans/{ids['plan']}/indicators/new",
        data=_extra(
            name="Extra indicator",
            unit="count",
            direction="higher",
            aggregation="sum",
            frequency="quarterly",
        ),
    )
    assert response.status_code == 302
    indicator = db.session.scalar(select(Indicator).where(Indicator.name == "Extra indicator"))
    assert indicator.plan_id == ids["plan"] and indicator.id != 999 and indicator.version == 1


def test_nobody_makes_themselves_admin_or_curator(client, planner):
    people, _ = planner
    client.post("/account/tokens", data=_extra(name="token", days="30"))
    client.post(
        "/institutions/uni-a/edit",
        data=_extra(name="Uni A", country="Finland", kind="research-university"),
    )
    db.session.expire_all()
    user = db.session.get(type(people["planner"]), people["planner"].id)
    assert not user.is_admin and not user.is_curator
    assert [r.role for r in user.roles] == ["planner"]


def test_a_manager_editing_the_institution_cannot_move_its_plans(client, two_institutions):
    people, ids = two_institutions
    login(client, people["manager"].email)
    client.post(
        "/institutions/uni-a/edit",
        data=_extra(
            name="Uni A renamed", country="Finland", kind="research-university", description=""
        ),
    )
    db.session.expire_all()
    plan = db.session.get(Plan, ids["plan"])
    assert plan.institution.slug == "uni-a"
