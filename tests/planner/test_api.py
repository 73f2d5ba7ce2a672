"""The planner's JSON API: plans and activities, by token or session, with the pages' rules."""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.core.extensions import db
from app.planner.models import Activity, Plan
from tests.conftest import login


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def conforms(spec, name, instance):
    """Validate a body against a component schema of the OpenAPI document."""
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


@pytest.fixture
def tokens(app, two_institutions):
    """A bearer header for each person of the two-institution fixture."""
    people, ids = two_institutions
    headers = {}
    for who, user in people.items():
        _, secret = accounts.create_api_token(user, "tests", 30)
        headers[who] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()
    return headers, ids


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Every route of the API under a plan, for the matrix: (method, path, minimum role).
API_ROUTES = [
    ("GET", "/api/v1/plans/{plan}", "viewer"),
    ("PATCH", "/api/v1/plans/{plan}", "planner"),
    ("GET", "/api/v1/plans/{plan}/activities", "viewer"),
    ("POST", "/api/v1/plans/{plan}/activities", "planner"),
    ("POST", "/api/v1/plans/{plan}/adoptions", "planner"),
    ("GET", "/api/v1/plans/{plan}/activities/{activity}", "viewer"),
    ("PATCH", "/api/v1/plans/{plan}/activities/{activity}", "planner"),
    ("DELETE", "/api/v1/plans/{plan}/activities/{activity}", "planner"),
]
RANK = {"viewer": 1, "planner": 2, "manager": 3, "admin": 3}


def test_every_plan_route_of_the_api_is_in_the_matrix(app):
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/plans/<int:plan_id>")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {
        (path.replace("{plan}", "<int:plan_id>").replace("{activity}", "<int:activity_id>"), m)
        for m, path, _ in API_ROUTES
    }
    assert routes == listed


def _call(client, method, path, ids, headers):
    # A body that is valid where one is needed, so that only permissions can refuse it.
    bodies = {
        ("PATCH", "activity"): {"version": 1, "notes": "x"},
        ("PATCH", "plan"): {"version": 1, "goals_text": "x"},
        ("POST", "activities"): {"title": "Custom"},
        ("POST", "adoptions"): {"practice": "peer-learning-circle", "phases": ["setup"]},
    }
    last = "activity" if "{activity}" in path else path.rsplit("/", 1)[-1]
    last = "plan" if last == "{plan}" else last
    return client.open(
        path.format(**ids),
        method=method,
        json=bodies.get((method, last)),
        headers=headers,
    )


@pytest.mark.parametrize("who", ["viewer", "planner", "manager", "admin", "outsider", "curator"])
@pytest.mark.parametrize(("method", "path", "needs"), API_ROUTES)
def test_api_permissions_match_the_pages(client, tokens, make_practice, who, method, path, needs):
    headers, ids = tokens
    make_practice()
    response = _call(client, method, path, ids, headers[who])
    if who in ("outsider", "curator"):
        assert response.status_code == 404
    elif RANK[who] < RANK[needs]:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 201, 204), response.get_json()


@pytest.mark.parametrize(("method", "path", "needs"), API_ROUTES)
def test_api_without_credentials_is_401_in_json(client, tokens, method, path, needs):
    _, ids = tokens
    response = _call(client, method, path, ids, {})
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_list_shows_only_plans_of_ones_institutions(client, tokens, spec):
    headers, ids = tokens
    data = client.get("/api/v1/plans", headers=headers["viewer"]).get_json()
    conforms(spec, "PlanList", data)
    assert [p["id"] for p in data["items"]] == [ids["plan"]] and data["total"] == 1
    assert client.get("/api/v1/plans", headers=headers["outsider"]).get_json()["total"] == 0
    other = client.get("/api/v1/plans?institution=uni-b", headers=headers["viewer"]).get_json()
    assert other["items"] == []


def test_create_plan_as_planner(client, tokens, spec):
    headers, _ = tokens
    response = client.post(
        "/api/v1/plans",
        headers=headers["planner"],
        json={
            "institution": "uni-a",
            "title": "API plan",
            "period_start": "2028-01-01",
            "period_end": "2028-12-31",
            "goals": ["better-communication"],
        },
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    conforms(spec, "PlanOut", data)
    assert response.headers["Location"].endswith(f"/api/v1/plans/{data['id']}")
    assert data["owner"] == "planner@a.example" and data["status"] == "draft"
    assert data["totals"]["budget_planned"] == 0 and data["activities"] == []


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [("viewer", "uni-a", 403), ("outsider", "uni-a", 404), ("planner", "no-such", 404)],
)
def test_create_plan_is_refused_without_the_role(client, tokens, who, slug, status):
    headers, _ = tokens
    before = count(Plan)
    response = client.post(
        "/api/v1/plans",
        headers=headers[who],
        json={
            "institution": slug,
            "title": "X",
            "period_start": "2028-01-01",
            "period_end": "2028-12-31",
        },
    )
    assert response.status_code == status
    assert count(Plan) == before


def test_invalid_plan_lists_every_problem_and_creates_nothing(client, tokens):
    headers, _ = tokens
    before = count(Plan)
    response = client.post(
        "/api/v1/plans",
        headers=headers["planner"],
        json={
            "institution": "uni-a",
            "title": "",
            "period_start": "2028-13-01",
            "goals": ["world-peace"],
        },
    )
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"title", "period_start", "period_end", "goals.0"}
    assert "world-peace" in fields["goals.0"]
    assert count(Plan) == before


@pytest.mark.parametrize("extra", ["id", "institution_id", "owner_id", "version", "feed_token"])
def test_fields_a_client_does_not_own_are_refused(client, tokens, extra):
    headers, _ = tokens
    before = count(Plan)
    response = client.post(
        "/api/v1/plans",
        headers=headers["planner"],
        json={
            "institution": "uni-a",
            "title": "X",
            "period_start": "2028-01-01",
            "period_end": "2028-12-31",
            extra: 99,
        },
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {extra: "unknown field"}
    assert count(Plan) == before


def test_patch_activity_ignores_nothing_it_does_not_own(client, tokens):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    response = client.patch(
        url, headers=headers["planner"], json={"version": 1, "plan_id": 999, "id": 5}
    )
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"plan_id", "id"}
    assert db.session.get(Activity, ids["activity"]).plan_id == ids["plan"]


def test_body_must_be_a_json_object(client, tokens):
    headers, ids = tokens
    response = client.post(
        f"/api/v1/plans/{ids['plan']}/activities", headers=headers["planner"], data="title=x"
    )
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["fields"]["body"]


def test_plan_detail_has_totals_activities_and_occurrences(client, tokens, spec):
    headers, ids = tokens
    created = client.post(
        f"/api/v1/plans/{ids['plan']}/activities",
        headers=headers["planner"],
        json={
            "title": "Staff week",
            "start_date": "2027-03-01",
            "end_date": "2027-03-05",
            "recurrence": "FREQ=MONTHLY;INTERVAL=6",
            "budget_planned": 1200.5,
            "effort_planned": "3.5",
            "status": "planned",
            "partners": ["Partner U"],
            "target_groups": ["administrative-staff"],
        },
    )
    assert created.status_code == 201, created.get_json()
    conforms(spec, "ActivityOut", created.get_json())
    assert [o["start"] for o in created.get_json()["occurrences"]] == ["2027-03-01", "2027-09-01"]
    data = client.get(f"/api/v1/plans/{ids['plan']}", headers=headers["viewer"]).get_json()
    conforms(spec, "PlanOut", data)
    assert data["totals"]["budget_planned"] == 1200.5
    assert data["totals"]["effort_planned"] == 3.5
    week = next(a for a in data["activities"] if a["title"] == "Staff week")
    assert [c["status"] for c in week["status_changes"]] == ["planned"]
    assert week["status_changes"][0]["changed_by"] == "planner@a.example"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "X", "start_date": "2027-03-05", "end_date": "2027-03-01"}, "end_date"),
        ({"title": "X", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"title": "X", "recurrence": "FREQ=WEEKLY"}, "start_date"),
        ({"title": "X", "budget_planned": -1}, "budget_planned"),
        ({"title": "X", "format": "by-pigeon"}, "format"),
        ({"title": "X", "target_groups": ["cats"]}, "target_groups.0"),
    ],
)
def test_invalid_activity_is_refused(client, tokens, body, field):
    headers, ids = tokens
    before = count(Activity)
    response = client.post(
        f"/api/v1/plans/{ids['plan']}/activities", headers=headers["planner"], json=body
    )
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert count(Activity) == before


def test_adoption_prefills_from_the_sheet(client, tokens, make_practice, spec):
    headers, ids = tokens
    make_practice()
    response = client.post(
        f"/api/v1/plans/{ids['plan']}/adoptions",
        headers=headers["planner"],
        json={"practice": "peer-learning-circle"},
    )
    assert response.status_code == 201
    data = response.get_json()
    conforms(spec, "ActivityList", data)
    assert [a["phase"] for a in data["items"]] == ["setup", "delivery"]
    setup = data["items"][0]
    assert setup["practice"] == "peer-learning-circle"
    assert set(setup["guidance"]) == {"cost", "time", "effort"}
    assert setup["checklist"] and setup["indicators"]


def test_adopting_an_unknown_practice_is_a_400(client, tokens):
    headers, ids = tokens
    response = client.post(
        f"/api/v1/plans/{ids['plan']}/adoptions",
        headers=headers["planner"],
        json={"practice": "no-such-practice"},
    )
    assert response.status_code == 400
    assert "practice" in response.get_json()["error"]["fields"]


def test_patch_activity_records_the_status_change_and_bumps_the_version(client, tokens, spec):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    response = client.patch(
        url, headers=headers["planner"], json={"version": 1, "status": "done", "budget_actual": 80}
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    conforms(spec, "ActivityOut", data)
    assert data["version"] == 2 and data["status"] == "done" and data["budget_actual"] == 80
    assert data["status_changes"][-1]["status"] == "done"


def test_a_patchs_answer_is_what_is_saved(client, tokens):
    # The answer is made before the commit (app/planner/api.py): it must be what a read of
    # the saved activity gives, every field, with numbers at their stored precision.
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    body = {
        "version": 1,
        "status": "in_progress",
        "title": "  Workshop ✓ ",
        "budget_planned": 1234.5,
        "effort_planned": 2.5,
        "budget_actual": 0.1,
        "target_groups": ["administrative-staff"],
        "notes": "Rooms **booked**",
        "start_date": "2027-02-01",
        "end_date": "2027-02-03",
        "recurrence": "FREQ=MONTHLY;INTERVAL=6",
    }
    answer = client.patch(url, headers=headers["planner"], json=body)
    assert answer.status_code == 200, answer.get_json()
    db.session.remove()  # nothing of the request's session is reused
    assert client.get(url, headers=headers["planner"]).get_json() == answer.get_json()


def test_a_stale_patch_is_a_409_with_the_saved_version(client, tokens, spec):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    client.patch(url, headers=headers["planner"], json={"version": 1, "title": "First"})
    response = client.patch(url, headers=headers["manager"], json={"version": 1, "title": "Late"})
    assert response.status_code == 409
    data = response.get_json()
    conforms(spec, "Conflict", data)
    assert data["current"]["title"] == "First" and data["current"]["version"] == 2
    db.session.expire_all()
    assert db.session.get(Activity, ids["activity"]).title == "First"


def test_a_stale_plan_patch_is_a_409(client, tokens):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}"
    assert client.patch(url, headers=headers["planner"], json={"version": 1, "status": "active"})
    response = client.patch(url, headers=headers["planner"], json={"version": 1, "title": "Z"})
    assert response.status_code == 409
    assert response.get_json()["current"]["status"] == "active"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1, "end_date": "2026-01-01", "start_date": "2026-02-01"}, "end_date"),
        ({"version": 1, "title": None}, "title"),
        ({"title": "no version"}, "version"),
    ],
)
def test_invalid_activity_patch_changes_nothing(client, tokens, body, field):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    response = client.patch(url, headers=headers["planner"], json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    activity = db.session.get(Activity, ids["activity"])
    assert activity.version == 1 and activity.title == "Activity A"


def test_plan_patch_keeps_the_period_in_order(client, tokens):
    headers, ids = tokens
    response = client.patch(
        f"/api/v1/plans/{ids['plan']}",
        headers=headers["planner"],
        json={"version": 1, "period_end": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "period_end" in response.get_json()["error"]["fields"]


def test_delete_activity_then_it_is_gone(client, tokens):
    headers, ids = tokens
    url = f"/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    assert client.delete(url, headers=headers["planner"]).status_code == 204
    assert client.get(url, headers=headers["planner"]).status_code == 404
    assert db.session.get(Activity, ids["activity"]) is None


def test_an_activity_of_another_plan_is_not_found_under_this_one(client, tokens):
    headers, ids = tokens
    other = client.post(
        "/api/v1/plans",
        headers=headers["planner"],
        json={
            "institution": "uni-a",
            "title": "Other",
            "period_start": "2028-01-01",
            "period_end": "2028-12-31",
        },
    ).get_json()
    url = f"/api/v1/plans/{other['id']}/activities/{ids['activity']}"
    assert client.get(url, headers=headers["planner"]).status_code == 404


def test_the_session_of_a_signed_in_browser_works_too(client, two_institutions):
    people, ids = two_institutions
    login(client, people["viewer"].email)
    assert client.get(f"/api/v1/plans/{ids['plan']}").status_code == 200


def test_every_api_route_is_in_the_openapi_document(app, spec):
    assert spec["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


def test_number_limits_are_said_in_plain_words(client, tokens):
    headers, ids = tokens
    response = client.post(
        f"/api/v1/plans/{ids['plan']}/activities",
        headers=headers["planner"],
        json={"title": "x", "budget_planned": -3, "recurrence": "FREQ=HOURLY"},
    )
    fields = response.get_json()["error"]["fields"]
    assert fields["budget_planned"] == "Must be at least 0, not -3."
    assert "FREQ must be one of WEEKLY, MONTHLY, YEARLY" in fields["recurrence"]
