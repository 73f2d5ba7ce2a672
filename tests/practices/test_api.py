"""The JSON API of the catalogue and its OpenAPI document."""

from __future__ import annotations

import jsonschema
import pytest

from app.practices.schemas import FACETS
from tests.conftest import listed_count


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def validate(spec, name, instance):
    """Validate a response body against a component schema of the OpenAPI document."""
    jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def test_list_matches_the_schema_and_the_page(client, catalogue, spec):
    response = client.get("/api/v1/practices?per_page=5")
    data = response.get_json()
    assert response.status_code == 200
    validate(spec, "PracticePage", data)
    assert data["total"] == listed_count()
    assert len(data["items"]) == 5
    assert data["pages"] == -(-data["total"] // 5)


def test_list_takes_the_same_filters_and_search_as_the_page(client, catalogue, spec):
    data = client.get(
        "/api/v1/practices?q=job+shadowing&category=capacity-building-staff"
    ).get_json()
    validate(spec, "PracticePage", data)
    assert data["items"][0]["slug"] == "sending-staff-on-job-shadowing"
    assert "[shadowing]" in data["items"][0]["highlight"]["title"].lower()
    assert data["sort"] == "relevance"
    assert all("capacity-building-staff" in item["categories"] for item in data["items"])
    selected = [v for v in data["facets"]["category"] if v["selected"]]
    assert [v["value"] for v in selected] == ["capacity-building-staff"]


def test_detail_has_every_field_and_phase_objects(client, catalogue, spec):
    response = client.get("/api/v1/practices/sending-staff-on-job-shadowing")
    data = response.get_json()
    validate(spec, "Practice", data)
    for phase in ("setup", "delivery"):
        assert set(data[phase]) == {"cost", "time", "effort", "actors", "partners", "indicators"}
        assert {"name", "unit", "direction"} <= set(data[phase]["indicators"][0])
    assert data["withdrawn"] is False
    assert data["body"].startswith("##")


def test_unknown_slug_is_a_json_404(client, spec):
    response = client.get("/api/v1/practices/nope")
    assert response.status_code == 404
    validate(spec, "Error", response.get_json())
    assert response.get_json()["error"]["status"] == 404


def test_bad_filter_is_a_json_400_naming_the_field(client, spec):
    response = client.get("/api/v1/practices?category=astrology&setup_cost=7")
    body = response.get_json()
    assert response.status_code == 400
    validate(spec, "Error", body)
    assert set(body["error"]["fields"]) == {"category", "setup_cost"}
    assert "allowed: capacity-building-staff" in body["error"]["fields"]["category"]


def test_unknown_api_path_is_json_too(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["title"] == "Not Found"


def test_method_not_allowed_is_json(client):
    response = client.post("/api/v1/practices")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


def test_openapi_filter_enums_come_from_the_vocabularies(spec, vocab):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/practices"]["get"]["parameters"]}
    assert parameters["category"]["schema"]["items"]["enum"] == ["", *vocab.keys("categories")]
    assert set(parameters) >= {f.name for f in FACETS} | {"q", "sort", "page", "per_page"}


def test_query_problems_are_said_as_before(client):
    """The messages of the query model are the ones the catalogue has always given."""
    fields = client.get(
        "/api/v1/practices?q=" + "x" * 201 + "&sort=random&page=0&per_page=1000&importance=vital"
    ).get_json()["error"]["fields"]
    assert fields == {
        "q": "at most 200 characters",
        "sort": "unknown sort 'random'; allowed: relevance, title, setup_cost, "
        "delivery_cost, effort, importance, updated",
        "page": "must be a whole number of at least 1",
        "per_page": "at most 100",
        "importance": "unknown value 'vital'; allowed: essential, important, nice-to-have",
    }
    assert client.get("/api/v1/practices?q=%3F!").get_json()["error"]["fields"] == {
        "q": "no words to search for in '?!'"
    }
    assert client.get("/api/v1/practices?page=100001").get_json()["error"]["fields"] == {
        "page": "at most 100000"
    }
