"""The record of every email the app sent or queued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db, utcnow


class OutboxMessage(db.Model):  # type: ignore[name-defined, misc]
    """An email, kept whether it went out by SMTP or stayed in the outbox."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # "smtp" when handed to the mail server, "outbox" when there is none.
    delivery: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage to {self.recipient}: {self.subject}>"
