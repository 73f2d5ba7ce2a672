"""Email through an outbox: queued in the request's transaction, delivered after its commit.

A request never talks to the mail server. It writes the message to the outbox table in its
own transaction, so the message exists exactly when the change that asked for it does, and a
request answers the same, in the same time, whatever the mail server does. After the commit
a worker (a thread of the same process by default, or `flask mail worker`) claims each due
message, sends it, and records the outcome; a failure is retried later with a growing delay.

A claim is a lease: the worker moves the message's next attempt past the time a delivery can
take. If the worker dies in between, the message is still pending and is tried again when the
lease ends: it may then arrive twice, but it is never lost.

The log names the recipient and the subject, never the body, which holds the links' tokens.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import unicodedata
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from app.core.extensions import db, utcnow
from app.core.i18n import known
from app.mail.models import Delivery, MailKind, MailStatus, OutboxMessage

log = logging.getLogger(__name__)

SUBJECT_MAX = 300  # the column's length
ERROR_MAX = 300
# Time a worker has to deliver a message it claimed before another may try it again.
LEASE = timedelta(minutes=5)
# How many due messages one pass claims at most; the next pass takes the rest.
BATCH = 50


def single_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """Return text fit for a mail header: control and line-break characters become spaces.

    A header with a line break is either refused by the email library (a 500) or, in older
    code, read as a second header (header injection). Names typed into the app end up in
    subjects, so every header value passes through here, whatever is stored.
    """
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _valid_address(address: str) -> bool:
    """Tell whether an address can stand in a To header (one address, one line)."""
    return (
        0 < len(address) <= 254
        and address.count("@") == 1
        and single_line(address, 254) == address
        and " " not in address
    )


def queue_mail(
    recipient: str,
    subject: str,
    body: str,
    kind: MailKind = MailKind.OTHER,
    language: str | None = None,
) -> OutboxMessage:
    """Write an email to the outbox in the current transaction; it leaves after the commit.

    `language` is the one subject and body are written in, for the Content-Language header.
    """
    smtp = bool(current_app.config.get("MAIL_SERVER"))
    message = OutboxMessage(
        recipient=recipient.strip()[:254],
        subject=single_line(subject),
        body=body,
        kind=kind,
        language=known(language),
        delivery=Delivery.SMTP if smtp else Delivery.OUTBOX,
        status=MailStatus.PENDING if smtp else MailStatus.SENT,
        next_attempt_at=utcnow() if smtp else None,
    )
    if not _valid_address(message.recipient):
        message.status, message.next_attempt_at = MailStatus.FAILED, None
        message.last_error = "not a single valid address"
    db.session.add(message)
    db.session.flush()
    if message.status == MailStatus.PENDING:
        # Read by the commit hook below: wake the worker once the message is committed.
        db.session.info["mail_queued"] = True
        log.info("mail %s queued to %s: %s", message.id, message.recipient, message.subject)
    elif message.status == MailStatus.FAILED:
        log.warning("mail %s not queued: %r is not one address", message.id, message.recipient)
    else:
        log.info(
            "mail %s kept in the outbox (no MAIL_SERVER) to %s: %s",
            message.id,
            message.recipient,
            message.subject,
        )
    return message


def recent_count(recipient: str, kind: MailKind, within: timedelta) -> int:
    """Count the messages of a kind queued to someone lately (for per-account limits)."""
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.kind == kind,
            OutboxMessage.created_at >= utcnow() - within,
        )
    )


def outbox(limit: int = 200) -> list[OutboxMessage]:
    """Return the newest messages first."""
    return list(
        db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )


# --- delivery ----------------------------------------------------------------------------------


def _update() -> Any:
    """Return an UPDATE of the outbox that leaves the session's loaded objects alone."""
    # Each step of a worker reads afresh; and matching loaded objects in Python would compare
    # SQLite's times, stored without their offset, with aware ones.
    return update(OutboxMessage).execution_options(synchronize_session=False)


def _due(now: datetime) -> Any:
    return and_(
        OutboxMessage.delivery == Delivery.SMTP,
        OutboxMessage.status == MailStatus.PENDING,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def _claim(message_id: int, now: datetime) -> bool:
    """Take a due message for this worker (one statement: two workers never both get it)."""
    claimed = db.session.execute(
        _update()
        .where(OutboxMessage.id == message_id, _due(now))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _email(message: OutboxMessage, config: Any) -> EmailMessage:
    email = EmailMessage()
    email["From"] = single_line(config.get("MAIL_FROM") or "no-reply@localhost", 254)
    email["To"] = message.recipient
    email["Subject"] = single_line(message.subject)
    email["Date"] = format_datetime(utcnow())
    domain = urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    email.set_content(message.body)
    if message.language:  # after the content, whose setting clears every Content-* header
        email["Content-Language"] = message.language
    return email


def _send(email: EmailMessage, config: Any) -> None:
    with smtplib.SMTP(
        config["MAIL_SERVER"],
        int(config.get("MAIL_PORT") or 25),
        timeout=float(config.get("MAIL_TIMEOUT", 10)),
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(email)


def _permanent(error: Exception) -> bool:
    """Tell whether the server refused for good (5xx): trying again would not help."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        return bool(codes) and all(c >= 500 for c in codes)
    return isinstance(code, int) and 500 <= code < 600


def retry_delay(attempts: int, config: Any) -> timedelta:
    """Return how long to wait after a message's n-th failed attempt: doubling, capped."""
    first = float(config.get("MAIL_RETRY_SECONDS", 60))
    return timedelta(seconds=min(first * 2 ** (attempts - 1), 6 * 60 * 60))


def deliver(message_id: int) -> str | None:
    """Claim one message and try to send it; return its new status, or None if not claimed."""
    config = current_app.config
    if not _claim(message_id, utcnow()):
        return None
    message = db.session.get(OutboxMessage, message_id)
    if message is None:  # removed meanwhile
        return None
    recipient, subject, attempts = message.recipient, message.subject, message.attempts
    try:
        email = _email(message, config)
        db.session.rollback()  # no transaction stays open while the server is talked to
        _send(email, config)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        db.session.rollback()
        reason = single_line(f"{type(error).__name__}: {error}", ERROR_MAX)
        give_up = _permanent(error) or attempts >= int(config.get("MAIL_MAX_ATTEMPTS", 8))
        values: dict[str, Any] = {"last_error": reason}
        if give_up:
            values |= {"status": MailStatus.FAILED, "next_attempt_at": None}
        else:
            values["next_attempt_at"] = utcnow() + retry_delay(attempts, config)
        db.session.execute(_update().where(OutboxMessage.id == message_id).values(**values))
        db.session.commit()
        log.warning(
            "mail %s to %s (%s) not sent, attempt %s%s: %s",
            message_id,
            recipient,
            subject,
            attempts,
            ", given up" if give_up else "",
            reason,
        )
        return MailStatus.FAILED if give_up else MailStatus.PENDING
    db.session.execute(
        _update()
        .where(OutboxMessage.id == message_id)
        .values(status=MailStatus.SENT, sent_at=utcnow(), next_attempt_at=None, last_error=None)
    )
    db.session.commit()
    log.info("mail %s sent to %s: %s", message_id, recipient, subject)
    return MailStatus.SENT


def deliver_due(limit: int = BATCH) -> dict[str, int]:
    """Send the messages that are due now; return how many ended in each status."""
    due = list(
        db.session.scalars(
            select(OutboxMessage.id).where(_due(utcnow())).order_by(OutboxMessage.id).limit(limit)
        )
    )
    db.session.rollback()  # end the read: each claim starts its own write transaction
    counts: dict[str, int] = {}
    for message_id in due:
        status = deliver(message_id)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


class MailWorker:
    """A thread of this process that delivers the outbox, woken by each commit of new mail.

    It also wakes every MAIL_POLL_SECONDS for retries that have come due and for messages
    another process left behind.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread, with a first pass, unless it runs already."""
        if self.thread is not None and self.thread.is_alive():
            return  # the common case, without the lock: once per request
        with self._lock:
            if self.thread is None or not self.thread.is_alive():
                self.stopping.clear()
                self.thread = threading.Thread(target=self._run, name="mail-worker", daemon=True)
                self.thread.start()
                self.wake.set()

    def notify(self) -> None:
        """Ask for a delivery pass soon, starting the thread if it is not running."""
        self.start()
        self.wake.set()

    def stop(self, timeout: float = 10) -> None:
        """Stop the thread after its current message."""
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        poll = float(self.app.config.get("MAIL_POLL_SECONDS", 30))
        while not self.stopping.is_set():
            self.wake.wait(poll)
            self.wake.clear()
            if self.stopping.is_set():
                break
            run_pass(self.app)


def run_pass(app: Flask) -> dict[str, int]:
    """Deliver what is due, in an app context of its own; never raise (a worker must go on)."""
    with app.app_context():
        try:
            return deliver_due()
        except Exception:
            log.exception("mail delivery pass failed; the messages stay pending")
            db.session.rollback()
            return {}
        finally:
            db.session.remove()


def worker(app: Flask) -> MailWorker:
    """Return the app's in-process mail worker."""
    return app.extensions.setdefault("mail_worker", MailWorker(app))  # type: ignore[no-any-return]


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    """After a commit that queued mail, let the in-process worker deliver it."""
    if not session.info.pop("mail_queued", False) or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("MAIL_WORKER", "thread") == "thread":
        worker(app).notify()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    """A rolled-back transaction queued nothing."""
    session.info.pop("mail_queued", None)
