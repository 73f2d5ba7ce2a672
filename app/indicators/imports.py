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
from decimal import Decimal

from app.core.spreadsheets import header_problems, read_records, read_text
from app.indicators import services
from app.indicators.forms import parse_value, unit_problem
from app.indicators.models import Indicator, Measurement, PeriodApproval
from app.indicators.periods import Period
from app.indicators.services import lock_for, not_begun, reporting_periods
from app.planner.models import Plan

COLUMNS = ("indicator_id", "indicator", "period", "value", "note", "evidence_url", "version")
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
    # The version of the period's value the row replaces (0: there was none).
    base_version: int = 0


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

    `existing` holds the plan's values now (services.measurements_of).
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
        current = existing.get((indicator.id, key))
        version = read_text(record.get("version"))
        if version and not (version.isdigit() and len(version) < 10):
            problems.append(f"{where}, column version: {version!r} is not a version number")
        elif len(problems) == found and current is not None:
            same = (current.value, current.note, current.evidence_url) == (value, note, url)
            if not same and not version:
                problems.append(
                    f"{where}: {period.label} of indicator {indicator.id} already has the value "
                    f"{current.value} (version {current.version}); to replace it, give "
                    f"{current.version} in the version column"
                )
            elif not same and int(version) != current.version:
                problems.append(
                    f"{where}, column version: {period.label} of indicator {indicator.id} changed "
                    f"since version {version}: it is {current.value} now (version "
                    f"{current.version}, by {current.recorded_by})"
                )
        if len(problems) == found:
            result.rows.append(
                ValueRow(indicator.id, period, value, note, url, services.version_of(current))
            )
    if problems:
        result.rows = []
    return result
