"""Reads and writes of an indicator's values, their evidence and the approvals that lock them.

Functions add and flush; views commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.core.extensions import db, utcnow
from app.indicators.computed import Computed, is_computed
from app.indicators.models import (
    EvidenceFile,
    Indicator,
    Measurement,
    MeasurementChange,
    PeriodApproval,
)
from app.indicators.periods import Period
from app.indicators.schemas import ValueRow, not_begun
from app.indicators.services import reporting_periods
from app.planner.models import Plan


class Locked(Exception):
    """The value's period is approved; a manager must reopen it before it changes."""

    def __init__(self, approval: PeriodApproval) -> None:
        super().__init__(f"{approval.period_key} is approved")
        self.approval = approval


class ValueConflict(Exception):
    """Someone saved the period's value since the page or file that changes it was made."""

    def __init__(self, current: Measurement | None) -> None:
        super().__init__("the value changed since it was read")
        self.current = current


def version_of(existing: Measurement | None) -> int:
    """Return the version of a period's value as pages and files carry it: 0 for none yet."""
    return existing.version if existing is not None else 0


class NotBegun(Exception):
    """The value's period has not begun: there is nothing to measure yet."""


def approvals_of(plan: Plan) -> list[PeriodApproval]:
    """Return a plan's approvals, newest first (reopened ones too, for the record)."""
    return list(
        db.session.scalars(
            select(PeriodApproval)
            .where(PeriodApproval.plan_id == plan.id)
            .order_by(PeriodApproval.approved_at.desc(), PeriodApproval.id.desc())
        )
    )


def lock_for(approvals: Iterable[PeriodApproval], period_end: date) -> PeriodApproval | None:
    """Return the open approval whose window holds a period's last day, if any."""
    return next(
        (a for a in approvals if a.open and a.window_start <= period_end <= a.window_end), None
    )


def record_value(
    indicator: Indicator,
    period: Period,
    value: Decimal,
    *,
    existing: Measurement | None,
    note: str,
    evidence_url: str | None,
    evidence: EvidenceFile | None,
    by: str,
    approvals: list[PeriodApproval],
    today: date,
    base_version: int,
) -> Measurement | None:
    """Record or change the value of a period; None if nothing changed.

    `existing` is the period's value if it has one (from measurements_of), `base_version`
    the version the change was made from (version_of; 0: there was none). Refused with
    NotBegun for a period after today, with Locked inside an approved window and with
    ValueConflict when someone saved since (also when two saves race: the session is rolled
    back then). Every new value or change is kept in the value's history, marked when it
    follows a reopened approval. A computed indicator's values come from its records only:
    refused with Computed, whoever asks.
    """
    if is_computed(indicator):
        raise Computed(indicator)
    problem = not_begun(period, today)
    if problem is not None:
        raise NotBegun(problem)
    if version_of(existing) != base_version:
        raise ValueConflict(existing)
    approval = lock_for(approvals, period.end)
    if approval is not None:
        raise Locked(approval)
    reopened = any(not a.open and a.window_start <= period.end <= a.window_end for a in approvals)
    measurement = existing
    if measurement is None:
        measurement = Measurement(
            indicator_id=indicator.id,
            period_key=period.key,
            period_start=period.start,
            period_end=period.end,
            value=value,
            note=note,
            evidence_url=evidence_url,
            evidence=evidence,
            recorded_by=by,
        )
        db.session.add(measurement)
        old = None
    else:
        unchanged = (
            measurement.value == value
            and measurement.note == note
            and measurement.evidence_url == evidence_url
            and evidence is None
        )
        if unchanged:
            return None
        old = measurement.value
        measurement.value = value
        measurement.note = note
        measurement.evidence_url = evidence_url
        if evidence is not None:
            measurement.evidence = evidence
        measurement.recorded_by = by
        measurement.recorded_at = utcnow()
    db.session.add(
        MeasurementChange(
            measurement=measurement,
            old_value=old,
            new_value=value,
            note=note,
            after_approval=reopened,
            changed_by=by,
        )
    )
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        # Another save of the same version, or a first value of the same period, won.
        db.session.rollback()
        raise ValueConflict(None) from None
    return measurement


def evidence_file(upload: FileStorage, *, by: str) -> EvidenceFile:
    """Keep an uploaded evidence file (checked by schemas.evidence_problem) as a row."""
    content = upload.read()
    return EvidenceFile(
        filename=(upload.filename or "evidence")[-200:],
        content_type=upload.mimetype or "application/octet-stream",
        size=len(content),
        content=content,
        uploaded_by=by,
    )


def stale(
    rows: list[ValueRow], existing: dict[tuple[int, str], Measurement]
) -> dict[tuple[int, str], Measurement]:
    """Return the values saved by someone else since the rows were read, by row."""
    return {
        (row.indicator_id, row.period.key): current
        for row in rows
        if (current := existing.get((row.indicator_id, row.period.key))) is not None
        and current.version != row.checked.version
    }


def record_values(
    rows: list[ValueRow],
    indicators: list[Indicator],
    *,
    existing: dict[tuple[int, str], Measurement],
    approvals: list[PeriodApproval],
    by: str,
    today: date,
) -> int:
    """Record checked values, typed on the values page or read from a file; return how many
    changed. Refused as record_value refuses (ValueConflict rolls the session back)."""
    by_id = {i.id: i for i in indicators}
    changed = 0
    for row in rows:
        saved = record_value(
            by_id[row.indicator_id],
            row.period,
            row.checked.value,
            existing=existing.get((row.indicator_id, row.period.key)),
            note=row.checked.note,
            evidence_url=row.checked.evidence_url,
            evidence=evidence_file(row.evidence, by=by) if row.evidence is not None else None,
            by=by,
            approvals=approvals,
            today=today,
            base_version=row.checked.version,
        )
        changed += saved is not None
    return changed


def approve(plan: Plan, window: Period, *, by: str) -> PeriodApproval:
    """Approve a window of a plan's values, which locks them."""
    approval = PeriodApproval(
        plan=plan,
        period_key=window.key,
        window_start=window.start,
        window_end=window.end,
        approved_by=by,
    )
    db.session.add(approval)
    db.session.flush()
    return approval


def reopen(approval: PeriodApproval, *, by: str, reason: str) -> None:
    """Reopen an approved window so its values can change again; the approval is kept."""
    approval.reopened_by = by
    approval.reopened_at = utcnow()
    approval.reopen_reason = reason
    db.session.flush()


def due_in(
    indicators: list[Indicator], plan: Plan, window: Period
) -> list[tuple[Indicator, Period]]:
    """List every (indicator, period) whose period ends within a window: what to report."""
    return [
        (indicator, period)
        for indicator in indicators
        for period in reporting_periods(indicator, plan)
        if window.start <= period.end <= window.end
    ]


def measurements_of(indicators: list[Indicator]) -> dict[tuple[int, str], Measurement]:
    """Return the values of indicators by (indicator id, period key), in one query."""
    ids = [i.id for i in indicators]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Measurement)
        .where(Measurement.indicator_id.in_(ids))
        .options(selectinload(Measurement.evidence))
    )
    return {(m.indicator_id, m.period_key): m for m in rows}


def names_of(emails: Iterable[str]) -> dict[str, str]:
    """Return the name of each person by the email address values and approvals record.

    People without a name, and addresses of no account (any longer), keep the address.
    """
    wanted = {e for e in emails if e}
    if not wanted:
        return {}
    found = dict(
        db.session.execute(select(User.email, User.name).where(User.email.in_(wanted))).all()
    )
    return {email: (found.get(email) or "").strip() or email for email in wanted}


def evidence_of(plan: Plan, evidence_id: int) -> EvidenceFile | None:
    """Return an evidence file if it backs a value of this plan (else None: not the plan's)."""
    return db.session.scalar(
        select(EvidenceFile)
        .join(Measurement, Measurement.evidence_id == EvidenceFile.id)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(EvidenceFile.id == evidence_id, Indicator.plan_id == plan.id)
        .options(undefer(EvidenceFile.content))
    )
