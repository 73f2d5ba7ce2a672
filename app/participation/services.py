"""Taking part, in one place: who the participants are, their attendance and feedback.

A participant is an application whose place is confirmed and that still stands (not
withdrawn, not erased). Every page, export and email of this package asks `is_participant`
or selects with `participating()`; none tests the place itself.

The mail of before and after the event, sent on a schedule, is mailings.py's.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.applications import services as applications
from app.applications.models import Application, ApplicationStatus, PlaceStatus
from app.applications.signals import application_erased
from app.core.enums import label_with
from app.core.extensions import aware, db
from app.core.i18n import lazy_gettext as _l
from app.events.models import Event, EventStatus, Track
from app.participation.models import Attendance, Feedback

log = logging.getLogger(__name__)

# Feedback opens the day after the event's last day and may be given or changed this long.
FEEDBACK_OPEN_DAYS = 30
# Those who have not answered are reminded this long after their invitation.
FEEDBACK_REMINDER_AFTER = timedelta(days=7)
# The preparatory meeting's reminder leaves this long before it starts.
MEETING_REMINDER_BEFORE = timedelta(days=1)


class DayOutside(ValueError):
    """A day that is not one of the event's days (or no day at all)."""


class FeedbackState(StrEnum):
    """Whether a participant may give feedback now."""

    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"


label_with(
    FeedbackState,
    {
        "not_yet": _l("Feedback not open yet"),
        "open": _l("Feedback open"),
        "closed": _l("Feedback closed"),
    },
)


# --- loading -----------------------------------------------------------------------------------


def application_for_token(token: str) -> Application:
    """Return the application behind an applicant's secret link, or answer 404."""
    return applications.require_application(token)


def is_participant(application: Application) -> bool:
    """Tell whether an application holds a confirmed place and still stands."""
    return (
        application.place == PlaceStatus.CONFIRMED
        and application.status == ApplicationStatus.SUBMITTED
        and application.erased_at is None
    )


def participating() -> tuple[Any, ...]:
    """The conditions of `is_participant`, for a query's WHERE."""
    return (
        Application.place == PlaceStatus.CONFIRMED,
        Application.status == ApplicationStatus.SUBMITTED,
        Application.erased_at.is_(None),
    )


def require_participant(token: str) -> Application:
    """Return a participant's application by their link; 404 for any other link."""
    application = application_for_token(token)
    if not is_participant(application):
        abort(404)
    return application


# --- the participants --------------------------------------------------------------------------


def participants_query(event: Event) -> Select[tuple[Application]]:
    """Select an event's participants by track and name, their track and institution loaded."""
    return (
        select(Application)
        .join(Track, Application.track_id == Track.id)
        .where(Application.event_id == event.id, *participating())
        .options(selectinload(Application.track), selectinload(Application.home_institution))
        .order_by(Track.position, Track.id, func.lower(Application.name), Application.id)
    )


def participants(event: Event) -> list[Application]:
    """Return an event's participants by track and name."""
    return list(db.session.scalars(participants_query(event)))


def by_name(people: list[Application]) -> list[Application]:
    """Sort people by name as a list at a door reads: accents aside, case aside."""

    def key(application: Application) -> tuple[str, int]:
        letters = unicodedata.normalize("NFKD", application.name)
        plain = "".join(c for c in letters if not unicodedata.combining(c)).casefold()
        return plain, application.id

    return sorted(people, key=key)


def attendance_of(event: Event) -> dict[int, list[date]]:
    """Return {application id: the days it was present, first first} for an event."""
    rows = db.session.execute(
        select(Attendance.application_id, Attendance.day)
        .join(Application, Attendance.application_id == Application.id)
        .where(Application.event_id == event.id)
        .order_by(Attendance.day)
    )
    days: dict[int, list[date]] = defaultdict(list)
    for application_id, day in rows:
        days[application_id].append(day)
    return dict(days)


def days_attended(application: Application) -> list[date]:
    """Return the days a participant was marked present, first first."""
    return list(
        db.session.scalars(
            select(Attendance.day)
            .where(Attendance.application_id == application.id)
            .order_by(Attendance.day)
        )
    )


def directory(event: Event) -> list[Application]:
    """Return the participants who agreed to be on the participants' own list."""
    return [a for a in participants(event) if a.list_consent]


def may_see_directory(application: Application) -> bool:
    """Tell whether an applicant may see the participants' list: a participant, once the
    organiser has shared it."""
    return is_participant(application) and application.event.list_shared


# --- attendance --------------------------------------------------------------------------------


def event_day(event: Event, text: str) -> date:
    """Read a day of the event written as YYYY-MM-DD; DayOutside if it is none of them."""
    try:
        value = date.fromisoformat(text)
    except ValueError as error:
        raise DayOutside(text) from error
    if value not in event.days():
        raise DayOutside(text)
    return value


def current_day(event: Event, now: datetime) -> date:
    """Return the day a check-in list opens on: today where the event is, if it is one of
    its days; else the first day (before the event) or the last (after it)."""
    today = event.local(now).date()
    return min(max(today, event.starts_on), event.ends_on)


def participant_of(event: Event, application_id: int) -> Application:
    """Return a participant of the event by id, or answer 404."""
    application = db.session.get(Application, application_id)
    if application is None or application.event_id != event.id or not is_participant(application):
        abort(404)
    return application


def present_on(event: Event, day: date) -> set[int]:
    """Return the ids of the participants marked present on a day."""
    return set(
        db.session.scalars(
            select(Attendance.application_id)
            .join(Application, Attendance.application_id == Application.id)
            .where(Application.event_id == event.id, Attendance.day == day)
        )
    )


def mark_attendance(
    application: Application, day: date, present: bool, by: str, now: datetime
) -> bool:
    """Mark a participant present or absent on a day of the event; tell whether it changed.

    Two marks of the same person and day at once leave one row: the second insert meets the
    unique constraint inside its savepoint and counts as already marked.
    """
    if day not in application.event.days():
        raise DayOutside(day.isoformat())
    if not present:
        # Deleted as a row, not by a bulk DELETE: the flush shows the records hook which
        # application's figures changed (a bulk one would recompute every event's).
        marked = db.session.scalar(
            select(Attendance).where(
                Attendance.application_id == application.id, Attendance.day == day
            )
        )
        if marked is None:
            return False
        try:
            with db.session.begin_nested():
                db.session.delete(marked)
        except StaleDataError:  # unmarked by another request meanwhile
            return False
        return True
    already = db.session.scalar(
        select(Attendance.id).where(
            Attendance.application_id == application.id, Attendance.day == day
        )
    )
    if already is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                Attendance(application_id=application.id, day=day, marked_by=by, marked_at=now)
            )
    except IntegrityError:
        return False
    return True


# --- feedback ----------------------------------------------------------------------------------


def feedback_opens_at(event: Event) -> datetime:
    """Return when feedback opens: midnight after the event's last day, where it was held."""
    return event.to_utc(datetime.combine(event.ends_on + timedelta(days=1), time()))


def feedback_closes_at(event: Event) -> datetime:
    """Return when feedback closes: FEEDBACK_OPEN_DAYS after it opened."""
    return event.to_utc(
        datetime.combine(event.ends_on + timedelta(days=1 + FEEDBACK_OPEN_DAYS), time())
    )


def feedback_first_day(event: Event) -> date:
    """Return the first day, where the event was held, on which feedback may be given."""
    return event.ends_on + timedelta(days=1)


def feedback_last_day(event: Event) -> date:
    """Return the last day, where the event was held, on which feedback may be given."""
    return event.ends_on + timedelta(days=FEEDBACK_OPEN_DAYS)


def feedback_state(event: Event, now: datetime) -> FeedbackState:
    """Tell whether feedback is not open yet, open, or closed."""
    if event.status == EventStatus.CANCELLED:
        return FeedbackState.CLOSED
    if now < feedback_opens_at(event):
        return FeedbackState.NOT_YET
    if now < feedback_closes_at(event):
        return FeedbackState.OPEN
    return FeedbackState.CLOSED


def feedback_of(application: Application) -> Feedback | None:
    """Return a participant's feedback, if given."""
    return db.session.scalar(select(Feedback).where(Feedback.application_id == application.id))


def save_feedback(
    application: Application,
    *,
    overall: int,
    track_rating: int,
    will_change: str,
    comments: str,
    now: datetime,
) -> Feedback:
    """Record a participant's feedback, or change what they gave (one per participant)."""
    feedback = feedback_of(application)
    if feedback is None:
        feedback = Feedback(
            application_id=application.id, overall=overall, track_rating=track_rating
        )
        try:
            with db.session.begin_nested():
                db.session.add(feedback)
        except IntegrityError:
            # The same participant sent the form twice at once: change the one that won.
            feedback = feedback_of(application)
            if feedback is None:
                raise
    feedback.overall = overall
    feedback.track_rating = track_rating
    feedback.will_change = will_change
    feedback.comments = comments
    feedback.submitted_at = now
    db.session.flush()
    return feedback


@dataclass(frozen=True)
class TrackFeedback:
    """The feedback of one track's participants, in figures."""

    track: Track | None  # None: the whole event
    participants: int
    answers: int
    overall_mean: float | None
    track_mean: float | None


def feedback_summary(event: Event) -> list[TrackFeedback]:
    """Return per track, then for the whole event: participants, answers and mean ratings."""
    answered = dict(
        db.session.execute(
            select(
                Application.track_id,
                func.count(Feedback.id),
            )
            .join(Feedback, Feedback.application_id == Application.id)
            .where(Application.event_id == event.id, Application.place == PlaceStatus.CONFIRMED)
            .group_by(Application.track_id)
        ).all()
    )
    means = {
        track_id: (overall, rating)
        for track_id, overall, rating in db.session.execute(
            select(
                Application.track_id,
                func.avg(Feedback.overall),
                func.avg(Feedback.track_rating),
            )
            .join(Feedback, Feedback.application_id == Application.id)
            .where(Application.event_id == event.id, Application.place == PlaceStatus.CONFIRMED)
            .group_by(Application.track_id)
        )
    }
    counts = dict(
        db.session.execute(
            select(Application.track_id, func.count(Application.id))
            # An erased participant still counts, as their ratings do: figures name nobody.
            .where(
                Application.event_id == event.id,
                Application.place == PlaceStatus.CONFIRMED,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .group_by(Application.track_id)
        ).all()
    )
    rows = []
    for track in event.tracks:
        overall, rating = means.get(track.id, (None, None))
        rows.append(
            TrackFeedback(
                track=track,
                participants=counts.get(track.id, 0),
                answers=answered.get(track.id, 0),
                overall_mean=None if overall is None else float(overall),
                track_mean=None if rating is None else float(rating),
            )
        )
    total = db.session.execute(
        select(func.count(Feedback.id), func.avg(Feedback.overall), func.avg(Feedback.track_rating))
        .join(Application, Feedback.application_id == Application.id)
        .where(Application.event_id == event.id, Application.place == PlaceStatus.CONFIRMED)
    ).one()
    rows.append(
        TrackFeedback(
            track=None,
            participants=sum(counts.values()),
            answers=total[0],
            overall_mean=None if total[1] is None else float(total[1]),
            track_mean=None if total[2] is None else float(total[2]),
        )
    )
    return rows


def feedback_texts(event: Event) -> list[Feedback]:
    """Return the feedback with words in it, by track, without the people's names loaded."""
    return list(
        db.session.scalars(
            select(Feedback)
            .join(Application, Feedback.application_id == Application.id)
            .join(Track, Application.track_id == Track.id)
            .where(
                Application.event_id == event.id,
                (Feedback.will_change != "") | (Feedback.comments != ""),
            )
            .options(selectinload(Feedback.application).selectinload(Application.track))
            .order_by(Track.position, Track.id, Feedback.submitted_at)
        )
    )


def answered_ids(event: Event) -> set[int]:
    """Return the ids of the applications whose feedback was given."""
    return set(
        db.session.scalars(
            select(Feedback.application_id)
            .join(Application, Feedback.application_id == Application.id)
            .where(Application.event_id == event.id)
        )
    )


def blank_feedback_texts(application_id: int) -> bool:
    """Blank the words of an erased applicant's feedback, keeping its ratings for the
    figures; tell whether there was feedback."""
    feedback = db.session.scalar(select(Feedback).where(Feedback.application_id == application_id))
    if feedback is None:
        return False
    feedback.will_change = ""
    feedback.comments = ""
    db.session.flush()
    return True


def on_application_erased(sender: Any, application: Application | None = None, **_: Any) -> None:
    """Blank the feedback's words of an application the applications package erased."""
    target = application if application is not None else sender
    if isinstance(target, Application):
        blank_feedback_texts(target.id)


application_erased.connect(on_application_erased)


def meeting_moment(event: Event) -> datetime | None:
    """Return the meeting's time where the event is held."""
    return event.local(aware(event.meeting_at)) if event.meeting_at else None
