"""Reads of the events API: an event for its reader; an event's applications for its
organisers and committee. The list of calls is the listing's (app/events/listing.py).

Functions return rows or Select objects; the API views page and serialise them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.applications.models import Answer, Application
from app.core.extensions import db
from app.events.models import CommitteeMember, Event, EventStatus, Track
from app.permissions import can_organise, role_in


def with_tracks(query: Select[Any]) -> Select[Any]:
    """Load each event's institution and tracks with the events (a page stays a few queries)."""
    return query.options(
        selectinload(Event.institution), selectinload(Event.tracks).selectinload(Track.questions)
    )


def count(query: Select[Any]) -> int:
    """Count the rows a select finds."""
    return int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())))


def event_for(event_id: int, user: Any) -> Event | None:
    """Return an event as a caller may read it: published ones to anyone, others only to
    the organisers of its institution (None: there is none for this caller)."""
    event = db.session.scalar(with_tracks(select(Event).where(Event.id == event_id)))
    if event is None:
        return None
    if event.status == EventStatus.PUBLISHED or can_organise(user, event.institution):
        return event
    return None


def reviewed_tracks(event: Event, user: Any) -> set[int] | None:
    """Return the tracks whose applications a caller may read: None for none at all (not an
    organiser, nor on the committee of a track as a member of the host), every track for an
    organiser, the assigned tracks for a committee member."""
    if not getattr(user, "is_authenticated", False):
        return None
    if can_organise(user, event.institution):
        return {t.id for t in event.tracks}
    if role_in(user, event.institution) is None:
        return None
    assigned = set(
        db.session.scalars(
            select(CommitteeMember.track_id).where(
                CommitteeMember.event_id == event.id, CommitteeMember.user_id == user.id
            )
        )
    )
    return assigned or None


def applications_of(event: Event, tracks: set[int], reader: User, organiser: bool) -> Select[Any]:
    """Select an event's applications of some tracks with their answers, oldest first. A
    committee member does not read applicants from their own institutions."""
    query = (
        select(Application)
        .where(Application.event_id == event.id, Application.track_id.in_(tracks))
        .options(
            selectinload(Application.answers).selectinload(Answer.question),
            selectinload(Application.track),
            selectinload(Application.second_track),
            selectinload(Application.home_institution),
        )
        .order_by(Application.submitted_at, Application.id)
    )
    if not organiser:
        own = [r.institution_id for r in reader.roles]
        if own:
            query = query.where(
                or_(
                    Application.home_institution_id.is_(None),
                    Application.home_institution_id.not_in(own),
                )
            )
    return query
