"""Tables of individual staff training visits: the units that host them, their contacts, the
requests of visitors without accounts, the days a visitor attended and their feedback.

A request moves through the states of TRANSITIONS, one table of who may do what from which
state; every change of state goes through `VisitRequest.move`, which refuses the others.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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

from app.accounts.models import User
from app.core.enums import label_with
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_gettext as _l
from app.events.models import SCORE_MAX, SCORE_MIN
from app.institutions.models import Institution, Unit

TOPIC_MAX = 200
TEXT_MAX = 5_000
PROGRAMME_MAX = 20_000
# A visit lasts 2 days to 2 months (Erasmus+ staff mobility); a preferred range at most a year.
RANGE_MAX_DAYS = 366
LIST_MAX = 20


class VisitState(StrEnum):
    """Where a visit request stands."""

    UNVERIFIED = "unverified"  # the visitor has not opened the emailed link yet
    REQUESTED = "requested"  # verified: the host's international office sees it
    ROUTED = "routed"  # the office gave it to a unit
    CALL = "call"  # the unit asks for a video call first
    ACCEPTED = "accepted"  # the unit accepts the preferred dates
    PROPOSED = "proposed"  # the unit proposes other dates
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"  # the visitor confirmed the dates
    RECORDED = "recorded"  # after the visit, its attendance recorded


STATE_LABELS: dict[str, Any] = {
    VisitState.UNVERIFIED: _l("Email not yet confirmed"),
    VisitState.REQUESTED: _l("Requested"),
    VisitState.ROUTED: _l("Routed to a unit"),
    VisitState.CALL: _l("Call first"),
    VisitState.ACCEPTED: _l("Accepted"),
    VisitState.PROPOSED: _l("Other dates proposed"),
    VisitState.DECLINED: _l("Declined"),
    VisitState.WITHDRAWN: _l("Withdrawn"),
    VisitState.CONFIRMED: _l("Confirmed"),
    VisitState.RECORDED: _l("Recorded"),
}


label_with(VisitState, STATE_LABELS)


class VisitActor(StrEnum):
    """Who takes a step: the visitor (by their link), the host's office, or the unit."""

    VISITOR = "visitor"
    OFFICE = "office"  # the host institution's managers
    UNIT = "unit"  # the routed unit's contacts (and the office)


label_with(
    VisitActor,
    {"visitor": _l("Visitor"), "office": _l("International office"), "unit": _l("Host unit")},
)

# Every allowed transition: (state, action) -> (who, next state). Nothing else moves a request.
TRANSITIONS: dict[tuple[VisitState, str], tuple[VisitActor, VisitState]] = {
    (VisitState.UNVERIFIED, "verify"): (VisitActor.VISITOR, VisitState.REQUESTED),
    (VisitState.UNVERIFIED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.REQUESTED, "route"): (VisitActor.OFFICE, VisitState.ROUTED),
    (VisitState.REQUESTED, "decline"): (VisitActor.OFFICE, VisitState.DECLINED),
    (VisitState.REQUESTED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.ROUTED, "route"): (VisitActor.OFFICE, VisitState.ROUTED),
    (VisitState.ROUTED, "accept"): (VisitActor.UNIT, VisitState.ACCEPTED),
    (VisitState.ROUTED, "propose"): (VisitActor.UNIT, VisitState.PROPOSED),
    (VisitState.ROUTED, "call"): (VisitActor.UNIT, VisitState.CALL),
    (VisitState.ROUTED, "decline"): (VisitActor.UNIT, VisitState.DECLINED),
    (VisitState.ROUTED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.CALL, "accept"): (VisitActor.UNIT, VisitState.ACCEPTED),
    (VisitState.CALL, "propose"): (VisitActor.UNIT, VisitState.PROPOSED),
    (VisitState.CALL, "decline"): (VisitActor.UNIT, VisitState.DECLINED),
    (VisitState.CALL, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.ACCEPTED, "confirm"): (VisitActor.VISITOR, VisitState.CONFIRMED),
    (VisitState.ACCEPTED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.PROPOSED, "confirm"): (VisitActor.VISITOR, VisitState.CONFIRMED),
    (VisitState.PROPOSED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.CONFIRMED, "withdraw"): (VisitActor.VISITOR, VisitState.WITHDRAWN),
    (VisitState.CONFIRMED, "record"): (VisitActor.UNIT, VisitState.RECORDED),
}
ACTIONS = sorted({action for _state, action in TRANSITIONS})
# What the unit may still do to an accepted visit: write its programme (no change of state).
PROGRAMME_STATES = frozenset(
    {VisitState.ACCEPTED, VisitState.PROPOSED, VisitState.CONFIRMED, VisitState.RECORDED}
)
OPEN_STATES = frozenset(
    {
        VisitState.REQUESTED,
        VisitState.ROUTED,
        VisitState.CALL,
        VisitState.ACCEPTED,
        VisitState.PROPOSED,
        VisitState.CONFIRMED,
    }
)


class NotAllowed(Exception):
    """A step the table of transitions does not allow from the request's state."""

    def __init__(self, state: str, action: str, actor: str) -> None:
        super().__init__(f"{actor} may not {action} a request that is {state}")
        self.state, self.action, self.actor = state, action, actor


class VisitUnit(db.Model):  # type: ignore[name-defined, misc]
    """A unit's offer to host visits: topics, languages and the months it can host."""

    __tablename__ = "visit_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), unique=True, index=True
    )
    accepts_visits: Mapped[bool] = mapped_column(Boolean, default=False)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    months: Mapped[list[int]] = mapped_column(JSON, default=list)  # 1 to 12

    unit: Mapped[Unit] = relationship()
    contacts: Mapped[list[VisitContact]] = relationship(
        back_populates="visit_unit", cascade="all, delete-orphan", order_by="VisitContact.id"
    )

    def __repr__(self) -> str:
        return f"<VisitUnit {self.unit_id}>"


class VisitContact(db.Model):  # type: ignore[name-defined, misc]
    """A user of the institution who handles the visit requests of one unit."""

    __tablename__ = "visit_contacts"
    __table_args__ = (UniqueConstraint("visit_unit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_unit_id: Mapped[int] = mapped_column(
        ForeignKey("visit_units.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    visit_unit: Mapped[VisitUnit] = relationship(back_populates="contacts")
    user: Mapped[User] = relationship()


class VisitRequest(db.Model):  # type: ignore[name-defined, misc]
    """A visitor's request for an individual staff training visit at a host institution."""

    __tablename__ = "visit_requests"
    __table_args__ = (
        CheckConstraint("preferred_end >= preferred_start", name="preferred"),
        CheckConstraint(
            "proposed_start IS NULL OR proposed_end >= proposed_start", name="proposed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    suggested_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=VisitState.UNVERIFIED, index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    home_institution: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(TOPIC_MAX))
    message: Mapped[str] = mapped_column(Text, default="")
    preferred_start: Mapped[date] = mapped_column(Date)
    preferred_end: Mapped[date] = mapped_column(Date)
    call_first: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # SHA-256 of the visitor's secret link; each email carries a new one (only mailed).
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    proposed_start: Mapped[date | None] = mapped_column(Date)
    proposed_end: Mapped[date | None] = mapped_column(Date)
    host_note: Mapped[str] = mapped_column(Text, default="")  # the unit's words to the visitor
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    programme: Mapped[str] = mapped_column(Text, default="")  # Markdown
    starts_on: Mapped[date | None] = mapped_column(Date)  # the confirmed dates
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    institution: Mapped[Institution] = relationship()
    suggested_unit: Mapped[Unit | None] = relationship(foreign_keys=[suggested_unit_id])
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    days: Mapped[list[VisitDay]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="VisitDay.day"
    )
    feedback: Mapped[VisitFeedback | None] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[VisitState(self.state)])

    def allowed(self, actor: VisitActor) -> list[str]:
        """Return the actions an actor may take from the request's state."""
        return [
            action
            for (state, action), (who, _to) in TRANSITIONS.items()
            if state == self.state and who == actor
        ]

    def move(self, action: str, actor: VisitActor) -> VisitState:
        """Take one step of TRANSITIONS, or raise NotAllowed; return the new state."""
        step = TRANSITIONS.get((VisitState(self.state), action))
        if step is None or step[0] != actor:
            raise NotAllowed(self.state, action, actor)
        self.state = step[1]
        return step[1]

    @property
    def offered_dates(self) -> tuple[date, date]:
        """The dates the visitor is asked to confirm: the proposed ones, else their own."""
        if self.state == VisitState.PROPOSED and self.proposed_start and self.proposed_end:
            return self.proposed_start, self.proposed_end
        return self.preferred_start, self.preferred_end

    def __repr__(self) -> str:
        return f"<VisitRequest {self.id} {self.state}>"


class VisitDay(db.Model):  # type: ignore[name-defined, misc]
    """A day the visitor was present, marked by the unit (absence is no row)."""

    __tablename__ = "visit_days"
    __table_args__ = (UniqueConstraint("request_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("visit_requests.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    marked_by: Mapped[str] = mapped_column(String(254), default="")

    request: Mapped[VisitRequest] = relationship(back_populates="days")


class VisitFeedback(db.Model):  # type: ignore[name-defined, misc]
    """The visitor's feedback after the visit, as a participant's after an event."""

    __tablename__ = "visit_feedback"
    __table_args__ = (
        UniqueConstraint("request_id"),
        CheckConstraint(f"overall BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="visit_overall"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"))
    overall: Mapped[int] = mapped_column(Integer)
    will_change: Mapped[str] = mapped_column(Text, default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[VisitRequest] = relationship(back_populates="feedback")
