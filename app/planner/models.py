"""Tables of plans, their activities, and what an activity carries over from its practice."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import User
from app.core.data_version import Scope, moved, scoped_rows, scopes_through
from app.core.enums import label_with, one_of
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_pgettext
from app.institutions.models import Institution
from app.practices.models import Phase, Practice


class PlanStatus(StrEnum):
    """Where a plan stands: being drafted, under way, or over."""

    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class ActivityStatus(StrEnum):
    """Where an activity stands, in the order of its life."""

    IDEA = "idea"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Format(StrEnum):
    """How an activity meets."""

    ON_SITE = "on-site"
    ONLINE = "online"
    HYBRID = "hybrid"


# Each label has its context: "Active" or "Planned" read differently elsewhere in a language.
label_with(
    PlanStatus,
    {
        "draft": lazy_pgettext("plan status", "Draft"),
        "active": lazy_pgettext("plan status", "Active"),
        "closed": lazy_pgettext("plan status", "Closed"),
    },
)
label_with(
    ActivityStatus,
    {
        "idea": lazy_pgettext("activity status", "Idea"),
        "planned": lazy_pgettext("activity status", "Planned"),
        "in_progress": lazy_pgettext("activity status", "In progress"),
        "done": lazy_pgettext("activity status", "Done"),
        "cancelled": lazy_pgettext("activity status", "Cancelled"),
    },
)
label_with(
    Format,
    {
        "on-site": lazy_pgettext("activity format", "On site"),
        "online": lazy_pgettext("activity format", "Online"),
        "hybrid": lazy_pgettext("activity format", "Hybrid"),
    },
)


def new_feed_token() -> str:
    """Return the secret of a plan's calendar feed address."""
    return secrets.token_urlsafe(24)


@scoped_rows
class Plan(db.Model):  # type: ignore[name-defined, misc]
    """An institution's plan of capacity-building activities for a period."""

    __tablename__ = "plans"
    __table_args__ = (
        one_of("status", PlanStatus),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    goals_text: Mapped[str] = mapped_column(Text, default="")
    # Keys of the `goals` vocabulary the plan serves.
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.DRAFT)
    feed_token: Mapped[str] = mapped_column(String(64), default=new_feed_token, unique=True)
    # Optimistic locking: every UPDATE says WHERE version = <the version read> and bumps it,
    # so of two concurrent saves of the same version exactly one succeeds (no lost update).
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    institution: Mapped[Institution] = relationship()
    owner: Mapped[User | None] = relationship()
    activities: Mapped[list[Activity]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by=lambda: (Activity.start_date, Activity.id),
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.title}>"

    def data_scopes(self, _session: Session) -> frozenset[Scope] | None:
        """The plan itself and its institution's plans (app/core/data_version.py); none when
        it moves to another institution, whose pages and the old one's both change."""
        if moved(self, "institution_id", "institution"):
            return None
        return frozenset({("plan", self.id), ("institution", self.institution_id)})


@scoped_rows
class Activity(db.Model):  # type: ignore[name-defined, misc]
    """One activity of a plan: adopted from a practice's phase, or custom."""

    __tablename__ = "activities"
    __table_args__ = (
        one_of("status", ActivityStatus),
        one_of("format", Format),
        one_of("phase", Phase, nullable=True),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[int | None] = mapped_column(
        ForeignKey("practices.id", ondelete="SET NULL"), index=True
    )
    phase: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10), default=Format.ON_SITE)
    # Who hosts it: None is the plan's own institution, otherwise a partner's name, so that
    # a hosting role can rotate among partners.
    host: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    # An iCalendar RRULE (e.g. FREQ=MONTHLY;INTERVAL=6 for twice a year), or None for once.
    recurrence: Mapped[str | None] = mapped_column(String(200))
    budget_planned: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    budget_actual: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    effort_planned: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=Decimal(0))
    effort_actual: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    # The sheet's 1-3 levels for this phase, kept as guidance next to the estimates.
    guidance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    mobility_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Ids of the institution's units involved, and actors the sheet names that no unit matched.
    unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    other_actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=ActivityStatus.IDEA)
    notes: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    # Optimistic locking: every UPDATE says WHERE version = <the version read> and bumps it,
    # so of two concurrent saves of the same version exactly one succeeds (no lost update).
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    plan: Mapped[Plan] = relationship(back_populates="activities")
    practice: Mapped[Practice | None] = relationship()
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ChecklistItem.position"
    )
    indicators: Mapped[list[ProposedIndicator]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        order_by="ProposedIndicator.position",
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="StatusChange.id"
    )

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "plan_id", "plan")


@scoped_rows
class ChecklistItem(db.Model):  # type: ignore[name-defined, misc]
    """A point to consider, carried over from the sheet, ticked when dealt with."""

    __tablename__ = "activity_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship(back_populates="checklist")

    def __repr__(self) -> str:
        return f"<ChecklistItem {self.text[:30]}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "activity_id", "activity")


@scoped_rows
class ProposedIndicator(db.Model):  # type: ignore[name-defined, misc]
    """An indicator the sheet suggests for the activity, waiting for targets (indicators issue)."""

    __tablename__ = "activity_proposed_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))

    activity: Mapped[Activity] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<ProposedIndicator {self.name}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "activity_id", "activity")


@scoped_rows
class StatusChange(db.Model):  # type: ignore[name-defined, misc]
    """When an activity's status changed, to what, and who changed it."""

    __tablename__ = "activity_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(254), default="")

    activity: Mapped[Activity] = relationship(back_populates="status_changes")

    def __repr__(self) -> str:
        return f"<StatusChange {self.activity_id} -> {self.status}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "activity_id", "activity")
