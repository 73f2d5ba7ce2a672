"""Background work of participation: scheduled tasks, run by the job queue (app.core.jobs).

Each wraps an idempotent service of app/participation/services.py and commits what it did;
running one twice, or two at once, mails nobody twice.
"""

from __future__ import annotations

import logging

from app.core.extensions import db, utcnow
from app.core.jobs import crontab, periodic_task
from app.participation import services

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def meeting_invitations() -> int:
    """Invite new participants to their event's preparatory meeting."""
    sent = services.invite_to_meeting(utcnow())
    db.session.commit()
    if sent:
        log.info("meeting invitations queued: %s", sent)
    return sent


@periodic_task(crontab(minute="*"))
def meeting_reminders() -> int:
    """Remind participants of a meeting that starts within a day."""
    sent = services.remind_meeting(utcnow())
    db.session.commit()
    if sent:
        log.info("meeting reminders queued: %s", sent)
    return sent


@periodic_task(crontab(minute="*/5"))
def feedback_invitations() -> int:
    """Ask the participants of events that ended for their feedback."""
    sent = services.invite_feedback(utcnow())
    db.session.commit()
    if sent:
        log.info("feedback invitations queued: %s", sent)
    return sent


@periodic_task(crontab(minute="*/5"))
def feedback_reminders() -> int:
    """Remind those who have not given feedback a week after they were asked."""
    sent = services.remind_feedback(utcnow())
    db.session.commit()
    if sent:
        log.info("feedback reminders queued: %s", sent)
    return sent
