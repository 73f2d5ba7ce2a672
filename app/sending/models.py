"""A sending: an activity of a plan that sends staff to another institution's event."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db, utcnow
from app.events.models import Event
from app.planner.models import Activity, Plan

# How many people one sending plans for, and the largest amount per person a planner types.
PEOPLE_MAX = 50
AMOUNT_MAX = Decimal("100000")


class Sending(db.Model):  # type: ignore[name-defined, misc]
    """The link from a plan's activity to the event it sends staff to, with the budget
    guidance the planner types (the product knows no Erasmus+ rates)."""

    __tablename__ = "sendings"
    __table_args__ = (
        # One sending per plan and event: a second send points to the first.
        UniqueConstraint("plan_id", "event_id", name="uq_sendings_plan_event"),
        CheckConstraint(f"people >= 1 AND people <= {PEOPLE_MAX}", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), unique=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="job_shadowing")
    people: Mapped[int] = mapped_column(Integer, default=1)
    # Per person: the travel (once) and the subsistence (each day), as the planner types them.
    travel_per_person: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    subsistence_per_day: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plan: Mapped[Plan] = relationship()
    activity: Mapped[Activity] = relationship()
    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<Sending plan={self.plan_id} event={self.event_id}>"
