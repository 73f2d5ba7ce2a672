"""Figures per unit and year, and the computed indicators `visit.*` they feed in the plan."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.core.extensions import db
from app.indicators import computed
from app.indicators.models import Indicator, Measurement
from tests.visits.conftest import AFTER, BEFORE, START, as_user, latest_link, make_request


def _hosted_visit(client, host, days):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        as_user(client, host.people["manager"])
        client.post(
            host.url(f"/requests/{visit.id}/route"), data={"unit": host.units["language"].id}
        )
        client.post(host.url(f"/requests/{visit.id}/answer"), data={"action": "accept"})
        client.post("/logout")
        client.post(f"/visits/{latest_link()}", data={"action": "confirm"})
    with freeze_time(AFTER):
        as_user(client, host.people["manager"])
        present = [(START + timedelta(days=n)).isoformat() for n in range(days)]
        response = client.post(host.url(f"/requests/{visit.id}/record"), data={"days": present})
        assert response.status_code == 302
    return visit


def _values(plan_id):
    rows = db.session.execute(
        select(Indicator.source, Measurement.period_key, Measurement.value)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Indicator.plan_id == plan_id)
    ).all()
    return {(source, key): int(value) for source, key, value in rows}


def test_the_sources_are_registered_as_computed_indicators(app):
    keys = {s.key for s in computed.sources()}
    assert {"visit.requests", "visit.hosted", "visit.days"} <= keys


def test_figures_per_unit_and_year_feed_the_plans_indicators(client, host, make_plan):
    plan = make_plan(host.institution, title="Plan 2027")
    as_user(client, host.people["manager"])
    response = client.post(host.url("/figures"), data={"plan": plan.id})
    assert response.status_code == 302
    sources = sorted(
        db.session.scalars(select(Indicator.source).where(Indicator.plan_id == plan.id))
    )
    assert sources == ["visit.days", "visit.hosted", "visit.requests"]
    # Twice adds nothing.
    client.post(host.url("/figures"), data={"plan": plan.id})
    assert len(db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id)).all()) == 3

    _hosted_visit(client, host, 3)
    make_request(client, host, email="second@elsewhere.example")  # requested, not hosted
    make_request(client, host, email="third@elsewhere.example", verify=False)  # not counted
    assert _values(plan.id) == {
        ("visit.requests", "2027"): 2,
        ("visit.hosted", "2027"): 1,
        ("visit.days", "2027"): 3,
    }
    as_user(client, host.people["manager"])
    page = client.get(host.url("/figures")).get_data(as_text=True)
    assert "Language Centre" in page and "2027" in page
    as_user(client, host.people["viewer"])
    assert client.get(host.url("/figures")).status_code == 403
    as_user(client, host.people["outsider"])
    assert client.get(host.url("/figures")).status_code == 404


def test_a_withdrawn_visit_still_counts_as_a_request_but_not_as_hosted(client, host, make_plan):
    plan = make_plan(host.institution)
    as_user(client, host.people["manager"])
    client.post(host.url("/figures"), data={"plan": plan.id})
    _visit, token = make_request(client, host)
    with freeze_time(BEFORE):
        client.post(f"/visits/{token}", data={"action": "withdraw"})
    assert _values(plan.id) == {
        ("visit.requests", "2027"): 1,
        ("visit.hosted", "2027"): 0,
        ("visit.days", "2027"): 0,
    }
