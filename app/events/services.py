"""Reads and writes of events, tracks, questions and committees. Functions add and flush;
the caller commits.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, time
from typing import Any

from flask import abort
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts import services as accounts
from app.accounts.models import InstitutionRole, User
from app.core.conflicts import EditConflict, flush_or_conflict
from app.core.extensions import aware, db, utcnow
from app.core.i18n import locale_of
from app.core.urls import external_url
from app.events import planning
from app.events.models import (
    CommitteeMember,
    Event,
    EventStatus,
    Question,
    Track,
    WindowState,
    token_digest,
)
from app.events.schemas import EventFields, QuestionFields, TrackFields
from app.events.signals import counting_applications, counting_held_places, places_added
from app.institutions import services as institutions
from app.institutions.models import Institution
from app.mail.services import queue_mail
from app.permissions import ORGANISER_ROLES, can_organise, require_organiser, role_in
from app.planner.models import Activity, Plan
from app.planner.services import without_phase_prefix
from app.practices.models import Phase

log = logging.getLogger(__name__)

# Adopting one of these practices plans an event of one's own: its activity offers to host it.
HOSTABLE_PRACTICES = frozenset(
    {"international-staff-training-days", "inter-institutional-trainings-and-workshops"}
)
# The event form offers at most this many of the institution's activities to link to.
ACTIVITIES_OFFERED = 500


class TrackInUse(Exception):
    """A track that applications refer to: it stays."""


# Loading, with the permission checks


def get_event(event_id: int) -> Event | None:
    """Return an event with its institution, tracks, their questions and committees."""
    return db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.institution),
            selectinload(Event.activity),
            selectinload(Event.tracks).selectinload(Track.questions),
            selectinload(Event.tracks)
            .selectinload(Track.committee)
            .selectinload(CommitteeMember.user),
        )
    )


def _institution(slug: str) -> Institution:
    institution = institutions.get_institution(slug)
    if institution is None:
        abort(404)
    return institution


def _event_of(institution: Institution, event_id: int) -> Event:
    event = get_event(event_id)
    if event is None or event.institution_id != institution.id:
        abort(404, description=_("There is no event %(id)s.", id=event_id))
    return event


def require_institution_organiser(slug: str, user: Any) -> Institution:
    """Load an institution whose events the user organises: 404 outsiders, 403 members."""
    institution = _institution(slug)
    require_organiser(user, institution)
    return institution


def require_event(slug: str, event_id: int, user: Any) -> Event:
    """Load an event of the institution for its organisers: 404 to outsiders and for another
    institution's event, 403 to members who do not organise events."""
    institution = require_institution_organiser(slug, user)
    return _event_of(institution, event_id)


def require_event_for_review(slug: str, event_id: int, user: Any) -> tuple[Event, set[int]]:
    """Load an event for reviewing, with the ids of the tracks the user may review.

    Organisers review every track, committee members their own tracks; anyone else of the
    institution gets a 403, an outsider (or another institution's event) a 404.
    """
    institution = _institution(slug)
    if role_in(user, institution) is None:
        abort(404)
    event = _event_of(institution, event_id)
    if can_organise(user, institution):
        return event, {track.id for track in event.tracks}
    mine = {
        track.id
        for track in event.tracks
        if any(member.user_id == user.id for member in track.committee)
    }
    if not mine:
        abort(403, description=_("You are not on the selection committee of this event."))
    return event, mine


def require_track(event: Event, track_id: int) -> Track:
    """Return one of the event's tracks, or stop with a 404."""
    track = next((t for t in event.tracks if t.id == track_id), None)
    if track is None:
        abort(404)
    return track


def require_question(track: Track, question_id: int) -> Question:
    """Return one of the track's questions, or stop with a 404."""
    question = next((q for q in track.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


# Lists


def institution_events(institution: Institution) -> list[Event]:
    """Return an institution's events, the latest first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.institution_id == institution.id)
            .order_by(Event.starts_on.desc(), Event.id.desc())
        )
    )


def application_counts(event: Event) -> dict[int, int]:
    """Return how many applications each track of the event has (0 for none)."""
    counts = {track.id: 0 for track in event.tracks}
    for _receiver, answer in counting_applications.send(event, track_ids=list(counts)):
        for track_id, number in (answer or {}).items():
            if track_id in counts:
                counts[track_id] += int(number)
    return counts


# Events


def activity_choices(institution: Institution) -> list[Activity]:
    """Return the institution's plan activities an event may carry out, the latest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .join(Plan)
            .where(Plan.institution_id == institution.id)
            .options(selectinload(Activity.plan))
            .order_by(Activity.start_date.desc().nulls_last(), Activity.id.desc())
            .limit(ACTIVITIES_OFFERED)
        )
    )


def activity_of(institution: Institution, activity_id: int | None) -> Activity | None:
    """Return one of the institution's activities by id (None for another's or none)."""
    if activity_id is None:
        return None
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.plan.institution_id != institution.id:
        return None
    return activity


def may_host(activity: Activity) -> bool:
    """Tell whether an activity was adopted from a practice that hosts an event, and is not
    the phase of setting it up (the event is its delivery)."""
    return (
        activity.practice is not None
        and activity.practice.slug in HOSTABLE_PRACTICES
        and activity.phase != Phase.SETUP
    )


def events_by_activity(institution: Institution) -> dict[int, list[Event]]:
    """Return the institution's events that carry out a plan activity, by activity (one
    query for a whole plan page; cancelled events left out)."""
    found: dict[int, list[Event]] = {}
    for event in db.session.scalars(
        select(Event)
        .where(
            Event.institution_id == institution.id,
            Event.activity_id.is_not(None),
            Event.status != EventStatus.CANCELLED,
        )
        .order_by(Event.starts_on, Event.id)
    ):
        found.setdefault(event.activity_id, []).append(event)  # type: ignore[arg-type]
    return found


def from_activity(activity: Activity, institution: Institution) -> dict[str, Any]:
    """Return what a new event takes from the plan activity it carries out."""
    return {
        "title": without_phase_prefix(activity.title),
        "starts_on": activity.start_date,
        "ends_on": activity.end_date or activity.start_date,
        "format": activity.format,
        "place": activity.host or institution.name,
        "activity_id": activity.id,
    }


def local_fields(event: Event) -> dict[str, Any]:
    """Return an event's times as its editor shows them: naive, in the event's time zone."""

    def local(moment: datetime | None) -> datetime | None:
        return event.local(moment).replace(tzinfo=None) if moment else None

    return {
        "opens_at": local(event.opens_at),
        "closes_at": local(event.closes_at),
        "meeting_at": local(event.meeting_at),
    }


def _apply(event: Event, fields: EventFields) -> None:
    """Set an event's columns from checked fields, its local times stored in UTC."""
    values = fields.model_dump(exclude={"opens_at", "closes_at", "meeting_at"})
    for name, value in values.items():
        setattr(event, name, value)
    event.opens_at = event.to_utc(fields.opens_at) if fields.opens_at else None
    event.closes_at = event.to_utc(fields.closes_at) if fields.closes_at else None
    event.meeting_at = event.to_utc(fields.meeting_at) if fields.meeting_at else None


def create_event(institution: Institution, fields: EventFields, *, by: User | None) -> Event:
    """Add a draft event to an institution."""
    event = Event(institution=institution, status=EventStatus.DRAFT, created_by=by)
    _apply(event, fields)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, fields: EventFields, *, base_version: int | None) -> Event:
    """Apply an editor's changes unless someone saved in between (then EditConflict)."""
    if base_version is not None and base_version != event.version:
        raise EditConflict(event)
    meeting = (aware(event.meeting_at) if event.meeting_at else None, event.meeting_url)
    _apply(event, fields)
    if event.meeting_invited_at is not None and meeting != (event.meeting_at, event.meeting_url):
        note_meeting_change(event, utcnow())
    flush_or_conflict(event)
    return event


def has_begun(event: Event, now: datetime) -> bool:
    """Tell whether an event's first day has begun in its own time zone."""
    return now >= event.to_utc(datetime.combine(event.starts_on, time()))


def note_meeting_change(event: Event, now: datetime) -> None:
    """Record that the invited participants' meeting moved, changed its link or was called
    off: the meeting mailings write to them again, and the reminder follows the new time."""
    event.meeting_changed_at = now
    event.meeting_sequence = (event.meeting_sequence or 0) + 1
    event.meeting_reminded_at = None


def set_status(event: Event, status: EventStatus) -> None:
    """Publish, unpublish (back to draft) or cancel an event; its activity follows."""
    event.status = status
    planning.follow_event(event, utcnow())
    db.session.flush()


def new_invitation(event: Event) -> str:
    """Give an invitation-only event a new invitation link and return its token.

    Only its digest is kept, so the token is shown once; the previous link stops working.
    """
    token = secrets.token_urlsafe(32)
    event.invitation_digest = token_digest(token)
    db.session.flush()
    return token


# Tracks


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _move(items: list[Any], item: Any, step: int) -> None:
    """Swap an item with its neighbour before (step -1) or after (step 1)."""
    ordered = sorted(items, key=lambda i: (i.position, i.id))
    index = ordered.index(item)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    db.session.flush()


def add_track(event: Event, fields: TrackFields) -> Track:
    """Add a track at the end of an event's tracks."""
    track = Track(event=event, position=len(event.tracks), **fields.model_dump())
    db.session.add(track)
    db.session.flush()
    return track


class PlacesHeld(Exception):
    """A track's places cannot go below those already offered or confirmed."""

    def __init__(self, held: int) -> None:
        super().__init__(held)
        self.held = held


def update_track(track: Track, fields: TrackFields) -> None:
    """Change a track's title, target group, topics and places.

    Fewer places than are offered or confirmed are refused (PlacesHeld); more places, once
    decisions are sent, go to the waiting list (places_added).
    """
    before = track.capacity
    if fields.capacity < before:
        answers = counting_held_places.send(track)
        held = max((int(answer or 0) for _receiver, answer in answers), default=0)
        if fields.capacity < held:
            raise PlacesHeld(held)
    for name, value in fields.model_dump().items():
        setattr(track, name, value)
    db.session.flush()
    if track.capacity > before:
        places_added.send(track)


def move_track(event: Event, track: Track, step: int) -> None:
    """Move a track one place up (-1) or down (1)."""
    _move(event.tracks, track, step)


def delete_track(event: Event, track: Track) -> None:
    """Remove a track with its questions and committee; refuse once it has applications."""
    if application_counts(event).get(track.id):
        raise TrackInUse
    try:
        # The database refuses too (RESTRICT): a savepoint keeps the session usable then.
        with db.session.begin_nested():
            db.session.delete(track)
            db.session.flush()
    except IntegrityError:
        raise TrackInUse from None
    db.session.expire(event, ["tracks"])
    _renumber(event.tracks)
    db.session.flush()


# Questions


def add_question(track: Track, fields: QuestionFields) -> Question:
    """Add a question at the end of a track's questions."""
    question = Question(track=track, position=len(track.questions), **fields.model_dump())
    db.session.add(question)
    db.session.flush()
    return question


def update_question(question: Question, fields: QuestionFields) -> None:
    """Change a question."""
    for name, value in fields.model_dump().items():
        setattr(question, name, value)
    db.session.flush()


def move_question(track: Track, question: Question, step: int) -> None:
    """Move a question one place up (-1) or down (1)."""
    _move(track.questions, question, step)


def delete_question(track: Track, question: Question) -> None:
    """Remove a question (its answers go with it)."""
    track.questions.remove(question)
    db.session.delete(question)
    _renumber(track.questions)
    db.session.flush()


# The committee


def committee_candidates(institution: Institution) -> list[User]:
    """Return the accounts that may sit on a committee: members of the host institution."""
    return [role.user for role in accounts.members(institution) if role.user.is_active]


def add_member(event: Event, track: Track, user: User) -> CommitteeMember | None:
    """Put a member of the host institution on a track's committee (None if already there)."""
    if any(member.user_id == user.id for member in track.committee):
        return None
    member = CommitteeMember(event_id=event.id, track=track, user=user)
    db.session.add(member)
    db.session.flush()
    return member


def remove_member(event: Event, member_id: int) -> CommitteeMember | None:
    """Take someone off a track's committee; None if the event has no such member."""
    for track in event.tracks:
        for member in track.committee:
            if member.id == member_id:
                track.committee.remove(member)
                db.session.delete(member)
                db.session.flush()
                return member
    return None


# The close of the window


def _organisers(institution_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(InstitutionRole, InstitutionRole.user_id == User.id)
            .where(
                InstitutionRole.institution_id == institution_id,
                InstitutionRole.role.in_(ORGANISER_ROLES),
                User.active.is_(True),
            )
        )
    )


def close_notice(event: Event, user: User, counts: dict[int, int]) -> tuple[str, str]:
    """Write the notice that an event's window has closed, in the recipient's language."""
    with force_locale(locale_of(user.language)):
        lines = [
            ngettext(
                "%(track)s: %(num)d application",
                "%(track)s: %(num)d applications",
                counts.get(track.id, 0),
                track=track.title,
            )
            for track in event.tracks
        ]
        subject = _("Applications to %(title)s are closed", title=event.title)
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "The application window of %(title)s has closed, and its decisions have "
                    "already been sent.",
                    title=event.title,
                )
                if event.decisions_sent_at is not None
                else _(
                    "The application window of %(title)s has closed. The selection committee "
                    "may now complete its reviews; decisions may be sent from now on.",
                    title=event.title,
                ),
                "\n".join(lines),
                external_url("events.manage", slug=event.institution.slug, event_id=event.id),
                _("This message was sent automatically; replies to it are not read."),
            ]
        )
    return subject, body + "\n"


def notice_closed_windows(now: datetime | None = None) -> int:
    """Tell the organisers and the committee of each published event whose window has
    closed, once (close_noticed_at records it); return how many events were noticed."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.closes_at.is_not(None),
                Event.closes_at <= now,
                Event.close_noticed_at.is_(None),
            )
            .options(
                selectinload(Event.institution),
                selectinload(Event.tracks)
                .selectinload(Track.committee)
                .selectinload(CommitteeMember.user),
            )
            .with_for_update(skip_locked=True, of=Event)
        )
    )
    for event in due:
        if event.window_state(now) != WindowState.CLOSED:
            continue
        recipients = {user.id: user for user in _organisers(event.institution_id)}
        for track in event.tracks:
            for member in track.committee:
                if member.user.is_active:
                    recipients.setdefault(member.user_id, member.user)
        counts = application_counts(event)
        for user in sorted(recipients.values(), key=lambda u: u.email):
            subject, body = close_notice(event, user, counts)
            queue_mail(user.email, subject, body, language=user.language)
        event.close_noticed_at = now
        log.info("close of event %s noticed to %s people", event.id, len(recipients))
    db.session.flush()
    return len(due)
