"""Tables of the events an institution hosts: the event, its tracks and their questions, the
rubric its selection committee scores with, the committee, and the organiser's messages.

The rules every page, email and API answer share live here, once: the application window
(`Event.window_state`) and whether decisions may be seen or sent (`Event.decisions_open`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.enums import label_with, one_of
from app.core.extensions import aware, db, utcnow
from app.core.i18n import Language, lazy_pgettext
from app.core.i18n import lazy_gettext as _l
from app.institutions.models import Institution
from app.planner.models import Activity, ActivityStatus, Format

# Bounds, written once: forms, the API and the seed loader read them from here.
TITLE_MAX = 200
PLACE_MAX = 200
TEXT_MAX = 20_000  # description, programme, accommodation, a message template (Markdown)
CONSENT_MAX = 5_000  # the organiser's own consent and data-protection text (Markdown)
AUDIENCE_MAX = 2_000
TIMEZONE_MAX = 64
LANGUAGES_MAX = 10  # working languages of an event, ISO 639-1 codes
TRACKS_MAX = 20
TRACK_CAPACITY_MAX = 1_000
TOPICS_MAX = 20
TOPIC_MAX = 200
QUESTIONS_MAX = 30  # per track
PROMPT_MAX = 500
HELP_MAX = 1_000
CHOICES_MAX = 30
CHOICE_MAX = 200
ANSWER_MAX = 5_000  # the longest a question's length limit may be
CRITERIA_MAX = 12
WEIGHT_MAX = 10
SCORE_MIN, SCORE_MAX = 1, 5
SUBJECT_MAX = 300
CONFIRM_DAYS_MAX = 60
URL_MAX = 500
SIGNATORY_MAX = 200
# The event's dates: no further from today than this, either way (bounded date input).
YEARS_AROUND = 10


class EventStatus(StrEnum):
    """Whether the call is visible: prepared, published, or called off."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class WindowState(StrEnum):
    """Where the application window stands at a moment."""

    UNSCHEDULED = "unscheduled"  # no opening and closing time yet
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    """What a track's question asks for."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    ONE_CHOICE = "one_choice"
    SEVERAL_CHOICES = "several_choices"
    YES_NO = "yes_no"


class TemplateKind(StrEnum):
    """The emails whose text an organiser writes: one per decision, and the offer of a place
    that opens for someone on the waiting list."""

    ACCEPTED = "accepted"
    WAITING_LIST = "waiting_list"
    DECLINED = "declined"
    PROMOTED = "promoted"


label_with(
    EventStatus,
    {
        "draft": lazy_pgettext("event status", "Draft"),
        "published": lazy_pgettext("event status", "Published"),
        "cancelled": lazy_pgettext("event status", "Cancelled"),
    },
)
label_with(
    WindowState,
    {
        "unscheduled": _l("No application window yet"),
        "not_open": _l("Not open yet"),
        "open": _l("Open for applications"),
        "closed": _l("Applications closed"),
    },
)
label_with(
    QuestionKind,
    {
        "short_text": _l("Short text"),
        "long_text": _l("Long text"),
        "one_choice": _l("One choice"),
        "several_choices": _l("Several choices"),
        "yes_no": _l("Yes or no"),
    },
)
label_with(
    TemplateKind,
    {
        "accepted": _l("Accepted"),
        "waiting_list": _l("Waiting list"),
        "declined": _l("Not selected"),
        "promoted": _l("A place from the waiting list"),
    },
)


def known_timezones() -> frozenset[str]:
    """Return the IANA time zone names an event may be in."""
    return frozenset(available_timezones())


def token_digest(token: str) -> str:
    """Return what is stored of a secret link token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Event(db.Model):  # type: ignore[name-defined, misc]
    """A staff training event an institution hosts, from its call to its feedback."""

    __tablename__ = "events"
    __table_args__ = (
        one_of("status", EventStatus),
        one_of("format", Format),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window"
        ),
        CheckConstraint(f"confirm_days BETWEEN 1 AND {CONFIRM_DAYS_MAX}", name="confirm_days"),
        CheckConstraint(
            "disagreement_margin >= 0 AND disagreement_margin <= 4", name="disagreement_margin"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    # The plan activity the event carries out; its indicators are computed from the records.
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX), default="Europe/Helsinki")
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    format: Mapped[str] = mapped_column(String(10), default=Format.ON_SITE)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    audience: Mapped[str] = mapped_column(Text, default="")  # who it is for, plain text
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    programme: Mapped[str] = mapped_column(Text, default="")  # Markdown
    accommodation: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # The organiser's own consent and data-protection text, shown above the consent box. An
    # application keeps a copy of the text its applicant agreed to (Application.consent_text),
    # so editing it here changes nothing an earlier applicant agreed to.
    consent_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown
    # Working languages of the event, ISO 639-1 codes ("en", "fi"), named by Babel for readers.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The application window, stored in UTC, typed and shown in the event's time zone.
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Invitation-only: the call page has no form; applying needs the invitation link, whose
    # token is kept only as a digest.
    invitation_only: Mapped[bool] = mapped_column(Boolean, default=False)
    invitation_digest: Mapped[str | None] = mapped_column(String(64))
    second_choice: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days an accepted applicant (or one promoted from the waiting list) has to confirm.
    confirm_days: Mapped[int] = mapped_column(Integer, default=14)
    # Reviewers' mean scores further apart than this are flagged for the organiser.
    disagreement_margin: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("1.5"))
    decisions_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The preparatory online meeting of accepted participants.
    meeting_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    meeting_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the meeting's time or link changes after invitations went out: whoever was
    # invited before it is mailed again, with the calendar entry's SEQUENCE one higher.
    meeting_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Participants who consented may see each other's names once the organiser shares the list.
    list_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # The host's signature block on certificates of attendance.
    signatory_name: Mapped[str] = mapped_column(String(SIGNATORY_MAX), default="")
    signatory_title: Mapped[str] = mapped_column(String(SIGNATORY_MAX), default="")
    feedback_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feedback_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The close of the window was announced to the organiser and the committee.
    close_noticed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Those who applied were told that the event is cancelled.
    cancel_noticed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The status this event last gave its plan activity (planned, in_progress, done or
    # cancelled): each stage is given once, so a planner's later change by hand stands.
    activity_followed: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # An edition of a series of co-hosted events (app/series), which names its editions by
    # this column: the event stays its host's, edited as any other.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="SET NULL"), index=True
    )
    # Of an edition: held in one city by the series' coordinator (True), or at a member.
    centralised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic locking, as plans and activities: of two saves of one version, one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    institution: Mapped[Institution] = relationship()
    activity: Mapped[Activity | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    tracks: Mapped[list[Track]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by=lambda: (Track.position, Track.id),
        passive_deletes=True,
    )
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by=lambda: (RubricCriterion.position, RubricCriterion.id),
        passive_deletes=True,
    )
    templates: Mapped[list[MessageTemplate]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title}>"

    @property
    def zone(self) -> ZoneInfo:
        """Return the event's time zone."""
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """Return a stored (UTC) time as a time of the event's place."""
        return aware(moment).astimezone(self.zone)

    def to_utc(self, local: datetime) -> datetime:
        """Return a time typed in the event's time zone (naive) as UTC."""
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def window_state(self, now: datetime | None = None) -> WindowState:
        """Tell where the application window stands: opening and closing times are inclusive
        of the opening second and exclusive of the closing one."""
        if self.opens_at is None or self.closes_at is None:
            return WindowState.UNSCHEDULED
        now = now or utcnow()
        if now < aware(self.opens_at):
            return WindowState.NOT_OPEN
        if now < aware(self.closes_at):
            return WindowState.OPEN
        return WindowState.CLOSED

    def accepts_applications(self, now: datetime | None = None) -> bool:
        """Tell whether applications may be made, changed or withdrawn now."""
        return self.status == EventStatus.PUBLISHED and self.window_state(now) == WindowState.OPEN

    def decisions_may_be_sent(self, now: datetime | None = None) -> bool:
        """Tell whether decisions may leave now: only after the window has closed.

        The seed's rule: no application is confirmed before the application period is over.
        Every sender, page and API answer asks this; none compares times itself.
        """
        return self.window_state(now) == WindowState.CLOSED

    def decisions_visible(self, now: datetime | None = None) -> bool:
        """Tell whether applicants may see decisions: sent, and the window closed."""
        return self.decisions_sent_at is not None and self.decisions_may_be_sent(now)

    def activity_stage(self, now: datetime) -> ActivityStatus | None:
        """Return where the event's plan activity stands by the event: planned before its
        first day, in progress during it, done after it (days of the event's place),
        cancelled with the event; None for a draft."""
        if self.status == EventStatus.CANCELLED:
            return ActivityStatus.CANCELLED
        if self.status != EventStatus.PUBLISHED:
            return None
        today = self.local(now).date()
        if today < self.starts_on:
            return ActivityStatus.PLANNED
        return ActivityStatus.IN_PROGRESS if today <= self.ends_on else ActivityStatus.DONE

    def days(self) -> list[date]:
        """Return the days of the event, first to last."""
        span = (self.ends_on - self.starts_on).days
        return [self.starts_on + timedelta(days=n) for n in range(span + 1)]


class Track(db.Model):  # type: ignore[name-defined, misc]
    """A track of an event: its own audience, topics, places and questions."""

    __tablename__ = "tracks"
    __table_args__ = (
        CheckConstraint(f"capacity BETWEEN 1 AND {TRACK_CAPACITY_MAX}", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    target_group: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    # Bumped by every confirmation, under the row's lock: two confirmations of the last
    # place at the same instant are serialised on this row, and the second finds it full.
    seats_version: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="tracks")
    questions: Mapped[list[Question]] = relationship(
        back_populates="track",
        cascade="all, delete-orphan",
        order_by=lambda: (Question.position, Question.id),
        passive_deletes=True,
    )
    committee: Mapped[list[CommitteeMember]] = relationship(
        back_populates="track", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Track {self.id} {self.title}>"


class Question(db.Model):  # type: ignore[name-defined, misc]
    """A question a track asks its applicants, besides the questions asked of everyone."""

    __tablename__ = "questions"
    __table_args__ = (
        one_of("kind", QuestionKind),
        CheckConstraint(
            f"max_length IS NULL OR max_length BETWEEN 1 AND {ANSWER_MAX}", name="max_length"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default=QuestionKind.SHORT_TEXT)
    prompt: Mapped[str] = mapped_column(String(PROMPT_MAX))
    help: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # For text answers: the most characters an answer may have (None: the kind's default).
    max_length: Mapped[int | None] = mapped_column(Integer)
    # For one or several choices: the options, in order. An answer stores these (the main
    # language's), whatever language its applicant read the question in.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The question in the interface's other languages (optional): the main text stands in for
    # any that is empty. Translated choices, when given, are as many as `choices`, in order.
    prompt_fi: Mapped[str] = mapped_column(String(PROMPT_MAX), default="", server_default="")
    prompt_sv: Mapped[str] = mapped_column(String(PROMPT_MAX), default="", server_default="")
    help_fi: Mapped[str] = mapped_column(Text, default="", server_default="")
    help_sv: Mapped[str] = mapped_column(Text, default="", server_default="")
    choices_fi: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    choices_sv: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    track: Mapped[Track] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"

    def prompt_in(self, language: str) -> str:
        """Return the question's text in a language, else in the main language."""
        return getattr(self, f"prompt_{language}", "") or self.prompt

    def help_in(self, language: str) -> str:
        """Return the question's help text in a language, else in the main language."""
        return getattr(self, f"help_{language}", "") or self.help

    def choices_in(self, language: str) -> list[tuple[str, str]]:
        """Return the choices as (stored value, label in a language) pairs: the value is the
        main language's choice, so that answers compare the same in every language."""
        shown = getattr(self, f"choices_{language}", None) or []
        if len(shown) != len(self.choices):
            shown = self.choices
        return list(zip(self.choices, shown, strict=True))

    def answer_in(self, value: Any, language: str) -> Any:
        """Return a stored answer as a reader of a language reads it: each choice by its
        label in that language; text and yes or no as they are."""
        if self.kind not in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES):
            return value
        labels = dict(self.choices_in(language))
        if isinstance(value, list):
            return [labels.get(item, item) for item in value]
        return labels.get(value, value)


class RubricCriterion(db.Model):  # type: ignore[name-defined, misc]
    """A criterion reviewers score an application on, 1 to 5, with its weight in the mean."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (CheckConstraint(f"weight BETWEEN 1 AND {WEIGHT_MAX}", name="weight"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)

    event: Mapped[Event] = relationship(back_populates="criteria")

    def __repr__(self) -> str:
        return f"<RubricCriterion {self.id} {self.title} x{self.weight}>"


class CommitteeMember(db.Model):  # type: ignore[name-defined, misc]
    """A member of the event's selection committee, assigned to one track (a row per track)."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("track_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    track: Mapped[Track] = relationship(back_populates="committee")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CommitteeMember user={self.user_id} track={self.track_id}>"


class MessageTemplate(db.Model):  # type: ignore[name-defined, misc]
    """The organiser's own text of a decision email, per kind and language (plain text)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        one_of("kind", TemplateKind),
        one_of("language", Language),
        UniqueConstraint("event_id", "kind", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)

    event: Mapped[Event] = relationship(back_populates="templates")

    def __repr__(self) -> str:
        return f"<MessageTemplate {self.event_id} {self.kind} {self.language}>"
