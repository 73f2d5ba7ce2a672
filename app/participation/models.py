"""Tables of taking part: attendance per day, and the feedback a participant gives after."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.applications.models import Application
from app.core.extensions import db, utcnow
from app.events.models import SCORE_MAX, SCORE_MIN

FEEDBACK_TEXT_MAX = 5_000


class Attendance(db.Model):  # type: ignore[name-defined, misc]
    """A participant marked present on one day of the event (absence is no row)."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("application_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    marked_by: Mapped[str] = mapped_column(String(254), default="")
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship()

    def __repr__(self) -> str:
        return f"<Attendance {self.application_id} {self.day}>"


class Feedback(db.Model):  # type: ignore[name-defined, misc]
    """A participant's feedback on the event: a rating of their track and of the whole."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("application_id"),
        CheckConstraint(f"overall BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="overall"),
        CheckConstraint(f"track_rating BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="track_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    overall: Mapped[int] = mapped_column(Integer)
    track_rating: Mapped[int] = mapped_column(Integer)
    will_change: Mapped[str] = mapped_column(Text, default="")  # what they will change at home
    comments: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship()

    def __repr__(self) -> str:
        return f"<Feedback {self.application_id} {self.overall}/{self.track_rating}>"
