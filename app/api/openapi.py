"""The OpenAPI 3.1 document of /api/v1, built from the same lists the code uses."""

from __future__ import annotations

from typing import Any

from app.core.vocabularies import Vocabularies
from app.practices.services import FACETS, LIST_COLUMNS, SORTS

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
            "several values.",
            "schema": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": vocab.keys(facet.vocabulary),
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
            "title": "Capacity-building practice catalogue API",
            "version": "1.0.0",
            "description": "Read the catalogue of capacity-building practices for international "
            "offices. Errors always have the Error shape.",
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
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Full-text search over title, summary and body.",
                        },
                        *filter_parameters,
                        {
                            "name": "sort",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": list(SORTS)},
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "default": 1},
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
            }
        },
    }
