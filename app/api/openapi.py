"""The OpenAPI 3.1 document of /api/v1: a table of operations, generated from their models.

The pydantic models that validate every request and build every answer describe them here
too, so the document cannot drift from the code. What only a deployment knows is filled in
when the document is served: the keys of its vocabularies (data/vocabularies.yml, read at run
time) as enums, and its page sizes from the configuration.

Why no library (flask-openapi3, spectree): both generate the document from pydantic models as
well, but they take over routing and validation, answer an invalid request with their own
error shape (422 and pydantic's list) instead of the API's one Error shape, and describe each
model once, at start-up, where the enums here are each deployment's vocabularies. The models
already do the validating; what is left, laying them out as a document, is the table below
and a generator of fifty lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from app.api.event_schemas import (
    ApplicationPage,
    ApplicationQuery,
    EventOut,
    EventPage,
    EventQuery,
)
from app.core.errors import Error
from app.core.validation import CONFIG_MARK, VOCABULARY_MARK
from app.core.vocabularies import Vocabularies
from app.planner.schemas import (
    ActivityCreate,
    ActivityList,
    ActivityOut,
    ActivityPatch,
    AdoptionCreate,
    PlanCreate,
    PlanList,
    PlanOut,
    PlanPatch,
)
from app.practices.schemas import PracticeDetail, PracticePage, PracticeQuery

DESCRIPTION = (
    "Read the catalogue of capacity-building practices for international offices; read and "
    "write an institution's plans and activities. The catalogue is public; plans need a "
    "personal API token (made on the account page, sent as `Authorization: Bearer <token>`) "
    "or a signed-in browser session, whose changes also need the page's CSRF token in the "
    "X-CSRFToken header. Hosted events' calls are public; their applications answer only the "
    "event's organisers and its selection committee. Errors always have the Error shape."
)


class Conflict(Error):
    """A change based on a stale version: the error, and the saved version to merge with."""

    current: PlanOut | ActivityOut = Field(description="The saved version (a Plan or an Activity).")


@dataclass(frozen=True)
class Answer:
    """A response of an operation: what it means, and the model of its body (if any)."""

    description: str
    model: type[BaseModel] | None = None
    schema: dict[str, Any] | None = None  # a body no model describes


@dataclass(frozen=True)
class Operation:
    """One method on one path: who may call it, what it takes and what it answers."""

    method: str
    path: str
    operation_id: str
    summary: str
    answers: dict[int, Answer]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    secured: bool = False
    # Query parameters no model describes: name -> (schema, description).
    parameters: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)


# The schema of each path parameter (the routes' converters).
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "slug": {"type": "string"},
    "plan_id": {"type": "integer"},
    "activity_id": {"type": "integer"},
    "event_id": {"type": "integer"},
}
# Components named otherwise than their model (the SQL model is Practice).
COMPONENT_NAMES: dict[type[BaseModel], str] = {PracticeDetail: "Practice"}

UNAUTHORISED = Answer("No valid token or session.", Error)
FORBIDDEN = Answer("Your role in the plan's institution does not allow this.", Error)
INVALID = Answer("The body is invalid; `fields` says what is wrong where.", Error)
CONFLICT = Answer("Your version is stale; `current` is the saved one.", Conflict)


def missing(what: str) -> Answer:
    """Answer a request for an object that is not there, or not the caller's to see."""
    return Answer(f"No such {what}, or it belongs to another institution.", Error)


def change(status: int, done: Answer, where: str, *, versioned: bool = False) -> dict[int, Answer]:
    """Answer a change: what was saved, or why not (a versioned one can also be stale)."""
    answers = {
        status: done,
        400: INVALID,
        401: UNAUTHORISED,
        403: FORBIDDEN,
        404: missing(where),
    }
    return answers | ({409: CONFLICT} if versioned else {})


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/api/v1/practices",
        "listPractices",
        "Search and filter practice sheets",
        {
            200: Answer("A page of practices with facet counts.", PracticePage),
            400: Answer("A search, filter, sort or page value is invalid.", Error),
        },
        query=PracticeQuery,
    ),
    Operation(
        "get",
        "/api/v1/practices/{slug}",
        "getPractice",
        "Read one whole practice sheet",
        {
            200: Answer("The practice sheet.", PracticeDetail),
            404: Answer("No practice has this slug.", Error),
        },
    ),
    Operation(
        "get",
        "/api/v1/plans",
        "listPlans",
        "List the plans of your institutions, newest first",
        {200: Answer("The plans you can read.", PlanList), 401: UNAUTHORISED},
        secured=True,
        parameters={
            "institution": (
                {"type": "string"},
                "Only the plans of the institution with this slug.",
            )
        },
    ),
    Operation(
        "post",
        "/api/v1/plans",
        "createPlan",
        "Start a draft plan (planners and managers)",
        change(201, Answer("The new plan.", PlanOut), "institution"),
        body=PlanCreate,
        secured=True,
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan_id}",
        "getPlan",
        "Read a plan with its totals and activities",
        {200: Answer("The plan.", PlanOut), 401: UNAUTHORISED, 404: missing("plan")},
        secured=True,
    ),
    Operation(
        "patch",
        "/api/v1/plans/{plan_id}",
        "updatePlan",
        "Change a plan's fields (planners); send the version you based it on",
        change(200, Answer("The saved plan.", PlanOut), "plan", versioned=True),
        body=PlanPatch,
        secured=True,
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan_id}/activities",
        "listActivities",
        "List a plan's activities",
        {200: Answer("The activities.", ActivityList), 401: UNAUTHORISED, 404: missing("plan")},
        secured=True,
    ),
    Operation(
        "post",
        "/api/v1/plans/{plan_id}/activities",
        "createActivity",
        "Add a custom activity (planners)",
        change(201, Answer("The new activity.", ActivityOut), "plan"),
        body=ActivityCreate,
        secured=True,
    ),
    Operation(
        "post",
        "/api/v1/plans/{plan_id}/adoptions",
        "adoptPractice",
        "Adopt a practice: one pre-filled activity per phase (planners)",
        change(201, Answer("The activities made from the practice.", ActivityList), "plan"),
        body=AdoptionCreate,
        secured=True,
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan_id}/activities/{activity_id}",
        "getActivity",
        "Read one activity",
        {200: Answer("The activity.", ActivityOut), 401: UNAUTHORISED, 404: missing("activity")},
        secured=True,
    ),
    Operation(
        "patch",
        "/api/v1/plans/{plan_id}/activities/{activity_id}",
        "updateActivity",
        "Change an activity's fields (planners); send the version you based it on",
        change(200, Answer("The saved activity.", ActivityOut), "activity", versioned=True),
        body=ActivityPatch,
        secured=True,
    ),
    Operation(
        "delete",
        "/api/v1/plans/{plan_id}/activities/{activity_id}",
        "deleteActivity",
        "Delete an activity (planners)",
        {204: Answer("Deleted."), 401: UNAUTHORISED, 403: FORBIDDEN, 404: missing("activity")},
        secured=True,
    ),
    Operation(
        "get",
        "/api/v1/events",
        "listEvents",
        "List the published calls for applications: open now, opening later, of an institution, "
        "by track topic",
        {
            200: Answer("A page of calls (nothing of their applicants).", EventPage),
            400: Answer("A filter or page value is invalid.", Error),
        },
        query=EventQuery,
    ),
    Operation(
        "get",
        "/api/v1/events/{event_id}",
        "getEvent",
        "Read a call with its tracks, questions and application window",
        {
            200: Answer("The call (a draft only to its organisers).", EventOut),
            404: Answer("No published event has this id.", Error),
        },
    ),
    Operation(
        "get",
        "/api/v1/events/{event_id}/applications",
        "listEventApplications",
        "List an event's applications with their decisions (its organisers; committee members "
        "for their tracks)",
        {
            200: Answer("A page of applications, with personal data.", ApplicationPage),
            400: Answer("A page value is invalid.", Error),
            401: UNAUTHORISED,
            404: Answer("No such event, or you neither organise it nor review for it.", Error),
        },
        query=ApplicationQuery,
        secured=True,
    ),
    Operation(
        "get",
        "/api/v1/openapi.json",
        "getOpenApi",
        "This document",
        {200: Answer("The OpenAPI document.", schema={"type": "object"})},
    ),
)


# --- the generator -----------------------------------------------------------------------------


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{COMPONENT_NAMES.get(model, model.__name__)}"}


def _components() -> dict[str, Any]:
    """Describe every request body (as validated) and response body (as serialised)."""
    bodies = {op.body for op in OPERATIONS if op.body is not None}
    answers = {a.model for op in OPERATIONS for a in op.answers.values() if a.model is not None}
    _, top = models_json_schema(
        [(model, "validation") for model in sorted(bodies, key=lambda m: m.__name__)]
        + [(model, "serialization") for model in sorted(answers, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = top["$defs"]
    for model, name in COMPONENT_NAMES.items():
        schemas[name] = schemas.pop(model.__name__)
    return schemas


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """List a query model's fields as the query parameters of an operation."""
    properties = model.model_json_schema(mode="validation")["properties"]
    parameters = []
    for name, schema in properties.items():
        schema = {k: v for k, v in schema.items() if k not in ("title", "description")}
        parameter = {"name": name, "in": "query", "required": False, "schema": schema}
        if "description" in properties[name]:
            parameter["description"] = properties[name]["description"]
        if schema.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters


def _operation(op: Operation) -> dict[str, Any]:
    """Describe one operation from its row of the table."""
    parameters = _query_parameters(op.query) if op.query is not None else []
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, (schema, text) in op.parameters.items()
    ]
    responses: dict[str, Any] = {}
    for status, answer in op.answers.items():
        schema = _ref(answer.model) if answer.model is not None else answer.schema
        responses[str(status)] = {"description": answer.description}
        if schema is not None:
            responses[str(status)]["content"] = {"application/json": {"schema": schema}}
    described: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    if op.secured:
        described["security"] = [{"token": []}, {"session": []}]
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return described | {"responses": responses}


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        item = paths.setdefault(op.path, {})
        names = re.findall(r"{(\w+)}", op.path)
        if names:
            item["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
                for name in names
            ]
        item[op.method] = _operation(op)
    return paths


def _fill_in(node: Any, vocab: Vocabularies, config: Mapping[str, Any]) -> Any:
    """Replace the marks of vocabulary_key and the like with this deployment's values."""
    if isinstance(node, list):
        return [_fill_in(value, vocab, config) for value in node]
    if not isinstance(node, dict):
        return node
    filled = {
        key: _fill_in(value, vocab, config)
        for key, value in node.items()
        if key not in (VOCABULARY_MARK, CONFIG_MARK)
    }
    if VOCABULARY_MARK in node:
        filled["enum"] = [*node.get("enum", []), *vocab.keys(node[VOCABULARY_MARK])]
    for keyword, setting in node.get(CONFIG_MARK, {}).items():
        filled[keyword] = config[setting]
    return filled


def build_openapi(vocab: Vocabularies, config: Mapping[str, Any]) -> dict[str, Any]:
    """Describe the API, with this deployment's vocabularies as enums and its page sizes."""
    return _fill_in(_document(), vocab, config)


@cache
def _document() -> dict[str, Any]:
    """Describe the API with the marks of what each deployment fills in (made once)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Staff Capacity Planner API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
