"""How an event meets the plan year after year: its plan activity follows it (planned,
in progress, done, cancelled), and it runs again as next year's edition."""

from __future__ import annotations

import logging
import re
from datetime import datetime

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


def next_edition(event: Event, *, by: User | None, years: int = 1) -> Event:
    """Copy an event as a draft of its next edition, its dates and window a year on: the
    text, tracks with their questions and committee, rubric and email texts come along; no
    application, decision or record does, and the plan activity is left for the new plan."""
    copy = Event(
        institution_id=event.institution_id,
        status=EventStatus.DRAFT,
        created_by=by,
        title=_next_title(event.title, event.starts_on.year, years),
        starts_on=event.starts_on + relativedelta(years=years),
        ends_on=event.ends_on + relativedelta(years=years),
        opens_at=_shifted(event, event.opens_at, years),
        closes_at=_shifted(event, event.closes_at, years),
        meeting_at=_shifted(event, event.meeting_at, years),
        **{name: getattr(event, name) for name in EDITION_FIELDS},
    )
    members: list[tuple[Track, int]] = []
    for track in event.tracks:
        new_track = Track(
            position=track.position,
            title=track.title,
            target_group=track.target_group,
            topics=list(track.topics),
            capacity=track.capacity,
        )
        copy.tracks.append(new_track)
        for question in track.questions:
            new_track.questions.append(
                Question(
                    position=question.position,
                    kind=question.kind,
                    prompt=question.prompt,
                    help=question.help,
                    required=question.required,
                    max_length=question.max_length,
                    choices=list(question.choices),
                )
            )
        members += [(new_track, m.user_id) for m in track.committee if m.user.is_active]
    for criterion in event.criteria:
        copy.criteria.append(
            RubricCriterion(
                position=criterion.position,
                title=criterion.title,
                description=criterion.description,
                weight=criterion.weight,
            )
        )
    for template in event.templates:
        copy.templates.append(
            MessageTemplate(
                kind=template.kind,
                language=template.language,
                subject=template.subject,
                body=template.body,
            )
        )
    db.session.add(copy)
    db.session.flush()
    for new_track, user_id in members:
        db.session.add(CommitteeMember(event_id=copy.id, track=new_track, user_id=user_id))
    db.session.flush()
    return copy


# What a next edition takes over as it is; dates, window and meeting move a year on.
EDITION_FIELDS = (
    "timezone",
    "place",
    "format",
    "description",
    "audience",
    "contact_email",
    "programme",
    "accommodation",
    "languages",
    "invitation_only",
    "second_choice",
    "confirm_days",
    "disagreement_margin",
    "meeting_url",
    "signatory_name",
    "signatory_title",
)


def _next_title(title: str, year: int, years: int) -> str:
    """Write the year of the edition into its title ("... 2026" becomes "... 2027")."""
    return re.sub(rf"\b{year}\b", str(year + years), title)
