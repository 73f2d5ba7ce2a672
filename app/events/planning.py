"""How an event meets the plan year after year: its plan activity follows it (planned,
in progress, done, cancelled), and it runs again as next year's edition."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from copy import deepcopy
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.extensions import db
from app.events.models import (
    CommitteeMember,
    Event,
    EventStatus,
    MessageTemplate,
    Question,
    RubricCriterion,
    Track,
)
from app.planner import services as planner
from app.planner.models import ActivityStatus

log = logging.getLogger(__name__)


# The order of an activity's life: the event moves its activity forward only.
LIFE = (ActivityStatus.IDEA, ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS)


def follow_event(event: Event, now: datetime) -> bool:
    """Move the event's plan activity to the event's stage (planned, in progress, done,
    cancelled) once per stage, forward only; tell whether it moved.

    A stage already given is not given again, so a planner who sets the activity back by hand
    is not overruled each hour; an activity already done or cancelled is left alone.
    """
    stage = event.activity_stage(now)
    activity = event.activity
    if stage is None or activity is None or stage == event.activity_followed:
        return False
    event.activity_followed = stage
    if activity.status not in LIFE:
        return False
    if stage != ActivityStatus.CANCELLED and LIFE.index(activity.status) >= _rank(stage):
        return False
    planner.set_status(activity, stage, by=f"event {event.id}")
    log.info("activity %s follows event %s: %s", activity.id, event.id, stage)
    return True


def _rank(stage: ActivityStatus) -> int:
    return LIFE.index(stage) if stage in LIFE else len(LIFE)


# Events whose activities one run of follow_events looks at; the next run takes the rest.
FOLLOW_BATCH = 500


def follow_events(now: datetime) -> int:
    """Let each published or cancelled event's activity follow it (see follow_event); return
    how many activities moved. Events whose activity was given its last stage drop out."""
    events = db.session.scalars(
        select(Event)
        .where(
            Event.activity_id.is_not(None),
            Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
            or_(
                Event.activity_followed.is_(None),
                Event.activity_followed.not_in((ActivityStatus.DONE, ActivityStatus.CANCELLED)),
            ),
        )
        .options(selectinload(Event.activity))
        .order_by(Event.id)
        .limit(FOLLOW_BATCH)
    ).all()
    moved = sum(follow_event(event, now) for event in events)
    db.session.flush()
    return moved


def _shifted(event: Event, moment: datetime | None, years: int) -> datetime | None:
    """Move a stored time by whole years as the event's place reads it (09:00 stays 09:00
    across summer time)."""
    if moment is None:
        return None
    local = event.local(moment).replace(tzinfo=None) + relativedelta(years=years)
    return event.to_utc(local)


# What a next edition takes over as it is (dates, window and meeting move a year on), and
# what of each row under the event: what an organiser set up, never what happened.
EDITION_FIELDS = (
    "timezone",
    "place",
    "format",
    "description",
    "audience",
    "contact_email",
    "programme",
    "accommodation",
    "consent_text",
    "languages",
    "invitation_only",
    "second_choice",
    "confirm_days",
    "disagreement_margin",
    "meeting_url",
    "signatory_name",
    "signatory_title",
)
TRACK_FIELDS = ("position", "title", "target_group", "topics", "capacity")
QUESTION_FIELDS = (
    "position",
    "kind",
    "prompt",
    "help",
    "required",
    "max_length",
    "choices",
    "prompt_fi",
    "prompt_sv",
    "help_fi",
    "help_sv",
    "choices_fi",
    "choices_sv",
)
CRITERION_FIELDS = ("position", "title", "description", "weight")
TEMPLATE_FIELDS = ("kind", "language", "subject", "body")


def _taken(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Return a row's fields to give a copy (lists copied, not shared)."""
    return {name: deepcopy(getattr(row, name)) for name in fields}


def copy_event(
    source: Any,
    tracks: Iterable[Any],
    *,
    fields: tuple[str, ...] = EDITION_FIELDS,
    **values: Any,
) -> Event:
    """Make a draft event from what a source sets up (an event, or a series' call template):
    the given fields of the source, copies of its tracks with their questions (where a track
    has any), and the values given; added to the session, not flushed."""
    event = Event(status=EventStatus.DRAFT, **_taken(source, fields), **values)
    for track in tracks:
        event.tracks.append(
            Track(
                **_taken(track, TRACK_FIELDS),
                questions=[
                    Question(**_taken(q, QUESTION_FIELDS)) for q in getattr(track, "questions", ())
                ],
            )
        )
    db.session.add(event)
    return event


def next_edition(event: Event, *, by: User | None, years: int = 1) -> Event:
    """Copy an event as a draft of its next edition, its dates and window a year on: the
    text, tracks with their questions and committee, rubric and email texts come along; no
    application, decision or record does, and the plan activity is left for the new plan."""
    copy = copy_event(
        event,
        event.tracks,
        institution_id=event.institution_id,
        created_by=by,
        title=_next_title(event.title, event.starts_on.year, years),
        starts_on=event.starts_on + relativedelta(years=years),
        ends_on=event.ends_on + relativedelta(years=years),
        opens_at=_shifted(event, event.opens_at, years),
        closes_at=_shifted(event, event.closes_at, years),
        meeting_at=_shifted(event, event.meeting_at, years),
        criteria=[RubricCriterion(**_taken(c, CRITERION_FIELDS)) for c in event.criteria],
        templates=[MessageTemplate(**_taken(t, TEMPLATE_FIELDS)) for t in event.templates],
    )
    # A committee member names its event by id (it has no relationship to it): known now.
    db.session.flush()
    for old_track, new_track in zip(event.tracks, copy.tracks, strict=True):
        for member in old_track.committee:
            if member.user.is_active:
                db.session.add(
                    CommitteeMember(event_id=copy.id, track=new_track, user_id=member.user_id)
                )
    db.session.flush()
    return copy


def _next_title(title: str, year: int, years: int) -> str:
    """Write the year of the edition into its title ("... 2026" becomes "... 2027")."""
    return re.sub(rf"\b{year}\b", str(year + years), title)
