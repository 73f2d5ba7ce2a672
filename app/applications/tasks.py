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
