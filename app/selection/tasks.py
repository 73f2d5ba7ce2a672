"""Background work of selection: scheduled tasks, run by the job queue (app.core.jobs)."""

from __future__ import annotations

import logging

from app.core.extensions import db, utcnow
from app.core.jobs import crontab, periodic_task
from app.selection.decisions import expire_offers

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*"))
def expire_offers_task() -> int:
    """Each minute, let offers past their deadline lapse and offer their places on."""
    lapsed = expire_offers(utcnow())
    db.session.commit()
    if lapsed:
        log.info("offers expired: %s", lapsed)
    return lapsed
