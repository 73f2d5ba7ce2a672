"""The outbox: every email the app queued, with where it stands in its delivery."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.enums import one_of
from app.core.extensions import db, utcnow
from app.core.i18n import Language


class Delivery(StrEnum):
    """How a message reaches its recipient, chosen when it is queued."""

    SMTP = "smtp"  # by the mail server (MAIL_SERVER), from the delivery worker
    OUTBOX = "outbox"  # no mail server: it stays on the outbox page for an administrator


class MailStatus(StrEnum):
    """Where a message stands: waiting (or retrying), handed to the server, or given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class MailKind(StrEnum):
    """What a message is for, so that limits can count one kind per recipient."""

    OTHER = "other"
    PASSWORD_RESET = "password-reset"  # noqa: S105 - a kind of email, not a password
    INVITATION = "invitation"


class OutboxMessage(db.Model):  # type: ignore[name-defined, misc]
    """An email, written in the transaction that asks for it and delivered after its commit."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        one_of("delivery", Delivery),
        one_of("status", MailStatus),
        one_of("kind", MailKind),
        one_of("language", Language, nullable=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # An iCalendar invitation sent along (text/calendar), such as a meeting's; None for most.
    calendar: Mapped[str | None] = mapped_column(Text)
    # The language the email is written in (its recipient's); None for one written before.
    language: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20), default=MailKind.OTHER)
    delivery: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the worker may next try: the retry's time after a failure, or the end of the lease
    # of a worker that claimed it (a worker that dies mid-delivery leaves it to be tried again).
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    # The last failure's kind and the server's answer; never the message itself.
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} to {self.recipient}: {self.status}>"
