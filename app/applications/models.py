"""Tables of applying to an event: an applicant's access link, the application with its
answers, and where it stands (the organiser's decision, the offer of a place, its answer).

Applicants have no account. An `Applicant` is an email address that asked for a link to an
event's form; the link's token is a secret of which only a digest is stored. One person
(address) has one application per event.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import label_with, one_of
from app.core.extensions import aware, db, utcnow
from app.core.i18n import Language, lazy_pgettext
from app.core.i18n import lazy_gettext as _l
from app.events.models import Event, Question, Track
from app.institutions.models import Institution

NAME_MAX = 200
ROLE_MAX = 200
BACKGROUND_MAX = 3_000
INSTITUTION_MAX = 200
NETWORKS_MAX = 20  # network names an applicant lists
NETWORK_MAX = 100
# Applications an event takes at most: a request that sends every decision stays bounded.
APPLICATIONS_MAX = 5_000


def consent_digest_of(text: str) -> str:
    """Return the SHA-256 of a consent text as agreed to: what shows it was this text."""
    return hashlib.sha256(text.encode()).hexdigest()


class ApplicationStatus(StrEnum):
    """Whether the applicant still stands by the application."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    """The organiser's decision on an application."""

    ACCEPTED = "accepted"
    WAITING_LIST = "waiting_list"
    DECLINED = "declined"


class PlaceStatus(StrEnum):
    """Where an offered place stands: offered (until its deadline), taken, given back, lapsed."""

    OFFERED = "offered"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"


label_with(
    ApplicationStatus,
    {
        "submitted": lazy_pgettext("application status", "Submitted"),
        "withdrawn": lazy_pgettext("application status", "Withdrawn"),
    },
)
label_with(
    Decision,
    {
        "accepted": lazy_pgettext("decision", "Accepted"),
        "waiting_list": lazy_pgettext("decision", "Waiting list"),
        "declined": lazy_pgettext("decision", "Not selected"),
    },
)
label_with(
    PlaceStatus,
    {
        "offered": _l("Place offered"),
        "confirmed": _l("Place confirmed"),
        "declined": _l("Place declined"),
        "expired": _l("Offer expired"),
    },
)


class Applicant(db.Model):  # type: ignore[name-defined, misc]
    """An email address that asked for a link to an event's application form."""

    __tablename__ = "applicants"
    __table_args__ = (UniqueConstraint("event_id", "email"), one_of("language", Language))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # The language of the page the link was asked from: the applicant's emails are in it.
    language: Mapped[str] = mapped_column(String(2), default=Language.EN)
    # SHA-256 of the link's secret token (events.models.token_digest); the token is only mailed.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    link_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    event: Mapped[Event] = relationship()
    application: Mapped[Application | None] = relationship(
        back_populates="applicant", uselist=False
    )

    def __repr__(self) -> str:
        return f"<Applicant {self.id} event={self.event_id}>"


class Application(db.Model):  # type: ignore[name-defined, misc]
    """One person's application to an event's track, and where it stands."""

    __tablename__ = "applications"
    __table_args__ = (
        one_of("status", ApplicationStatus),
        one_of("decision", Decision, nullable=True),
        one_of("place", PlaceStatus, nullable=True),
        one_of("language", Language),
        CheckConstraint(
            "second_track_id IS NULL OR second_track_id <> track_id", name="second_track"
        ),
        CheckConstraint("waiting_rank IS NULL OR waiting_rank >= 1", name="waiting_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), unique=True
    )
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"), index=True)
    second_track_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(2), default=Language.EN)
    status: Mapped[str] = mapped_column(String(10), default=ApplicationStatus.SUBMITTED)

    # The questions asked of everyone.
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(254))
    current_role: Mapped[str] = mapped_column(String(ROLE_MAX), default="")
    background: Mapped[str] = mapped_column(Text, default="")  # professional background
    institution_name: Mapped[str] = mapped_column(String(INSTITUTION_MAX), default="")
    # The applicant's institution when it is one the app knows (partners, networks count it).
    home_institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)

    # Consent to the data use (required to apply) and to appear on the participants' list.
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The event's own consent text as the applicant agreed to it at consent_at, and its
    # SHA-256: the organiser may edit the event's text later without changing this.
    # (No digest: given before per-event texts existed, to the fixed text alone.)
    consent_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    consent_digest: Mapped[str | None] = mapped_column(String(64))
    list_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Consent that the plan of their home institution counts their records (staff sent,
    # days attended): without it nothing of theirs is counted there (app/sending).
    plan_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The organiser's decision: prepared any time, seen by the applicant only once sent after
    # the window's close (Event.decisions_visible).
    decision: Mapped[str | None] = mapped_column(String(15))
    waiting_rank: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The offered place: to an accepted applicant when decisions are sent, or to the next on
    # the waiting list when a place opens.
    place: Mapped[str | None] = mapped_column(String(10))
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offer_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # After the event: what was sent, and whether the person asked for their data to go.
    meeting_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erasure_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    event: Mapped[Event] = relationship()
    applicant: Mapped[Applicant] = relationship(back_populates="application")
    track: Mapped[Track] = relationship(foreign_keys=[track_id])
    second_track: Mapped[Track | None] = relationship(foreign_keys=[second_track_id])
    home_institution: Mapped[Institution | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="application", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} event={self.event_id} track={self.track_id}>"

    @property
    def consent_current(self) -> bool:
        """Tell whether the consent given is to the event's consent text as it stands: the
        organisers may change it after, and a change of the application is agreed anew."""
        agreed = self.consent_digest or consent_digest_of("")  # before per-event texts: none
        return agreed == consent_digest_of(self.event.consent_text)

    def visible_decision(self, now: datetime | None = None) -> str | None:
        """Return the decision as the applicant may see it: none before it was sent after the
        window's close, whatever has been prepared."""
        if self.decision_sent_at is None or not self.event.decisions_visible(now):
            return None
        return self.decision

    def offer_open(self, now: datetime | None = None) -> bool:
        """Tell whether the applicant may still confirm or decline an offered place."""
        return (
            self.place == PlaceStatus.OFFERED
            and self.offer_deadline is not None
            and (now or utcnow()) < aware(self.offer_deadline)
        )


class Answer(db.Model):  # type: ignore[name-defined, misc]
    """An application's answer to one of its track's questions (text, choices or yes/no)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    # A string, a list of strings, or a boolean, as the question's kind asks.
    value: Mapped[Any] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    def __repr__(self) -> str:
        return f"<Answer {self.application_id}/{self.question_id}>"
