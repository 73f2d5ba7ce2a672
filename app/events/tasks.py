"""Background work of events: scheduled tasks, run by the job queue (app.core.jobs)."""

from __future__ import annotations

import logging

from app.core.extensions import db, utcnow
from app.core.jobs import crontab, periodic_task
from app.events.planning import follow_events
from app.events.services import notice_closed_windows

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def notice_closed_windows_task() -> int:
    """Each minute, tell organisers and committees of the windows that have closed."""
    noticed = notice_closed_windows()
    db.session.commit()
    if noticed:
        log.info("closed windows noticed: %s", noticed)
    return noticed


@periodic_task(crontab(minute="5"))
def follow_events_task() -> int:
    """Each hour, move hosted activities along with their events (planned, in progress,
    done), by the days of each event's place."""
    moved = follow_events(utcnow())
    db.session.commit()
    if moved:
        log.info("activities that followed their events: %s", moved)
    return moved
