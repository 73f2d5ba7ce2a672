"""Every JSON body of the API is bounded: nesting, size, lists; any body gets 4xx or success."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.api.bodies import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth
from app.core.extensions import db
from app.planner.models import Activity
from tests.conftest import login

# Every route of the API that reads a body, with a placeholder for the plan and activity.
WRITES = [
    ("POST", "/api/v1/plans"),
    ("PATCH", "/api/v1/plans/{plan}"),
    ("POST", "/api/v1/plans/{plan}/activities"),
    ("PATCH", "/api/v1/plans/{plan}/activities/{activity}"),
    ("POST", "/api/v1/plans/{plan}/adoptions"),
]


@pytest.fixture
def signed_in(client, two_institutions):
    people, ids = two_institutions
    login(client, people["planner"].email)
    return ids


def _path(path: str, ids: dict) -> str:
    return path.format(plan=ids["plan"], activity=ids["activity"])


def test_every_write_of_the_api_is_listed(app):
    writes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods & {"POST", "PATCH", "PUT"}
    }
    listed = {
        (m, p.replace("{plan}", "<int:plan_id>").replace("{activity}", "<int:activity_id>"))
        for m, p in WRITES
    }
    assert writes == listed


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_a_400(client, signed_in, method, path, depth):
    body = "[" * depth + "]" * depth
    response = client.open(
        _path(path, signed_in), method=method, data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nests deeper" in response.get_json()["error"]["detail"]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_body_over_the_size_limit_is_a_413(client, signed_in, method, path):
    body = json.dumps({"title": "x", "notes": "n" * MAX_JSON_BYTES})
    response = client.open(
        _path(path, signed_in), method=method, data=body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert json_depth(b'{"a": "[[[[[[[[\\"]]]]", "b": [{"c": []}]}') == 4
    assert json_depth(b"[]") == 1 and json_depth(b'"x"') == 0


def test_lists_in_bodies_are_bounded(client, signed_in):
    before = db.session.scalar(select(func.count()).select_from(Activity))
    response = client.post(
        _path("/api/v1/plans/{plan}/activities", signed_in),
        json={"title": "Many", "partners": [f"P{n}" for n in range(100_000)][:5000]},
    )
    assert response.status_code == 400
    assert "partners" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=30,
)
FIELDS = [
    "title",
    "format",
    "host",
    "start_date",
    "end_date",
    "recurrence",
    "budget_planned",
    "budget_actual",
    "effort_planned",
    "effort_actual",
    "partners",
    "responsible",
    "status",
    "notes",
    "evaluation",
    "target_groups",
    "mobility_stages",
    "version",
    "institution",
    "period_start",
    "period_end",
    "goals",
    "goals_text",
    "practice",
    "phases",
]
# Bodies shaped like the real ones (known fields, any values), and anything at all.
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8) | JSON


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(route=st.sampled_from(WRITES), body=BODIES)
def test_any_json_body_gets_4xx_or_success(client, signed_in, route, body):
    method, path = route
    response = client.open(
        _path(path, signed_in),
        method=method,
        data=json.dumps(body),  # NaN and Infinity as Python writes them: not JSON, still read
        content_type="application/json",
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json
    if response.status_code < 300:
        # What was stored reads back as valid JSON (no NaN, no Infinity).
        json.loads(response.get_data(as_text=True), parse_constant=_refuse)


def _refuse(constant: str) -> None:
    raise AssertionError(f"the API answered {constant}, which is not JSON")
