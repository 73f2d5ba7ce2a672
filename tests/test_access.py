"""Who may reach what: every route declares a policy; institutions keep their data to themselves."""

from __future__ import annotations

import pytest

from app.permissions import POLICIES
from tests.conftest import login

# Flask's own endpoint: files of app/static, public by nature.
FRAMEWORK_ENDPOINTS = {"static"}

# Every route of an institution that only its managers reach: (method, path template).
MANAGER_ROUTES = [
    ("GET", "/institutions/{slug}/edit"),
    ("POST", "/institutions/{slug}/edit"),
    ("POST", "/institutions/{slug}/units"),
    ("POST", "/institutions/{slug}/units/{unit}/delete"),
    ("GET", "/institutions/{slug}/units"),
    ("GET", "/institutions/{slug}/invitations"),
    ("POST", "/institutions/{slug}/memberships"),
    ("POST", "/institutions/{slug}/memberships/{membership}/delete"),
    ("GET", "/institutions/{slug}/memberships"),
    ("POST", "/institutions/{slug}/partnerships"),
    ("POST", "/institutions/{slug}/partnerships/{partnership}/delete"),
    ("GET", "/institutions/{slug}/partnerships"),
    ("GET", "/institutions/{slug}/members"),
    ("POST", "/institutions/{slug}/invitations"),
    ("POST", "/institutions/{slug}/members/{member}/role"),
    ("GET", "/institutions/{slug}/members/{member}/remove"),
    ("POST", "/institutions/{slug}/members/{member}/remove"),
    ("POST", "/institutions/{slug}/invitations/{invitation}/revoke"),
    ("POST", "/plans/{plan}/approvals"),
    ("POST", "/plans/{plan}/approvals/{approval}/reopen"),
]


def test_every_route_declares_an_access_policy(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FRAMEWORK_ENDPOINTS:
            continue
        policy = getattr(app.view_functions[rule.endpoint], "access_policy", None)
        if policy not in POLICIES:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert undeclared == []


# Routes of a plan or of starting one, for its institution's planners and managers.
PLANNER_ROUTES = [
    ("GET", "/institutions/{slug}/plans/new"),
    ("POST", "/institutions/{slug}/plans/new"),
    ("GET", "/plans/{plan}/activities/new"),
    ("POST", "/plans/{plan}/activities/new"),
    ("GET", "/plans/{plan}/activities/{activity}/edit"),
    ("POST", "/plans/{plan}/activities/{activity}/edit"),
    ("GET", "/plans/{plan}/activities/{activity}/delete"),
    ("POST", "/plans/{plan}/activities/{activity}/delete"),
    ("GET", "/plans/{plan}/edit"),
    ("POST", "/plans/{plan}/edit"),
    ("GET", "/plans/{plan}/copy"),
    ("GET", "/plans/{plan}/import"),
    ("POST", "/plans/{plan}/import"),
    ("POST", "/plans/{plan}/copy"),
    ("POST", "/plans/{plan}/indicators/proposed/{proposed}/accept"),
    ("GET", "/plans/{plan}/indicators/new"),
    ("POST", "/plans/{plan}/indicators/new"),
    ("GET", "/plans/{plan}/indicators/{indicator}/edit"),
    ("POST", "/plans/{plan}/indicators/{indicator}/edit"),
    ("GET", "/plans/{plan}/indicators/{indicator}/delete"),
    ("POST", "/plans/{plan}/indicators/{indicator}/delete"),
    ("POST", "/plans/{plan}/values"),
    ("GET", "/plans/{plan}/values/import"),
    ("POST", "/plans/{plan}/values/import"),
]
VIEWER_ROUTES = [
    ("GET", "/plans/{plan}"),
    ("GET", "/plans/{plan}/export.csv"),
    ("GET", "/plans/{plan}/export.xlsx"),
    ("GET", "/plans/{plan}/export.md"),
    ("GET", "/plans/{plan}/indicators"),
    ("GET", "/plans/{plan}/indicators/{indicator}"),
    ("GET", "/plans/{plan}/indicators/{indicator}/values.csv"),
    ("GET", "/plans/{plan}/values"),
    ("GET", "/plans/{plan}/evidence/{evidence}"),
    ("GET", "/plans/{plan}/dashboard"),
    ("GET", "/plans/{plan}/dashboard/progress.csv"),
    ("GET", "/plans/{plan}/report"),
    ("GET", "/institutions/{slug}/overview"),
    ("GET", "/institutions/{slug}/overview/budget-by-year.csv"),
]
ALL_SCOPED = MANAGER_ROUTES + PLANNER_ROUTES + VIEWER_ROUTES


def test_every_institution_route_is_in_the_matrix_below(app):
    scoped = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/institutions/<slug>/", "/plans/<int:plan_id>"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    adapter = app.url_map.bind("localhost")
    ids = {
        "slug": "uni-a",
        "unit": 1,
        "member": 1,
        "invitation": 1,
        "membership": 1,
        "partnership": 1,
        "plan": 1,
        "activity": 1,
        "proposed": 1,
        "indicator": 1,
        "evidence": 1,
        "approval": 1,
    }
    covered = {
        (adapter.match(path.format(**ids), method=method)[0], method) for method, path in ALL_SCOPED
    }
    assert scoped == covered


def _refused(response) -> bool:
    """Tell whether a response turned the caller away (or sent them to sign in)."""
    return response.status_code in {401, 403, 404} or response.headers.get(
        "Location", ""
    ).startswith("/login")


def _call(client, method, template, ids):
    path = template.format(slug="uni-a", **ids)
    return client.open(
        path,
        method=method,
        data={
            "role": "viewer",
            "email": "x@example.org",
            "name": "X",
            "country": "Y",
            "kind": "other",
        },
    )


@pytest.mark.parametrize(("method", "template"), ALL_SCOPED)
def test_another_institution_gets_404(client, two_institutions, method, template):
    people, ids = two_institutions
    login(client, people["outsider"].email)
    assert _call(client, method, template, ids).status_code == 404


@pytest.mark.parametrize("who", ["planner", "viewer", "curator"])
@pytest.mark.parametrize(("method", "template"), MANAGER_ROUTES)
def test_members_without_the_manager_role_get_403_and_non_members_404(
    client, two_institutions, method, template, who
):
    people, ids = two_institutions
    login(client, people[who].email)
    expected = 404 if who == "curator" else 403
    assert _call(client, method, template, ids).status_code == expected


@pytest.mark.parametrize(("method", "template"), ALL_SCOPED)
def test_anonymous_visitors_are_sent_to_sign_in(client, two_institutions, method, template):
    _, ids = two_institutions
    response = _call(client, method, template, ids)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("who", ["manager", "admin"])
@pytest.mark.parametrize(("method", "template"), ALL_SCOPED)
def test_managers_and_admins_get_through(client, two_institutions, method, template, who):
    people, ids = two_institutions
    login(client, people[who].email)
    assert not _refused(_call(client, method, template, ids))


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


@pytest.mark.parametrize(("method", "template"), PLANNER_ROUTES)
def test_planners_reach_plan_work_and_viewers_get_403(client, two_institutions, method, template):
    people, ids = two_institutions
    login(client, people["planner"].email)
    assert not _refused(_call(client, method, template, ids))
    client.post("/logout")
    login(client, people["viewer"].email)
    assert _call(client, method, template, ids).status_code == 403


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
