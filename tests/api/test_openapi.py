"""The OpenAPI document: generated from the models, filled in with this deployment's values."""

from __future__ import annotations

import json

import jsonschema
import schemathesis

from app.practices.schemas import PracticeQuery


def _refs(node):
    """Yield every $ref of a JSON document."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_valid_openapi_3_1(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    # The OpenAPI 3.1 meta-schema (schemathesis ships it), then each schema as JSON Schema.
    schemathesis.openapi.from_dict(spec).validate()
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_reference_resolves_and_no_mark_is_left(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    names = set(spec["components"]["schemas"])
    assert {ref.removeprefix("#/components/schemas/") for ref in _refs(spec)} <= names
    text = json.dumps(spec)
    assert "x-vocabulary" not in text and "x-config" not in text


def test_page_sizes_come_from_the_configuration(app, client):
    app.config.update(PAGE_SIZE=7, MAX_PAGE_SIZE=30)
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/practices"]["get"]["parameters"]}
    assert parameters["per_page"]["schema"]["default"] == 7
    assert parameters["per_page"]["schema"]["maximum"] == 30
    assert client.get("/api/v1/practices?per_page=30").status_code == 200
    answer = client.get("/api/v1/practices?per_page=31")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["fields"] == {"per_page": "at most 30"}


def test_the_query_parameters_are_the_query_models_fields(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = [p["name"] for p in spec["paths"]["/api/v1/practices"]["get"]["parameters"]]
    assert parameters == list(PracticeQuery.model_fields)


def test_an_error_without_fields_leaves_them_out(client):
    body = client.get("/api/v1/practices/nope").get_json()
    assert set(body["error"]) == {"status", "title", "detail"}
