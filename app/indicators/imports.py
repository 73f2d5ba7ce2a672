"""Importing indicator values from CSV or XLSX: all rows checked first, all or nothing.

Columns: indicator_id, period (a key such as 2027-Q1, 2027-03, 2027-T1, 2027 or an
occurrence's first day), value, and optionally note, evidence_url and indicator (the name,
ignored: it only helps people fill the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.core.spreadsheets import header_problems, read_records, read_text
from app.indicators.forms import parse_value, unit_problem
from app.indicators.models import Indicator, PeriodApproval
from app.indicators.periods import Period
from app.indicators.services import lock_for, not_begun, reporting_periods
from app.planner.models import Plan

COLUMNS = ("indicator_id", "indicator", "period", "value", "note", "evidence_url")
REQUIRED = ("indicator_id", "period", "value")
MAX_ROWS = 5000


@dataclass(frozen=True)
class ValueRow:
    """A checked row: which indicator, which period, what value."""

    indicator_id: int
    period: Period
    value: Decimal
    note: str
    evidence_url: str | None


@dataclass
class ValuesResult:
    """The rows to record, or the problems that stop the import."""

    rows: list[ValueRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_values(
    filename: str,
    raw: bytes,
    plan: Plan,
    indicators: list[Indicator],
    approvals: list[PeriodApproval],
    today: date,
) -> ValuesResult:
    """Check a file of values for a plan; return the rows to record, or every problem."""
    result = ValuesResult()
    problems = result.problems
    try:
        records = read_records(filename, raw, MAX_ROWS)
    except ValueError as error:
        problems.append(f"file: {error}")
        return result
    problems.extend(header_problems(records, REQUIRED, COLUMNS, MAX_ROWS))
    if problems:
        return result
    by_id = {i.id: i for i in indicators}
    periods = {i.id: {p.key: p for p in reporting_periods(i, plan)} for i in indicators}
    seen: dict[tuple[int, str], int] = {}
    for number, record in enumerate(records, start=2):  # row 1 is the header
        where = f"row {number}"
        text_id = read_text(record.get("indicator_id"))
        indicator = by_id.get(int(text_id)) if text_id.isdigit() else None
        if indicator is None:
            problems.append(
                f"{where}, column indicator_id: {text_id!r} is not an indicator of this plan"
            )
            continue
        key = read_text(record.get("period"))
        period = periods[indicator.id].get(key)
        if period is None:
            sample = ", ".join(list(periods[indicator.id])[:4]) or "none in the plan's period"
            problems.append(
                f"{where}, column period: {key!r} is not a reporting period of "
                f"indicator {indicator.id}; its periods are like {sample}"
            )
            continue
        if (indicator.id, key) in seen:
            problems.append(
                f"{where}, column period: indicator {indicator.id} already has {key} on row "
                f"{seen[(indicator.id, key)]}"
            )
            continue
        seen[(indicator.id, key)] = number
        if problem := not_begun(period, today):
            problems.append(f"{where}, column period: {problem}")
            continue
        lock = lock_for(approvals, period.end)
        if lock is not None:
            problems.append(
                f"{where}, column period: {key} is approved ({lock.period_key}) and locked; "
                "a manager must reopen it first"
            )
            continue
        # The value, the link and the note are checked independently: every problem of the
        # row is listed at once.
        found = len(problems)
        text = read_text(record.get("value"))
        try:
            value = parse_value(text)
        except ValueError as error:
            problems.append(f"{where}, column value: {error if text else 'missing'}")
        else:
            if problem := unit_problem(indicator, value):
                problems.append(f"{where}, column value: {problem}")
        url = read_text(record.get("evidence_url")) or None
        if url and not (url.startswith(("https://", "http://")) and len(url) <= 500):
            problems.append(
                f"{where}, column evidence_url: give a web address starting with https://"
            )
        note = read_text(record.get("note"))
        if len(note) > 5000:
            problems.append(f"{where}, column note: at most 5000 characters")
        if len(problems) == found:
            result.rows.append(ValueRow(indicator.id, period, value, note, url))
    if problems:
        result.rows = []
    return result
