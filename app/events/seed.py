"""The events shipped in data/events.yml: read and checked whole, then loaded once.

`flask data load` reads this file with the institutions and networks (all or nothing). An
event is found again by its institution, title and first day; one that exists is left alone,
so what its organisers change in the app survives the next load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError
from sqlalchemy import select

from app.core.extensions import db
from app.core.validation import Slug, problems_by_field
from app.core.yamlfile import Problem, YamlProblem, compose, decode, line_of
from app.events.models import QUESTIONS_MAX, TRACKS_MAX, Event, EventStatus, Question, Track
from app.events.schemas import EventFields, QuestionFields, TrackFields
from app.institutions.models import Institution

EVENTS_FILE = "events.yml"


class TrackEntry(TrackFields):
    """A track of a shipped event, with its questions."""

    questions: Annotated[
        list[QuestionFields], Field(max_length=QUESTIONS_MAX, default_factory=list)
    ]


class EventEntry(EventFields):
    """A shipped event: its host, whether its call is published, and its tracks."""

    institution: Slug
    status: EventStatus = EventStatus.PUBLISHED
    tracks: Annotated[list[TrackEntry], Field(max_length=TRACKS_MAX, default_factory=list)]


@dataclass
class EventData:
    """The checked entries of data/events.yml, or the problems that stop the load."""

    events: list[EventEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_events(folder: Path, institution_slugs: set[str], max_bytes: int) -> EventData:
    """Read data/events.yml (a missing file is no event), checking each entry and its host.

    `institution_slugs` are the institutions the load will know: those of the files and those
    already in the database.
    """
    result = EventData()
    path = folder / EVENTS_FILE
    name = str(path)
    if not path.exists():
        return result
    try:
        data, node = compose(decode(path.read_bytes(), max_bytes))
    except YamlProblem as error:
        result.problems.append(Problem(name, error.line, error.field, error.message))
        return result
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("events"), list)
        or set(data) != {"events"}
    ):
        result.problems.append(
            Problem(name, 1, "events", "the file must hold one list named 'events'")
        )
        return result
    for position, raw in enumerate(data["events"]):
        try:
            entry = EventEntry.model_validate(raw)
        except ValidationError as error:
            # A check across fields names the field it blames (core.validation.FieldProblem).
            for where, message in problems_by_field(error).items():
                loc = (
                    "events",
                    position,
                    *(int(p) if p.isdigit() else p for p in where.split(".")),
                )
                result.problems.append(
                    Problem(name, line_of(node, loc) + 1, ".".join(map(str, loc)), message)
                )
            continue
        if entry.institution not in institution_slugs:
            loc = ("events", position, "institution")
            result.problems.append(
                Problem(
                    name,
                    line_of(node, loc) + 1,
                    ".".join(map(str, loc)),
                    f"no institution with slug {entry.institution!r}",
                )
            )
            continue
        result.events.append(entry)
    return result


def load_events(data: EventData) -> tuple[list[str], list[str]]:
    """Create the checked events that do not exist yet; return the titles created and those
    left as they are."""
    assert not data.problems, "load_events takes checked data only"
    created: list[str] = []
    unchanged: list[str] = []
    for entry in data.events:
        institution = db.session.scalar(
            select(Institution).where(Institution.slug == entry.institution)
        )
        if institution is None:
            raise LookupError(entry.institution)  # read_events checked it: a programmer's error
        exists = db.session.scalar(
            select(Event.id).where(
                Event.institution_id == institution.id,
                Event.title == entry.title,
                Event.starts_on == entry.starts_on,
            )
        )
        if exists is not None:
            unchanged.append(entry.title)
            continue
        fields = entry.model_dump(
            exclude={"institution", "status", "tracks", "opens_at", "closes_at", "meeting_at"}
        )
        event = Event(institution=institution, status=entry.status, **fields)
        event.opens_at = event.to_utc(entry.opens_at) if entry.opens_at else None
        event.closes_at = event.to_utc(entry.closes_at) if entry.closes_at else None
        event.meeting_at = event.to_utc(entry.meeting_at) if entry.meeting_at else None
        for position, track_entry in enumerate(entry.tracks):
            track = Track(position=position, **track_entry.model_dump(exclude={"questions"}))
            track.questions = [
                Question(position=n, **question.model_dump())
                for n, question in enumerate(track_entry.questions)
            ]
            event.tracks.append(track)
        db.session.add(event)
        created.append(entry.title)
    db.session.flush()
    return created, unchanged
