"""Who may reach what: every route declares a policy (the full matrix is test_access_matrix)."""

from __future__ import annotations

from app.permissions import POLICIES
from tests.conftest import login

# Flask's own endpoint: files of app/static, public by nature.
FRAMEWORK_ENDPOINTS = {"static"}


def test_every_route_declares_an_access_policy(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FRAMEWORK_ENDPOINTS:
            continue
        policy = getattr(app.view_functions[rule.endpoint], "access_policy", None)
        if policy not in POLICIES:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert undeclared == []


def test_refused_access_is_logged(client, two_institutions, caplog):
    import logging

    people, _ = two_institutions
    login(client, people["viewer"].email)
    with caplog.at_level(logging.WARNING, logger="app"):
        client.get("/institutions/uni-a/members")
    assert any(
        "refused" in r.getMessage()
        and "viewer@a.example" in r.getMessage()
        and "uni-a" in r.getMessage()
        for r in caplog.records
    )


def test_admin_only_pages(client, two_institutions):
    people, _ = two_institutions
    login(client, people["manager"].email)
    assert client.get("/admin/outbox").status_code == 403


def test_viewers_read_plans_and_curators_from_elsewhere_do_not(client, two_institutions):
    people, ids = two_institutions
    login(client, people["viewer"].email)
    assert client.get(f"/plans/{ids['plan']}").status_code == 200
    client.post("/logout")
    login(client, people["curator"].email)
    assert client.get(f"/plans/{ids['plan']}").status_code == 404


def test_adopting_into_another_institutions_plan_creates_nothing(
    client, two_institutions, make_practice
):
    from sqlalchemy import func, select

    from app.core.extensions import db
    from app.planner.models import Activity

    people, ids = two_institutions
    make_practice()
    login(client, people["outsider"].email)
    before = db.session.scalar(select(func.count()).select_from(Activity))
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": ids["plan"], "phases": ["setup"]}
    )
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before
