"""Importing indicator values from CSV or XLSX: all rows checked first, all or nothing.

Columns: indicator_id, period (a key such as 2027-Q1, 2027-03, 2027-T1, 2027 or an
occurrence's first day), value, and optionally note, evidence_url, indicator (the name,
ignored: it only helps people fill the file) and version.

A file never silently overwrites a value: a row that would change a period's existing value
must name the version it replaces (the values file the import page offers carries them), and
that version must still be the current one. Otherwise the row is listed as a problem, with
the value saved now and who saved it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.core.spreadsheets import header_problems, read_records, read_text
from app.indicators.measurements import lock_for, version_of
from app.indicators.models import Indicator, Measurement, PeriodApproval
from app.indicators.schemas import ValueRow, check_value, not_begun
from app.indicators.services import reporting_periods
from app.planner.models import Plan

COLUMNS = ("indicator_id", "indicator", "period", "value", "note", "evidence_url", "version")
REQUIRED = ("indicator_id", "period", "value")
MAX_ROWS = 5000


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
    existing: dict[tuple[int, str], Measurement],
) -> ValuesResult:
    """Check a file of values for a plan; return the rows to record, or every problem.

    `existing` holds the plan's values now (measurements.measurements_of).
    """
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
        if not any(read_text(record.get(c)) for c in ("value", "note", "evidence_url")):
            continue  # a period of the values file left empty: nothing to record
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
        # The value, the link, the note and the version are checked through the same schema
        # as a row of the values page, independently: every problem of the row is listed.
        version = read_text(record.get("version"))
        checked, found = check_value(
            {
                "value": read_text(record.get("value")),
                "evidence_url": read_text(record.get("evidence_url")),
                "note": read_text(record.get("note")),
                "version": version,
            },
            indicator,
        )
        problems.extend(f"{where}, column {column}: {problem}" for column, problem in found.items())
        if checked is None:
            continue
        current = existing.get((indicator.id, key))
        if current is not None and (current.value, current.note, current.evidence_url) != (
            checked.value,
            checked.note,
            checked.evidence_url,
        ):
            if not version:
                problems.append(
                    f"{where}: {period.label} of indicator {indicator.id} already has the value "
                    f"{current.value} (version {current.version}); to replace it, give "
                    f"{current.version} in the version column"
                )
                continue
            if checked.version != current.version:
                problems.append(
                    f"{where}, column version: {period.label} of indicator {indicator.id} changed "
                    f"since version {version}: it is {current.value} now (version "
                    f"{current.version}, by {current.recorded_by})"
                )
                continue
        # What the row replaces: the version it names, or the current one if it changes nothing.
        base = checked.model_copy(update={"version": version_of(current)})
        result.rows.append(ValueRow(indicator.id, period, base))
    if problems:
        result.rows = []
    return result


def values_file(
    plan: Plan,
    indicators: list[Indicator],
    existing: dict[tuple[int, str], Measurement],
    today: date,
) -> list[list[object]]:
    """Return the rows of the file to fill and import: every period that has begun, with its
    value and version (COLUMNS); `existing` holds the plan's values (measurements.measurements_of)."""
    rows: list[list[object]] = []
    for indicator in indicators:
        for period in reporting_periods(indicator, plan):
            if not_begun(period, today):
                break
            saved = existing.get((indicator.id, period.key))
            rows.append(
                [
                    indicator.id,
                    indicator.name,
                    period.key,
                    saved.value if saved else "",
                    saved.note if saved else "",
                    (saved.evidence_url or "") if saved else "",
                    saved.version if saved else "",
                ]
            )
    return rows
