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

from flask_babel import gettext as _

from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import header_problems, read_records, read_text, rename_headers
from app.indicators.computed import is_computed
from app.indicators.measurements import lock_for, version_of
from app.indicators.models import Indicator, Measurement, PeriodApproval
from app.indicators.schemas import ValueRow, check_value, not_begun
from app.indicators.services import reporting_periods
from app.planner.models import Plan

COLUMNS = ("indicator_id", "indicator", "period", "value", "note", "evidence_url", "version")
REQUIRED = ("indicator_id", "period", "value")
MAX_ROWS = 5000
# Each column's header as the reader's language writes it; a file may use any language's.
HEADERS = {
    "indicator_id": _l("indicator_id"),
    "indicator": _l("indicator"),
    "period": _l("period"),
    "value": _l("value"),
    "note": _l("note"),
    "evidence_url": _l("evidence_url"),
    "version": _l("version"),
}


def headers() -> list[str]:
    """Return the columns' headers in the reader's language, in the file's order."""
    return [str(HEADERS[column]) for column in COLUMNS]


def header(column: str) -> str:
    """Return one column's header in the reader's language."""
    return str(HEADERS[column])


def _by_column(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """Key each row by its columns' names, whichever language the file's header is in."""
    rename_headers(records, {column: HEADERS[column] for column in COLUMNS})
    return records


def _at(number: int, column: str, problem: str) -> str:
    return _(
        "row %(row)d, column %(column)s: %(problem)s",
        row=number,
        column=header(column),
        problem=problem,
    )


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
        problems.append(_("file: %(problem)s", problem=str(error)))
        return result
    records = _by_column(records)
    problems.extend(header_problems(records, REQUIRED, COLUMNS, MAX_ROWS, named=header))
    if problems:
        return result
    by_id = {i.id: i for i in indicators}
    periods = {i.id: {p.key: p for p in reporting_periods(i, plan)} for i in indicators}
    seen: dict[tuple[int, str], int] = {}
    for number, record in enumerate(records, start=2):  # row 1 is the header
        if not any(read_text(record.get(c)) for c in ("value", "note", "evidence_url")):
            continue  # a period of the values file left empty: nothing to record
        text_id = read_text(record.get("indicator_id"))
        indicator = by_id.get(int(text_id)) if text_id.isdigit() else None
        if indicator is None:
            problems.append(
                _at(
                    number,
                    "indicator_id",
                    _("%(id)s is not an indicator of this plan", id=repr(text_id)),
                )
            )
            continue
        if is_computed(indicator):
            problems.append(
                _at(
                    number,
                    "indicator_id",
                    _(
                        "indicator %(id)d is computed from its event's records; "
                        "its values cannot be imported",
                        id=indicator.id,
                    ),
                )
            )
            continue
        key = read_text(record.get("period"))
        period = periods[indicator.id].get(key)
        if period is None:
            sample = ", ".join(list(periods[indicator.id])[:4]) or _("none in the plan's period")
            problems.append(
                _at(
                    number,
                    "period",
                    _(
                        "%(key)s is not a reporting period of indicator %(id)d; "
                        "its periods are like %(sample)s",
                        key=repr(key),
                        id=indicator.id,
                        sample=sample,
                    ),
                )
            )
            continue
        if (indicator.id, key) in seen:
            problems.append(
                _at(
                    number,
                    "period",
                    _(
                        "indicator %(id)d already has %(key)s on row %(row)d",
                        id=indicator.id,
                        key=key,
                        row=seen[(indicator.id, key)],
                    ),
                )
            )
            continue
        seen[(indicator.id, key)] = number
        if problem := not_begun(period, today):
            problems.append(_at(number, "period", problem))
            continue
        lock = lock_for(approvals, period.end)
        if lock is not None:
            problems.append(
                _at(
                    number,
                    "period",
                    _(
                        "%(key)s is approved (%(window)s) and locked; "
                        "a manager must reopen it first",
                        key=key,
                        window=lock.period_key,
                    ),
                )
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
        problems.extend(_at(number, column, problem) for column, problem in found.items())
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
                    _(
                        "row %(row)d: %(period)s of indicator %(id)d already has the value "
                        "%(value)s (version %(version)d); to replace it, give %(version)d "
                        "in the %(column)s column",
                        row=number,
                        period=period.label,
                        id=indicator.id,
                        value=current.value,
                        version=current.version,
                        column=header("version"),
                    )
                )
                continue
            if checked.version != current.version:
                problems.append(
                    _at(
                        number,
                        "version",
                        _(
                            "%(period)s of indicator %(id)d changed since version %(base)s: "
                            "it is %(value)s now (version %(version)d, by %(by)s)",
                            period=period.label,
                            id=indicator.id,
                            base=version,
                            value=current.value,
                            version=current.version,
                            by=current.recorded_by,
                        ),
                    )
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
        if is_computed(indicator):
            continue  # its values come from records: nothing to fill in
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
