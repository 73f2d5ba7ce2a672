"""The scheduled mail of taking part: the preparatory meeting's invitation (with its calendar
file) and reminder, and the request for feedback after the event and its reminder.

Each function takes `now` and is idempotent: it records what it sent (on the application:
`meeting_invited_at`, `feedback_invited_at`, `feedback_reminded_at`; on the event:
`meeting_reminded_at`) and sends only where the record is missing, so a second run, or a run
after a crash, mails nobody twice. The rows it will mail are locked where the database can
(PostgreSQL), skipping those another run holds. The tasks of tasks.py run them and commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, or_, select

from app.applications import services as applications
from app.applications.models import Application
from app.core.extensions import db
from app.events.models import Event, EventStatus
from app.mail.services import queue_mail
from app.participation import emails
from app.participation.models import Feedback
from app.participation.services import (
    FEEDBACK_OPEN_DAYS,
    FEEDBACK_REMINDER_AFTER,
    MEETING_REMINDER_BEFORE,
    FeedbackState,
    feedback_last_day,
    feedback_state,
    participating,
)

log = logging.getLogger(__name__)


# --- scheduled mail ----------------------------------------------------------------------------


def _locked(statement: Select[tuple[Application]]) -> Select[tuple[Application]]:
    """Lock the selected applications where the database can, skipping those another run
    holds, so that two runs at once never mail the same person (SQLite runs one writer)."""
    return statement.with_for_update(skip_locked=True, of=Application)


def invite_to_meeting(now: datetime) -> int:
    """Invite every participant not yet invited to their event's preparatory meeting, once
    decisions are sent and while the meeting is ahead; write again to those invited before
    the meeting moved, changed its link or was called off. Return how many were mailed."""
    held = and_(Event.meeting_at.is_not(None), Event.meeting_at > now, Event.meeting_url != "")
    called_off = or_(Event.meeting_at.is_(None), Event.meeting_url == "")
    found = db.session.scalars(
        _locked(
            select(Application)
            .join(Event, Application.event_id == Event.id)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.decisions_sent_at.is_not(None),
                *participating(),
                or_(
                    and_(Application.meeting_invited_at.is_(None), held),
                    and_(
                        Application.meeting_invited_at < Event.meeting_changed_at,
                        or_(held, called_off),
                    ),
                ),
            )
            .order_by(Application.id)
        )
    ).all()
    for application in found:
        event = application.event
        cancelled = event.meeting_at is None or not event.meeting_url
        if cancelled:
            email = emails.meeting_cancellation(application)
        elif application.meeting_invited_at is not None:
            email = emails.meeting_change(application)
        else:
            email = emails.meeting_invitation(application)
        queue_mail(
            application.email,
            email.subject,
            email.body,
            language=email.language,
            calendar=emails.meeting_ics(application, now, cancelled=cancelled),
        )
        log.info(
            "meeting %s to application %s of event %s",
            "cancellation" if cancelled else "invitation",
            application.id,
            event.id,
        )
        # A called-off meeting leaves nobody invited: a new time invites them afresh.
        application.meeting_invited_at = None if cancelled else now
        if event.meeting_invited_at is None and not cancelled:
            event.meeting_invited_at = now
    db.session.flush()
    return len(found)


def remind_meeting(now: datetime) -> int:
    """Remind the invited participants of a meeting that starts within a day, once per
    event; return how many were reminded."""
    events = db.session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.meeting_at.is_not(None),
            Event.meeting_at > now,
            Event.meeting_at <= now + MEETING_REMINDER_BEFORE,
            Event.meeting_reminded_at.is_(None),
        )
        # Another run holding the event is reminding its participants already.
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for event in events:
        for application in db.session.scalars(
            select(Application)
            .where(
                Application.event_id == event.id,
                Application.meeting_invited_at.is_not(None),
                *participating(),
            )
            .order_by(Application.id)
        ):
            email = emails.meeting_reminder(application)
            queue_mail(application.email, email.subject, email.body, language=email.language)
            sent += 1
        event.meeting_reminded_at = now
        log.info("meeting reminder of event %s sent", event.id)
    db.session.flush()
    return sent


def _feedback_events(now: datetime) -> list[Event]:
    """Return the events whose feedback is open now."""
    # A day's width around UTC's date covers every time zone; the exact edge is the event's.
    candidates = db.session.scalars(
        select(Event).where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_on <= now.date(),
            Event.ends_on >= now.date() - timedelta(days=FEEDBACK_OPEN_DAYS + 2),
        )
    ).all()
    return [e for e in candidates if feedback_state(e, now) == FeedbackState.OPEN]


def invite_feedback(now: datetime) -> int:
    """Ask every participant of an event that ended for feedback, once, from the day after
    its last day (in its time zone); return how many were asked."""
    sent = 0
    for event in _feedback_events(now):
        found = db.session.scalars(
            _locked(
                select(Application)
                .where(
                    Application.event_id == event.id,
                    Application.feedback_invited_at.is_(None),
                    # Who answered already (from their page, before this ran) is not asked.
                    ~exists().where(Feedback.application_id == Application.id),
                    *participating(),
                )
                .order_by(Application.id)
            )
        ).all()
        for application in found:
            # A link is mailed only when it is made: the earlier one stops working.
            # Straight to the form: the one thing this email asks for.
            link = applications.issue_link(application.applicant, "participation.feedback")
            email = emails.feedback_invitation(application, feedback_last_day(event), link)
            queue_mail(application.email, email.subject, email.body, language=email.language)
            application.feedback_invited_at = now
            sent += 1
        if found and event.feedback_sent_at is None:
            event.feedback_sent_at = now
    db.session.flush()
    return sent


def remind_feedback(now: datetime) -> int:
    """Remind once those asked for feedback a week ago who have not answered, while it is
    open; return how many were reminded."""
    sent = 0
    for event in _feedback_events(now):
        found = db.session.scalars(
            _locked(
                select(Application)
                .where(
                    Application.event_id == event.id,
                    Application.feedback_invited_at <= now - FEEDBACK_REMINDER_AFTER,
                    Application.feedback_reminded_at.is_(None),
                    ~exists().where(Feedback.application_id == Application.id),
                    *participating(),
                )
                .order_by(Application.id)
            )
        ).all()
        for application in found:
            link = applications.issue_link(application.applicant, "participation.feedback")
            email = emails.feedback_reminder(application, feedback_last_day(event), link)
            queue_mail(application.email, email.subject, email.body, language=email.language)
            application.feedback_reminded_at = now
            sent += 1
        if found and event.feedback_reminded_at is None:
            event.feedback_reminded_at = now
    db.session.flush()
    return sent
