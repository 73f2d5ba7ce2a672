"""Background work of events: scheduled tasks, run by the job queue (app.core.jobs)."""

from __future__ import annotations

import logging

from app.core.extensions import db
from app.core.jobs import crontab, periodic_task
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
