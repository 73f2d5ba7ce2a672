"""Mail through the job queue: each message delivered after its commit, and a sweep.

A queued message is enqueued once the transaction that wrote it commits (never before: a
task must not look for a message that may still be rolled back). The sweep, every minute,
enqueues whatever is due besides: a retry whose task was lost, a message whose enqueue failed
(the queue's storage was unreachable at the commit), one a dead consumer held a claim on.
Running the same delivery twice is harmless: the outbox's claim lets only one send.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.jobs import RetryTask, crontab, periodic_task, task
from app.mail import services
from app.mail.models import MailStatus

log = logging.getLogger(__name__)


# Retries here are for what the outbox does not handle (the database failing mid-task); a
# refusal by the mail server is retried at the outbox's own, growing, delay below.
@task(retries=5, retry_delay=30, retry_backoff=2)
def deliver_message(message_id: int) -> str | None:
    """Send one message of the outbox, unless it was sent or another run holds its claim."""
    result = services.attempt(message_id)
    if result.status == MailStatus.PENDING and result.retry_after is not None:
        raise RetryTask(delay=result.retry_after.total_seconds())
    return result.status


@periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    """Enqueue a delivery of every message that is due now; return how many."""
    due = services.due_ids()
    for message_id in due:
        deliver_message(message_id)
    if due:
        log.info("outbox sweep: %s message(s) due", len(due))
    return len(due)


@event.listens_for(Session, "after_commit")
def _enqueue_committed_mail(session: Session) -> None:
    """After a commit that queued mail, put a delivery of each message on the job queue."""
    queued: list[int] = session.info.pop(services.QUEUED, [])
    if not queued or not has_app_context():
        return
    for message_id in queued:
        try:
            deliver_message(message_id)
        except Exception:  # the commit stands; the sweep sends it once the queue answers
            log.exception("mail %s not enqueued; the outbox sweep will send it", message_id)


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session, *args: Any) -> None:
    """A rolled-back transaction queued nothing."""
    session.info.pop(services.QUEUED, None)
