"""Tables of indicators, their targets per period, recorded values and period approvals."""

from __future__ import annotations

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
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, relationship

from app.core.data_version import Scope, scoped_rows, scopes_through
from app.core.enums import label_with, one_of
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_gettext as _l
from app.planner.models import Activity, Plan


class IndicatorUnit(StrEnum):
    """What an indicator's values count."""

    COUNT = "count"
    PERCENT = "percent"
    EUROS = "euros"
    SCORE = "score"
    YES_NO = "yes-no"


class Direction(StrEnum):
    """Which way an indicator's values are better."""

    HIGHER = "higher"
    LOWER = "lower"


class Aggregation(StrEnum):
    """How an indicator's values of several periods combine into one."""

    SUM = "sum"
    LATEST = "latest"
    AVERAGE = "average"


class Frequency(StrEnum):
    """How often an indicator is reported: per period of the calendar, or per occurrence."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    TERM = "term"
    YEARLY = "yearly"
    OCCURRENCE = "occurrence"


label_with(
    IndicatorUnit,
    {
        "count": _l("Count"),
        "percent": _l("Percent"),
        "euros": _l("Euros"),
        "score": _l("Score on a scale"),
        "yes-no": _l("Yes/no (1 or 0)"),
    },
)
label_with(Direction, {"higher": _l("Higher"), "lower": _l("Lower")})
label_with(Aggregation, {"sum": _l("Sum"), "latest": _l("Latest value"), "average": _l("Average")})
label_with(
    Frequency,
    {
        "monthly": _l("Monthly"),
        "quarterly": _l("Quarterly"),
        "term": _l("Per term"),
        "occurrence": _l("Per occurrence"),
        "yearly": _l("Yearly"),
    },
)
VALUE = Numeric(14, 2)


@scoped_rows
class Indicator(db.Model):  # type: ignore[name-defined, misc]
    """What a plan, or one of its activities, is judged by: baseline, targets and values."""

    __tablename__ = "indicators"
    __table_args__ = (
        one_of("unit", IndicatorUnit),
        one_of("direction", Direction),
        one_of("aggregation", Aggregation),
        one_of("frequency", Frequency),
        # Per-occurrence reporting needs an activity whose occurrences make the periods.
        CheckConstraint(
            "frequency != 'occurrence' OR activity_id IS NOT NULL", name="occurrence_activity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    # None: the indicator judges the plan as a whole.
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(10), default="count")
    # The top of the scale for "score" (e.g. 5 for a 1-5 satisfaction score).
    scale_max: Mapped[Decimal | None] = mapped_column(VALUE)
    direction: Mapped[str] = mapped_column(String(6), default="higher")
    aggregation: Mapped[str] = mapped_column(String(8), default="sum")
    frequency: Mapped[str] = mapped_column(String(12), default="quarterly")
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE)
    baseline_date: Mapped[date | None] = mapped_column(Date)
    target_value: Mapped[Decimal | None] = mapped_column(VALUE)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A computed indicator's source (a key of indicators.computed's registry, such as
    # "event.applications"): its values come from records, never typed; None for a typed one.
    source: Mapped[str | None] = mapped_column(String(40))
    # Optimistic locking: every UPDATE says WHERE version = <the version read> and bumps it,
    # so of two concurrent saves of the same version exactly one succeeds (no lost update).
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    plan: Mapped[Plan] = relationship()
    activity: Mapped[Activity | None] = relationship()
    targets: Mapped[list[IndicatorTarget]] = relationship(
        back_populates="indicator",
        cascade="all, delete-orphan",
        order_by="IndicatorTarget.period_key",
    )
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator",
        cascade="all, delete-orphan",
        order_by="Measurement.period_end",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name[:30]}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "plan_id", "plan")


@scoped_rows
class IndicatorTarget(db.Model):  # type: ignore[name-defined, misc]
    """The value an indicator should reach in one reporting period."""

    __tablename__ = "indicator_targets"
    # The unique constraint's index also serves lookups by indicator.
    __table_args__ = (UniqueConstraint("indicator_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(VALUE)

    indicator: Mapped[Indicator] = relationship(back_populates="targets")

    def __repr__(self) -> str:
        return f"<IndicatorTarget {self.indicator_id} {self.period_key}={self.value}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "indicator_id", "indicator")


class EvidenceFile(db.Model):  # type: ignore[name-defined, misc]
    """A file attached to a value as evidence, kept in the database with the value it backs.

    In the database rather than on disk so that a backup of the database is complete.
    """

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by: Mapped[str] = mapped_column(String(254), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<EvidenceFile {self.id} {self.filename}>"


@scoped_rows
class Measurement(db.Model):  # type: ignore[name-defined, misc]
    """A value recorded for an indicator and one period (or one occurrence)."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period_key"),
        # The latest value of each indicator, and values by time, without a table scan.
        Index("ix_measurements_indicator_id_period_end", "indicator_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(VALUE)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_files.id", ondelete="SET NULL")
    )
    recorded_by: Mapped[str] = mapped_column(String(254), default="")
    # For a computed value: the record counts behind it ({"applications": 84, ...}).
    basis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Optimistic locking, as for indicators: a save states the version its page showed, and
    # of two saves of the same version the UPDATE ... WHERE version = <read> of one fails.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    evidence: Mapped[EvidenceFile | None] = relationship()
    changes: Mapped[list[MeasurementChange]] = relationship(
        back_populates="measurement",
        cascade="all, delete-orphan",
        order_by="MeasurementChange.id",
    )

    def __repr__(self) -> str:
        return f"<Measurement {self.indicator_id} {self.period_key}={self.value}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "indicator_id", "indicator")


@scoped_rows
class MeasurementChange(db.Model):  # type: ignore[name-defined, misc]
    """A change of a recorded value: from what, to what, by whom, and whether it was approved."""

    __tablename__ = "measurement_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey("measurements.id", ondelete="CASCADE"), index=True
    )
    old_value: Mapped[Decimal | None] = mapped_column(VALUE)
    new_value: Mapped[Decimal] = mapped_column(VALUE)
    note: Mapped[str] = mapped_column(Text, default="")
    # True when the value was in a period that had been approved, then reopened for this.
    after_approval: Mapped[bool] = mapped_column(default=False)
    changed_by: Mapped[str] = mapped_column(String(254), default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    measurement: Mapped[Measurement] = relationship(back_populates="changes")

    def __repr__(self) -> str:
        return f"<MeasurementChange {self.measurement_id} {self.old_value}->{self.new_value}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "measurement_id", "measurement")


@scoped_rows
class PeriodApproval(db.Model):  # type: ignore[name-defined, misc]
    """A manager's approval of a plan's values for a window of time, which locks them.

    A value is locked when its period ends within an approved window that has not been
    reopened. Reopening keeps the row (who approved, who reopened, when).
    """

    __tablename__ = "period_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(10))
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(254))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reopened_by: Mapped[str | None] = mapped_column(String(254))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[Plan] = relationship()

    @property
    def open(self) -> bool:
        """Tell whether the approval still locks its window."""
        return self.reopened_at is None

    def __repr__(self) -> str:
        return f"<PeriodApproval plan {self.plan_id} {self.period_key}>"

    def data_scopes(self, session: Session) -> frozenset[Scope] | None:
        """The plan this row belongs to (app/core/data_version.py)."""
        return scopes_through(self, session, "plan_id", "plan")
