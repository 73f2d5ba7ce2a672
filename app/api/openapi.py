"""The OpenAPI 3.1 document of /api/v1, built from the same lists the code uses."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from app.core.vocabularies import Vocabularies
from app.planner import schemas as planner
from app.practices.schemas import ESTIMABLE
from app.practices.search import FACETS, MAX_PAGE, SORTS
from app.practices.services import LIST_COLUMNS

STRING_LIST = {"type": "array", "items": {"type": "string"}}
LEVEL = {"type": "integer", "minimum": 1, "maximum": 3}


def _enum(vocab: Vocabularies, name: str) -> dict[str, Any]:
    keys = vocab.keys(name)
    return {"type": "string", "enum": keys}


def build_openapi(vocab: Vocabularies) -> dict[str, Any]:
    """Describe the API, with the vocabularies of this deployment as enums."""
    filter_parameters = [
        {
            "name": facet.name,
            "in": "query",
            "required": False,
            "description": f"{facet.label} ({facet.group}); repeat or comma-separate for any of "
            "several values. An empty value is ignored (a form's empty field).",
            "schema": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["", *vocab.keys(facet.vocabulary)],
                },
            },
            "style": "form",
            "explode": True,
        }
        for facet in FACETS
    ]
    phase_levels = {
        "type": "object",
        "required": ["cost", "time", "effort"],
        "properties": {"cost": LEVEL, "time": LEVEL, "effort": LEVEL},
    }
    indicator = {
        "type": "object",
        "required": ["name", "unit", "direction"],
        "properties": {
            "name": {"type": "string"},
            "unit": _enum(vocab, "indicator_units"),
            "direction": _enum(vocab, "directions"),
        },
    }
    phase = {
        "type": "object",
        "required": ["cost", "time", "effort", "actors", "partners", "indicators"],
        "properties": {
            "cost": LEVEL,
            "time": LEVEL,
            "effort": LEVEL,
            "actors": STRING_LIST,
            "partners": STRING_LIST,
            "indicators": {"type": "array", "items": indicator},
        },
    }

    def pairs(*names: str) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {
                "type": "object",
                "required": list(names),
                "properties": {name: {"type": "string"} for name in names},
            },
        }

    summary = {
        "type": "object",
        "required": [
            "slug",
            "title",
            "summary",
            "url",
            "page_url",
            "goals",
            "categories",
            "mobility_stages",
            "target_groups",
            "delivery_schedule",
            "importance",
            "scale_of_change",
            "setup",
            "delivery",
            "estimated",
        ],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "page_url": {"type": "string", "format": "uri"},
            "goals": {"type": "array", "items": _enum(vocab, "goals")},
            "categories": {"type": "array", "items": _enum(vocab, "categories")},
            "mobility_stages": {"type": "array", "items": _enum(vocab, "mobility_stages")},
            "target_groups": {"type": "array", "items": _enum(vocab, "target_groups")},
            "delivery_schedule": _enum(vocab, "delivery_schedules"),
            "importance": _enum(vocab, "importance"),
            "scale_of_change": LEVEL,
            "setup": phase_levels,
            "delivery": phase_levels,
            "estimated": {
                "type": "array",
                "description": "The ratings that are the editors' estimates, not facts of the "
                "sources: importance, scale_of_change, or a phase's level as setup.cost.",
                "items": {"type": "string", "enum": list(ESTIMABLE)},
            },
            "highlight": {
                "type": "object",
                "description": "Present when q is given; matched words are in [brackets].",
                "properties": {"title": {"type": "string"}, "snippet": {"type": "string"}},
            },
        },
    }
    detail = {
        "type": "object",
        "required": [
            *summary["required"],
            "body",
            "withdrawn",
            "updated_at",
            *LIST_COLUMNS,
        ],
        "properties": {
            **{k: v for k, v in summary["properties"].items() if k != "highlight"},
            "setup": phase,
            "delivery": phase,
            "body": {"type": "string", "description": "Markdown."},
            "withdrawn": {"type": "boolean"},
            "updated_at": {"type": "string", "format": "date-time"},
            "internal_actors": pairs("unit", "role"),
            "external_collaborators": pairs("organisation", "role"),
            "activity_types": pairs("name", "description"),
            "considerations": STRING_LIST,
            "challenges": STRING_LIST,
            "good_examples": pairs("name", "institution", "description"),
            "related": STRING_LIST,
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["title"],
                    "properties": {
                        "title": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
    }
    facet_value = {
        "type": "object",
        "required": ["value", "label", "count", "selected"],
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
        },
    }
    page = {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "sort", "facets"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/PracticeSummary"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": list(SORTS)},
            "facets": {
                "type": "object",
                "properties": {f.name: {"type": "array", "items": facet_value} for f in FACETS},
            },
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title", "detail"],
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Each invalid parameter with what is wrong.",
                    },
                },
            }
        },
    }

    def error_response(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }

    def ok(ref: str, description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Staff Capacity Planner API",
            "version": "1.0.0",
            "description": "Read the catalogue of capacity-building practices for international "
            "offices; read and write an institution's plans and activities. The catalogue is "
            "public; plans need a personal API token (made on the account page, sent as "
            "`Authorization: Bearer <token>`) or a signed-in browser session, whose changes "
            "also need the page's CSRF token in the X-CSRFToken header. Errors always have the "
            "Error shape.",
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/practices": {
                "get": {
                    "operationId": "listPractices",
                    "summary": "Search and filter practice sheets",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            # Empty for no search; otherwise at least one word character.
                            "schema": {"type": "string", "maxLength": 200, "pattern": "^$|\\w"},
                            "description": "Full-text search over title, summary and body: "
                            "at least one letter or digit.",
                        },
                        *filter_parameters,
                        {
                            "name": "sort",
                            "in": "query",
                            "required": False,
                            # Empty (a form's untouched field) means the default order.
                            "schema": {"type": "string", "enum": ["", *SORTS]},
                            "description": "The order; empty or absent: best match when "
                            "searching, else by title.",
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_PAGE,
                                "default": 1,
                            },
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 20,
                            },
                        },
                    ],
                    "responses": {
                        "200": ok("PracticePage", "A page of practices with facet counts."),
                        "400": error_response("A search, filter, sort or page value is invalid."),
                    },
                }
            },
            "/api/v1/practices/{slug}": {
                "get": {
                    "operationId": "getPractice",
                    "summary": "Read one whole practice sheet",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": ok("Practice", "The practice sheet."),
                        "404": error_response("No practice has this slug."),
                    },
                }
            },
            **_planner_paths(ok, error_response),
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "PracticeSummary": summary,
                "Practice": detail,
                "PracticePage": page,
                "Error": error,
                "Conflict": {
                    "type": "object",
                    "required": ["error", "current"],
                    "properties": {
                        "error": error["properties"]["error"],
                        "current": {
                            "description": "The saved version (a Plan or an Activity).",
                            "anyOf": [
                                {"$ref": "#/components/schemas/PlanOut"},
                                {"$ref": "#/components/schemas/ActivityOut"},
                            ],
                        },
                    },
                },
                **_planner_schemas(vocab),
            },
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


# Request fields whose items are keys of a vocabulary list (checked against it).
VOCABULARY_FIELDS = {
    "goals": "goals",
    "target_groups": "target_groups",
    "mobility_stages": "mobility_stages",
}


def _with_enums(node: Any, keys: list[str]) -> None:
    """Give every list of strings inside a property's schema the vocabulary's keys as enum."""
    if isinstance(node, dict):
        if node.get("type") == "array" and node.get("items", {}).get("type") == "string":
            node["items"]["enum"] = keys
        for value in node.values():
            _with_enums(value, keys)
    elif isinstance(node, list):
        for value in node:
            _with_enums(value, keys)


def _planner_schemas(vocab: Vocabularies) -> dict[str, Any]:
    """Describe the planner's requests and responses from the models that validate them."""
    _, top = models_json_schema(
        [(model, "validation") for model in planner.REQUEST_MODELS]
        + [(model, "serialization") for model in planner.RESPONSE_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    schemas = dict(top["$defs"])
    for model in planner.REQUEST_MODELS:
        properties = schemas[model.__name__].get("properties", {})
        for field, vocabulary in VOCABULARY_FIELDS.items():
            if field in properties:
                _with_enums(properties[field], vocab.keys(vocabulary))
    return schemas


def _planner_paths(ok: Any, error_response: Any) -> dict[str, Any]:
    """Describe the plan and activity endpoints: who may call them and what they answer."""
    secured = [{"token": []}, {"session": []}]

    def body(ref: str) -> dict[str, Any]:
        return {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        }

    def integer(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}

    unauthorised = error_response("No valid token or session.")
    forbidden = error_response("Your role in the plan's institution does not allow this.")
    invalid = error_response("The body is invalid; `fields` says what is wrong where.")
    conflict = {
        "description": "Your version is stale; `current` is the saved one.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}},
    }

    def missing(what: str) -> dict[str, Any]:
        return error_response(f"No such {what}, or it belongs to another institution.")

    def operation(operation_id: str, summary: str, **responses: Any) -> dict[str, Any]:
        return {
            "operationId": operation_id,
            "summary": summary,
            "security": secured,
            "responses": {code.lstrip("_"): value for code, value in responses.items()},
        }

    plan_id, activity_id = integer("plan_id"), integer("activity_id")
    return {
        "/api/v1/plans": {
            "get": {
                **operation(
                    "listPlans",
                    "List the plans of your institutions, newest first",
                    _200=ok("PlanList", "The plans you can read."),
                    _401=unauthorised,
                ),
                "parameters": [
                    {
                        "name": "institution",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "Only the plans of the institution with this slug.",
                    }
                ],
            },
            "post": {
                **operation(
                    "createPlan",
                    "Start a draft plan (planners and managers)",
                    _201=ok("PlanOut", "The new plan."),
                    _400=invalid,
                    _401=unauthorised,
                    _403=forbidden,
                    _404=missing("institution"),
                ),
                "requestBody": body("PlanCreate"),
            },
        },
        "/api/v1/plans/{plan_id}": {
            "parameters": [plan_id],
            "get": operation(
                "getPlan",
                "Read a plan with its totals and activities",
                _200=ok("PlanOut", "The plan."),
                _401=unauthorised,
                _404=missing("plan"),
            ),
            "patch": {
                **operation(
                    "updatePlan",
                    "Change a plan's fields (planners); send the version you based it on",
                    _200=ok("PlanOut", "The saved plan."),
                    _400=invalid,
                    _401=unauthorised,
                    _403=forbidden,
                    _404=missing("plan"),
                    _409=conflict,
                ),
                "requestBody": body("PlanPatch"),
            },
        },
        "/api/v1/plans/{plan_id}/activities": {
            "parameters": [plan_id],
            "get": operation(
                "listActivities",
                "List a plan's activities",
                _200=ok("ActivityList", "The activities."),
                _401=unauthorised,
                _404=missing("plan"),
            ),
            "post": {
                **operation(
                    "createActivity",
                    "Add a custom activity (planners)",
                    _201=ok("ActivityOut", "The new activity."),
                    _400=invalid,
                    _401=unauthorised,
                    _403=forbidden,
                    _404=missing("plan"),
                ),
                "requestBody": body("ActivityCreate"),
            },
        },
        "/api/v1/plans/{plan_id}/adoptions": {
            "parameters": [plan_id],
            "post": {
                **operation(
                    "adoptPractice",
                    "Adopt a practice: one pre-filled activity per phase (planners)",
                    _201=ok("ActivityList", "The activities made from the practice."),
                    _400=invalid,
                    _401=unauthorised,
                    _403=forbidden,
                    _404=missing("plan"),
                ),
                "requestBody": body("AdoptionCreate"),
            },
        },
        "/api/v1/plans/{plan_id}/activities/{activity_id}": {
            "parameters": [plan_id, activity_id],
            "get": operation(
                "getActivity",
                "Read one activity",
                _200=ok("ActivityOut", "The activity."),
                _401=unauthorised,
                _404=missing("activity"),
            ),
            "patch": {
                **operation(
                    "updateActivity",
                    "Change an activity's fields (planners); send the version you based it on",
                    _200=ok("ActivityOut", "The saved activity."),
                    _400=invalid,
                    _401=unauthorised,
                    _403=forbidden,
                    _404=missing("activity"),
                    _409=conflict,
                ),
                "requestBody": body("ActivityPatch"),
            },
            "delete": operation(
                "deleteActivity",
                "Delete an activity (planners)",
                _204={"description": "Deleted."},
                _401=unauthorised,
                _403=forbidden,
                _404=missing("activity"),
            ),
        },
    }
