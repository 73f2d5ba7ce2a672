"""JSON API of the planner: plans and their activities under /api/v1, read and write.

A thin layer over the planner's services with the same permissions as the pages: another
institution's plan is a 404, a viewer's change is a 403. Callers authenticate with a bearer
token or the browser session (app/api/auth.py).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from flask import Blueprint, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from app.core.conflicts import EditConflict
from app.core.errors import error_payload, json_error
from app.core.extensions import aware, db
from app.core.i18n import current_language
from app.core.urls import external_url
from app.core.validation import problems_by_field
from app.core.vocabularies import vocabularies
from app.institutions import services as institutions
from app.permissions import SIGNED_IN, access
from app.planner import schemas, services
from app.planner.models import Activity, Plan
from app.practices import services as practices

log = logging.getLogger(__name__)
bp = Blueprint("planner_api", __name__, url_prefix="/api/v1/plans")
Model = TypeVar("Model", bound=BaseModel)


class Invalid(Exception):
    """A request body that does not validate; `fields` says what is wrong where."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("invalid request body")
        self.fields = fields


@bp.errorhandler(Invalid)
def _invalid(error: Invalid) -> ResponseReturnValue:
    return json_error(400, "Bad Request", _("The request body is invalid."), fields=error.fields)


def _body(model: type[Model], plan: Plan | None = None) -> Model:
    """Validate the JSON body against a request model, or raise Invalid with every problem.

    With a plan, an activity's dates are checked against its period.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid({"body": _("Send a JSON object (Content-Type: application/json).")})
    context: dict[str, Any] = {"vocab": vocabularies()}
    if plan is not None:
        context["period"] = (plan.period_start, plan.period_end)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise Invalid(problems_by_field(error)) from None


def _activity(plan: Plan, activity_id: int) -> Activity:
    activity = services.get_activity(plan, activity_id)
    if activity is None:
        abort(
            404,
            description=_(
                "There is no activity %(activity)s in plan %(plan)s.",
                activity=activity_id,
                plan=plan.id,
            ),
        )
    return activity


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def serialize_activity(activity: Activity, units: dict[int, str]) -> schemas.ActivityOut:
    """Return every field of an activity, with its occurrences."""
    return schemas.ActivityOut(
        id=activity.id,
        plan_id=activity.plan_id,
        url=external_url("planner_api.activity", plan_id=activity.plan_id, activity_id=activity.id),
        practice=activity.practice.slug if activity.practice else None,
        phase=activity.phase,  # type: ignore[arg-type]
        title=activity.title,
        format=activity.format,  # type: ignore[arg-type]
        host=activity.host,
        start_date=activity.start_date,
        end_date=activity.end_date,
        recurrence=activity.recurrence,
        occurrences=[
            schemas.OccurrenceOut(start=o.start, end=o.end) for o in services.occurrences(activity)
        ],
        budget_planned=float(activity.budget_planned),
        budget_actual=None if activity.budget_actual is None else float(activity.budget_actual),
        effort_planned=float(activity.effort_planned),
        effort_actual=None if activity.effort_actual is None else float(activity.effort_actual),
        guidance=activity.guidance,
        target_groups=activity.target_groups,
        mobility_stages=activity.mobility_stages,
        units=[schemas.UnitRef(id=i, name=units[i]) for i in activity.unit_ids if i in units],
        other_actors=activity.other_actors,
        partners=activity.partners,
        responsible=activity.responsible,
        status=activity.status,  # type: ignore[arg-type]
        status_changes=[
            schemas.StatusChangeOut(
                status=c.status,  # type: ignore[arg-type]
                changed_at=aware(c.changed_at),
                changed_by=c.changed_by,
            )
            for c in activity.status_changes
        ],
        notes=activity.notes,
        evaluation=activity.evaluation,
        checklist=[schemas.ChecklistItemOut(text=i.text, done=i.done) for i in activity.checklist],
        indicators=[
            schemas.IndicatorOut(name=i.name, unit=i.unit, direction=i.direction)
            for i in activity.indicators
        ],
        version=activity.version,
        created_at=aware(activity.created_at),
        updated_at=aware(activity.updated_at),
    )


def plan_summary(plan: Plan) -> dict[str, Any]:
    """Return a plan's own fields, without its activities."""
    return {
        "id": plan.id,
        "url": external_url("planner_api.plan", plan_id=plan.id),
        "page_url": external_url("planner.detail", plan_id=plan.id),
        "institution": {"slug": plan.institution.slug, "name": plan.institution.name},
        "title": plan.title,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "goals": plan.goals,
        "goals_text": plan.goals_text,
        "status": plan.status,
        "owner": plan.owner.email if plan.owner else None,
        "version": plan.version,
        "created_at": aware(plan.created_at),
        "updated_at": aware(plan.updated_at),
    }


def serialize_plan(plan: Plan) -> schemas.PlanOut:
    """Return a plan with its totals and every activity."""
    totals = services.totals(plan)
    units = {unit.id: unit.name for unit in plan.institution.units}
    return schemas.PlanOut(
        **plan_summary(plan),
        totals=schemas.TotalsOut(**{k: float(v) for k, v in vars(totals).items()}),
        activities=[serialize_activity(a, units) for a in plan.activities],
    )


def _activity_response(plan: Plan, activity: Activity, status: int = 200) -> ResponseReturnValue:
    """Answer with one activity; a created one also gets its address in Location."""
    units = {unit.id: unit.name for unit in plan.institution.units}
    out = serialize_activity(activity, units)
    return _dump(out), status, ({"Location": out.url} if status == 201 else {})


@bp.get("")
@access(SIGNED_IN)
def plans() -> ResponseReturnValue:
    """List the plans of the caller's institutions (optionally of one), newest first."""
    found = services.plans_for(current_user)
    slug = request.args.get("institution")
    if slug:
        found = [p for p in found if p.institution.slug == slug]
    return _dump(
        schemas.PlanList(
            items=[schemas.PlanSummary(**plan_summary(p)) for p in found], total=len(found)
        )
    )


@bp.post("")
@access(SIGNED_IN)
def create_plan() -> ResponseReturnValue:
    """Create a draft plan for an institution where the caller plans."""
    body = _body(schemas.PlanCreate)
    institution = institutions.require_institution(
        body.institution, current_user, "planner", missing=f"no institution {body.institution!r}"
    )
    plan = services.create_plan(
        institution,
        title=body.title,
        period_start=body.period_start,
        period_end=body.period_end,
        owner=current_user._get_current_object(),
        goals=body.goals,
        goals_text=body.goals_text,
    )
    db.session.commit()
    log.info("plan %s created for %s by %s (API)", plan.id, institution.slug, current_user.email)
    plan = services.require_plan(plan.id, current_user, "planner")
    return (
        _dump(serialize_plan(plan)),
        201,
        {"Location": url_for("planner_api.plan", plan_id=plan.id)},
    )


@bp.get("/<int:plan_id>")
@access(SIGNED_IN)
def plan(plan_id: int) -> ResponseReturnValue:
    """Return a plan with its totals and activities."""
    return _dump(serialize_plan(services.require_plan(plan_id, current_user, "viewer")))


@bp.patch("/<int:plan_id>")
@access(SIGNED_IN)
def update_plan(plan_id: int) -> ResponseReturnValue:
    """Change a plan's fields; a change based on an older version is refused (409)."""
    plan = services.require_plan(plan_id, current_user, "planner")
    body = _body(schemas.PlanPatch)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    changes = {k: v for k, v in changes.items() if v is not None}
    try:
        schemas.check_period(
            changes.get("period_start", plan.period_start),
            changes.get("period_end", plan.period_end),
        )
    except ValueError as error:
        raise Invalid({"period_end": str(error)}) from None
    try:
        services.update_plan(plan, changes, base_version=body.version)
    except EditConflict:
        return _conflict("plan", _dump(serialize_plan(plan)))
    db.session.commit()
    return _dump(serialize_plan(plan))


def _conflict(kind: str, current: dict[str, Any]) -> ResponseReturnValue:
    """Refuse a change based on an old version, returning the saved one to merge with."""
    detail = f"the {kind} changed since your version; merge with `current` and send its version"
    return {**error_payload(409, "Conflict", detail), "current": current}, 409


@bp.get("/<int:plan_id>/activities")
@access(SIGNED_IN)
def activities(plan_id: int) -> ResponseReturnValue:
    """List a plan's activities."""
    plan = services.require_plan(plan_id, current_user, "viewer")
    units = {unit.id: unit.name for unit in plan.institution.units}
    items = [serialize_activity(a, units) for a in plan.activities]
    return _dump(schemas.ActivityList(items=items, total=len(items)))


@bp.post("/<int:plan_id>/activities")
@access(SIGNED_IN)
def create_activity(plan_id: int) -> ResponseReturnValue:
    """Add a custom activity (not from a practice) to a plan."""
    plan = services.require_plan(plan_id, current_user, "planner")
    body = _body(schemas.ActivityCreate, plan)
    activity = services.add_activity(plan, body.model_dump(), by=current_user.email)
    db.session.commit()
    return _activity_response(plan, activity, 201)


@bp.post("/<int:plan_id>/adoptions")
@access(SIGNED_IN)
def adopt(plan_id: int) -> ResponseReturnValue:
    """Adopt a practice into a plan: one activity per phase, pre-filled from its sheet."""
    plan = services.require_plan(plan_id, current_user, "planner")
    body = _body(schemas.AdoptionCreate)
    practice = practices.get_practice(body.practice)
    if practice is None:
        raise Invalid({"practice": _("There is no practice “%(slug)s”.", slug=body.practice)})
    created = services.adopt_practice(
        plan,
        practice,
        list(body.phases),
        vocabularies(),
        by=current_user.email,
        language=current_language(),
    )
    db.session.commit()
    units = {unit.id: unit.name for unit in plan.institution.units}
    items = [serialize_activity(a, units) for a in created]
    return _dump(schemas.ActivityList(items=items, total=len(items))), 201


@bp.get("/<int:plan_id>/activities/<int:activity_id>")
@access(SIGNED_IN)
def activity(plan_id: int, activity_id: int) -> ResponseReturnValue:
    """Return one activity of a plan."""
    plan = services.require_plan(plan_id, current_user, "viewer", outline=True)
    return _activity_response(plan, _activity(plan, activity_id))


@bp.patch("/<int:plan_id>/activities/<int:activity_id>")
@access(SIGNED_IN)
def update_activity(plan_id: int, activity_id: int) -> ResponseReturnValue:
    """Change an activity's fields; a change based on an older version is refused (409)."""
    plan = services.require_plan(plan_id, current_user, "planner", outline=True)
    activity = _activity(plan, activity_id)
    body = _body(schemas.ActivityPatch, plan)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    merged = {
        name: changes.get(name, getattr(activity, name))
        for name in ("start_date", "end_date", "recurrence")
    }
    try:
        schemas.check_dates(
            merged["start_date"],
            merged["end_date"],
            merged["recurrence"],
            (plan.period_start, plan.period_end),
        )
    except schemas.DateProblem as error:
        raise Invalid({error.field: str(error)}) from None
    try:
        services.update_activity(
            activity, changes, base_version=body.version, by=current_user.email
        )
    except EditConflict:
        units = {unit.id: unit.name for unit in plan.institution.units}
        return _conflict("activity", _dump(serialize_activity(activity, units)))
    # The answer is the saved activity as flushed, made before the commit: after it, every
    # row would be read again, in a transaction of its own (on SQLite, with the write lock).
    answer = _activity_response(plan, activity)
    db.session.commit()
    return answer


@bp.delete("/<int:plan_id>/activities/<int:activity_id>")
@access(SIGNED_IN)
def delete_activity(plan_id: int, activity_id: int) -> ResponseReturnValue:
    """Delete an activity of a plan; the deletion is logged."""
    plan = services.require_plan(plan_id, current_user, "planner", outline=True)
    activity = _activity(plan, activity_id)
    title = activity.title
    services.delete_activity(activity)
    db.session.commit()
    log.info(
        "activity %s (%s) of plan %s deleted by %s (API)",
        activity_id,
        title,
        plan.id,
        current_user.email,
    )
    return "", 204
