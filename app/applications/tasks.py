"""Background work of applications: scheduled tasks, run by the job queue (app.core.jobs)."""

from __future__ import annotations

import logging

from app.applications import services
from app.core.extensions import db, utcnow
from app.core.jobs import crontab, periodic_task

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def erase_requested_data() -> int:
    """Carry out the deletions applicants asked for (each minute; idempotent)."""
    erased = services.erase_requested(utcnow())
    db.session.commit()
    if erased:
        log.info("%s application(s) erased on request", erased)
    return erased


@periodic_task(crontab(minute="*"))
def notice_cancelled_events() -> int:
    """Tell those who applied to an event that was cancelled (each minute; once per event)."""
    told = services.notice_cancelled_events(utcnow())
    db.session.commit()
    return told


@periodic_task(crontab(minute="7", hour="3"))
def forget_idle_applicants() -> int:
    """Forget the addresses that never applied to an event that is over (daily)."""
    forgotten = services.forget_idle_applicants(utcnow())
    db.session.commit()
    return forgotten
