"""JSON API of hosted events: the published calls (public), one call with its tracks and
window, and an event's applications with their decisions (its organisers and committee).

The same permissions as the pages: a call that is not published is a 404 to all but its
organisers; applications, which carry applicants' personal data, answer only the organisers
of the event's institution and the committee members of their tracks, and are a 404 to
anyone else, signed in or not, by session or token.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ValidationError

from app.api import event_queries as queries
from app.api.event_schemas import (
    AnswerOut,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    EventOut,
    EventPage,
    EventQuery,
    EventSummary,
    InstitutionRef,
    QuestionOut,
    TrackOut,
    TrackRef,
    WindowOut,
)
from app.applications.models import Application
from app.core.errors import json_error
from app.core.extensions import aware, db, utcnow
from app.core.urls import external_url
from app.core.validation import problems_by_field
from app.events import listing
from app.events.models import Event
from app.permissions import PUBLIC, SIGNED_IN, access, can_organise

bp = Blueprint("events_api", __name__, url_prefix="/api/v1/events")

# The query parameters that are the listing's filters (the window is its "state").
LISTING_FILTERS = (
    "institution",
    "topic",
    "category",
    "target_group",
    "country",
    "network",
    "start",
    "end",
    "format",
    "language",
    "sort",
)


def _query(model: type[BaseModel]) -> Any:
    """Read the query parameters into a model; None when they are invalid."""
    data: dict[str, Any] = {"per_page": current_app.config["PAGE_SIZE"]}
    data |= {name: request.args[name] for name in model.model_fields if name in request.args}
    return model.model_validate(data, context={"max_per_page": current_app.config["MAX_PAGE_SIZE"]})


def _invalid(error: ValidationError) -> ResponseReturnValue:
    return json_error(
        400, "Bad Request", _("invalid query parameters"), fields=problems_by_field(error)
    )


def _local(event: Event, moment: Any) -> Any:
    return event.local(moment) if moment is not None else None


def _summary_fields(event: Event) -> dict[str, Any]:
    """Return what a list shows of an event."""
    page = (
        external_url("events.call", event_id=event.id)
        if "events.call" in current_app.view_functions
        else None
    )
    return {
        "id": event.id,
        "url": external_url("events_api.event", event_id=event.id),
        "page_url": page,
        "institution": InstitutionRef(slug=event.institution.slug, name=event.institution.name),
        "title": event.title,
        "status": event.status,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "timezone": event.timezone,
        "place": event.place,
        "format": event.format,
        "languages": list(event.languages or []),
        "invitation_only": event.invitation_only,
        "window": WindowOut(
            state=event.window_state(utcnow()),
            opens_at=aware(event.opens_at) if event.opens_at else None,
            closes_at=aware(event.closes_at) if event.closes_at else None,
            opens_local=_local(event, event.opens_at),
            closes_local=_local(event, event.closes_at),
        ),
        "track_topics": list(dict.fromkeys(t for track in event.tracks for t in track.topics)),
    }


def serialize_event(event: Event) -> EventOut:
    """Return a whole call: its texts, window, tracks and their questions."""
    return EventOut(
        **_summary_fields(event),
        description=event.description,
        audience=event.audience,
        contact_email=event.contact_email,
        programme=event.programme,
        accommodation=event.accommodation,
        second_choice=event.second_choice,
        tracks=[
            TrackOut(
                id=track.id,
                title=track.title,
                target_group=track.target_group,
                topics=list(track.topics),
                capacity=track.capacity,
                questions=[
                    QuestionOut(
                        id=q.id,
                        kind=q.kind,  # type: ignore[arg-type]
                        prompt=q.prompt,
                        help=q.help,
                        required=q.required,
                        max_length=q.max_length,
                        choices=list(q.choices),
                    )
                    for q in track.questions
                ],
            )
            for track in event.tracks
        ],
    )


def serialize_application(application: Application) -> ApplicationOut:
    """Return an application with its answers and the decision as prepared."""
    second = application.second_track
    home = application.home_institution
    return ApplicationOut(
        id=application.id,
        track=TrackRef(id=application.track.id, title=application.track.title),
        second_track=TrackRef(id=second.id, title=second.title) if second else None,
        status=application.status,  # type: ignore[arg-type]
        language=application.language,
        name=application.name,
        email=application.email,
        current_role=application.current_role,
        background=application.background,
        institution_name=application.institution_name,
        home_institution=InstitutionRef(slug=home.slug, name=home.name) if home else None,
        country=application.country,
        networks=list(application.networks or []),
        submitted_at=aware(application.submitted_at),
        withdrawn_at=aware(application.withdrawn_at) if application.withdrawn_at else None,
        decision=application.decision,  # type: ignore[arg-type]
        waiting_rank=application.waiting_rank,
        decision_sent_at=(
            aware(application.decision_sent_at) if application.decision_sent_at else None
        ),
        place=application.place,  # type: ignore[arg-type]
        offer_deadline=aware(application.offer_deadline) if application.offer_deadline else None,
        erased=application.erased_at is not None,
        answers=[
            AnswerOut(question_id=a.question_id, prompt=a.question.prompt, value=a.value)
            for a in application.answers
        ],
    )


def _page_of(query: Any, page: int, per_page: int) -> tuple[list[Any], int, int]:
    """Return one page of a select's rows, the total and the number of pages."""
    total = queries.count(query)
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return rows, total, max(1, math.ceil(total / per_page))


@bp.get("")
@access(PUBLIC)
def events() -> ResponseReturnValue:
    """List published calls, chosen by the listing's filters (/events) and paged."""
    try:
        query = _query(EventQuery)
    except ValidationError as error:
        return _invalid(error)
    now = utcnow()
    # The listing's own filters and their checks (/events), so both find the same calls.
    chosen = {name: getattr(query, name) for name in LISTING_FILTERS}
    filters = listing.parse_filters({**chosen, "state": query.window}, now.date())
    if filters.problems:
        # Every refused filter at once, by the name it has here (the listing's "state").
        named = {"window" if k == "state" else k: v for k, v in filters.problems.items()}
        return json_error(400, "Bad Request", _("invalid query parameters"), fields=named)
    found = listing.calls(filters, now)
    rows, total, pages = _page_of(queries.with_tracks(found), query.page, query.per_page)
    return EventPage(
        items=[EventSummary(**_summary_fields(e)) for e in rows],
        page=query.page,
        per_page=query.per_page,
        total=total,
        pages=pages,
    ).model_dump(mode="json")


def _event(event_id: int) -> Event:
    event = queries.event_for(event_id, current_user)
    if event is None:
        abort(404, description=_("There is no event %(id)s.", id=event_id))
    return event


@bp.get("/<int:event_id>")
@access(PUBLIC)
def event(event_id: int) -> ResponseReturnValue:
    """Return a call with its tracks, questions and window (a draft only to its organisers)."""
    return serialize_event(_event(event_id)).model_dump(mode="json")


@bp.get("/<int:event_id>/applications")
@access(SIGNED_IN)
def applications(event_id: int) -> ResponseReturnValue:
    """List an event's applications with their decisions: all of them to its organisers,
    those of their tracks to committee members; a 404 to anyone else."""
    found = queries.event_for(event_id, current_user)
    tracks = queries.reviewed_tracks(found, current_user) if found is not None else None
    if found is None or tracks is None:
        abort(404, description=_("There is no event %(id)s.", id=event_id))
    try:
        query = _query(ApplicationQuery)
    except ValidationError as error:
        return _invalid(error)
    organiser = can_organise(current_user, found.institution)
    rows, total, pages = _page_of(
        queries.applications_of(found, tracks, current_user, organiser), query.page, query.per_page
    )
    return ApplicationPage(
        items=[serialize_application(a) for a in rows],
        page=query.page,
        per_page=query.per_page,
        total=total,
        pages=pages,
    ).model_dump(mode="json")
