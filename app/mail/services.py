"""Email through an outbox: queued in the request's transaction, delivered by the job queue.

A request never talks to the mail server. It writes the message to the outbox table in its
own transaction, so the message exists exactly when the change that asked for it does, and a
request answers the same, in the same time, whatever the mail server does. After the commit
each new message is enqueued on the job queue (app/mail/tasks.py); the queue's consumer claims
it, sends it and records the outcome; a failure is retried later with a growing delay, and a
periodic sweep delivers whatever is due and was not enqueued (the queue was unreachable at the
commit, or a consumer died holding a claim).

A claim is a lease: one UPDATE moves the message's next attempt past the time a delivery can
take, so a second run of the same task (a retry, a duplicate enqueue, a second consumer) finds
it not due and leaves it. "Sent" is recorded the moment the server accepted the message, before
the connection is even closed. The window that remains is between the server's acceptance and
that commit (milliseconds): if the process dies or the database fails exactly then, the message
is sent again once the lease ends; so is one whose acceptance the server sent but the network
lost (a timeout after the data). It is never lost. Every attempt carries the same Message-ID,
so mail systems that see the message twice can tell it is one.

The log names the recipient and the subject, never the body, which holds the links' tokens.
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update

from app.core.extensions import aware, db, utcnow
from app.core.i18n import known
from app.mail.models import Delivery, MailKind, MailStatus, OutboxMessage

log = logging.getLogger(__name__)

SUBJECT_MAX = 300  # the column's length
ERROR_MAX = 300
# Time a worker has to deliver a message it claimed before another may try it again.
LEASE = timedelta(minutes=5)
# How many due messages one pass claims at most; the next pass takes the rest.
BATCH = 50
# The session.info key of the ids of the messages a transaction queued.
QUEUED = "mail_queued"


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
    calendar: str | None = None,
) -> OutboxMessage:
    """Write an email to the outbox in the current transaction; it leaves after the commit.

    `language` is the one subject and body are written in, for the Content-Language header;
    `calendar` an iCalendar invitation (METHOD:REQUEST) sent along as invite.ics.
    """
    smtp = bool(current_app.config.get("MAIL_SERVER"))
    message = OutboxMessage(
        recipient=recipient.strip()[:254],
        subject=single_line(subject),
        body=body,
        calendar=calendar,
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
        # Read by the commit hook of app/mail/tasks.py: enqueued once the message is committed.
        db.session.info.setdefault(QUEUED, []).append(message.id)
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
    email["Message-ID"] = message_id_of(message, config)
    email.set_content(message.body)
    if message.calendar:
        # As an attachment, which mail programs offer to add to the calendar (METHOD:REQUEST).
        email.add_attachment(
            message.calendar,
            subtype="calendar",
            filename="invite.ics",
            params={"method": "REQUEST"},
        )
    if message.language:  # after the content, whose setting clears every Content-* header
        email["Content-Language"] = message.language
    return email


def message_id_of(message: OutboxMessage, config: Any) -> str:
    """Return the message's Message-ID: the same at every attempt, unique to the message."""
    domain = urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    created = aware(message.created_at).strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{message.id}.{created}@{domain}>"


def _send(email: EmailMessage, config: Any, accepted: Callable[[], None]) -> None:
    """Hand the email to the server; call accepted() as soon as the server took it.

    So that "sent" is recorded before the connection is closed: a QUIT that fails or hangs
    after the acceptance must not make the message look unsent.
    """
    smtp = smtplib.SMTP(
        config["MAIL_SERVER"],
        int(config.get("MAIL_PORT") or 25),
        timeout=float(config.get("MAIL_TIMEOUT", 10)),
    )
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(email)
    except BaseException:
        smtp.close()
        raise
    try:
        accepted()
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


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


class Attempt(NamedTuple):
    """What one delivery attempt did: the message's new status (None: not claimed, left
    alone) and, when it is to be tried again, how long until then."""

    status: str | None
    retry_after: timedelta | None = None


def attempt(message_id: int) -> Attempt:
    """Claim one message and try to send it once."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        # A worker configured apart from the web processes that queued the message: it is
        # left, unclaimed, to one that can send it.
        log.warning("mail %s left pending: this process has no MAIL_SERVER", message_id)
        return Attempt(None)
    if not _claim(message_id, utcnow()):
        return Attempt(None)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:  # removed meanwhile
        return Attempt(None)
    recipient, subject, attempts = message.recipient, message.subject, message.attempts

    def accepted() -> None:
        # The server has it: recorded at once, in its own transaction, before anything else.
        db.session.execute(
            _update()
            .where(OutboxMessage.id == message_id)
            .values(status=MailStatus.SENT, sent_at=utcnow(), next_attempt_at=None, last_error=None)
        )
        db.session.commit()

    try:
        email = _email(message, config)
        db.session.rollback()  # no transaction stays open while the server is talked to
        _send(email, config, accepted)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        db.session.rollback()
        reason = single_line(f"{type(error).__name__}: {error}", ERROR_MAX)
        give_up = _permanent(error) or attempts >= int(config.get("MAIL_MAX_ATTEMPTS", 8))
        values: dict[str, Any] = {"last_error": reason}
        delay = None if give_up else retry_delay(attempts, config)
        if delay is None:
            values |= {"status": MailStatus.FAILED, "next_attempt_at": None}
        else:
            values["next_attempt_at"] = utcnow() + delay
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
        return Attempt(MailStatus.FAILED if give_up else MailStatus.PENDING, delay)
    log.info("mail %s sent to %s: %s", message_id, recipient, subject)
    return Attempt(MailStatus.SENT)


def deliver(message_id: int) -> str | None:
    """Claim one message and try to send it; return its new status, or None if not claimed."""
    return attempt(message_id).status


def due_ids(limit: int = BATCH) -> list[int]:
    """Return the ids of the messages due now, oldest first."""
    due = list(
        db.session.scalars(
            select(OutboxMessage.id).where(_due(utcnow())).order_by(OutboxMessage.id).limit(limit)
        )
    )
    db.session.rollback()  # end the read: each claim starts its own write transaction
    return due


def deliver_due(limit: int = BATCH) -> dict[str, int]:
    """Send the messages that are due now, here; return how many ended in each status."""
    counts: dict[str, int] = {}
    for message_id in due_ids(limit):
        status = deliver(message_id)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


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
