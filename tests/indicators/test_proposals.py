"""Indicators the practice sheets propose: sensible defaults when accepted, and dismissal."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.core.extensions import db
from app.indicators.models import Indicator
from app.indicators.services import proposed_aggregation
from app.planner.models import ProposedIndicator
from tests.conftest import PASSWORD, make_config
from tests.indicators.test_views import _as, _count


@pytest.mark.parametrize(
    ("name", "aggregation"),
    [
        ("Participants", "sum"),
        ("Visits hosted per year", "sum"),
        ("Tutors recruited per semester", "sum"),
        ("Staff sent on job shadowing per academic year", "sum"),
        ("Participants per event", "average"),
        ("Participants per workshop", "average"),
    ],
)
def test_a_proposed_count_sums_unless_it_is_a_figure_per_occasion(name, aggregation):
    assert proposed_aggregation(name, "count") == aggregation


def test_accepting_a_count_per_year_sums_it(client, setup):
    people, ids = setup
    proposed = db.session.scalar(select(ProposedIndicator))
    proposed.name = "Visits hosted per year"
    db.session.commit()
    _as(client, people, "planner")
    client.post(f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/accept")
    assert db.session.scalar(select(Indicator)).aggregation == "sum"


def test_a_planner_dismisses_a_proposed_indicator_and_it_stays_dismissed(client, setup):
    people, ids = setup
    proposed = db.session.scalar(select(ProposedIndicator))
    _as(client, people, "planner")
    listing = client.get(f"/plans/{ids['plan']}/indicators").get_data(as_text=True)
    dismiss = f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/dismiss"
    assert f'action="{dismiss}"' in listing
    response = client.post(dismiss)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Participants” is dismissed" in page
    assert "Proposed by the practice sheets" not in page
    assert _count(ProposedIndicator) == 0 and _count(Indicator) == 0
    assert client.post(dismiss).status_code == 404  # gone: it does not come back
    # A copy of the plan does not bring it back either.
    client.post(f"/plans/{ids['plan']}/copy", data={"title": "Next", "period_start": "2028-01-01"})
    assert _count(ProposedIndicator) == 0


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("outsider", 404)])
def test_only_the_plans_planners_dismiss(client, setup, who, status):
    people, ids = setup
    proposed = db.session.scalar(select(ProposedIndicator))
    _as(client, people, who)
    url = f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/dismiss"
    assert client.post(url).status_code == status
    assert _count(ProposedIndicator) == 1


def test_dismissing_needs_the_csrf_token(migrated_database, setup):
    people, ids = setup
    app: Flask = create_app(make_config(migrated_database, WTF_CSRF_ENABLED=True))
    browser = app.test_client()
    proposed = db.session.scalar(select(ProposedIndicator))
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = browser.post(
        "/login",
        data={"email": people["planner"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    url = f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/dismiss"
    assert browser.post(url).status_code == 400
    assert _count(ProposedIndicator) == 1
    listing = browser.get(f"/plans/{ids['plan']}/indicators").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
    assert browser.post(url, data={"csrf_token": token}).status_code == 302
    db.session.rollback()  # end the read transaction: see the other app's commit
    assert _count(ProposedIndicator) == 0
