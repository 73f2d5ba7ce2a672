"""Importing activities into a plan from CSV or XLSX, in the columns the exports write.

Every row is checked first; if any has a problem nothing is imported and every problem is
listed by row and column. Rows sharing an activity_id (the occurrences of one repeating
activity in an export) make one activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.core.extensions import db
from app.core.spreadsheets import header_problems, parse_number, read_records, read_text
from app.core.vocabularies import Vocabularies
from app.planner.exports import COLUMNS
from app.planner.models import ACTIVITY_STATUSES, FORMATS, PHASES, Activity, Plan, StatusChange
from app.planner.services import RecurrenceError, check_recurrence
from app.practices.services import get_practices

MAX_ROWS = 5000
REQUIRED = ("title",)

# What each column takes, shown on the import page; the keys are the export's columns.
_NUMBER = "A number such as 1500.50 or 1 500,50; not negative."
COLUMN_HELP = {
    "activity_id": "Rows with the same id are the occurrences of one activity, read from its "
    "first row (as the export writes them). It never points to an activity already in the "
    "plan: every activity in the file is added.",
    "occurrence_start": "Written by the export; ignored.",
    "occurrence_end": "Written by the export; ignored.",
    "title": "Required, up to 200 characters.",
    "practice": "The address name of a practice sheet, e.g. sending-staff-on-job-shadowing.",
    "phase": f"One of: {', '.join(PHASES)}.",
    "format": f"One of: {', '.join(FORMATS)} (empty: on-site).",
    "host": "Who hosts it; empty for your own institution.",
    "start_date": "A date such as 2027-03-01.",
    "end_date": "A date such as 2027-03-05, not before start_date.",
    "recurrence": "How it repeats, weekly or less often: FREQ=MONTHLY;INTERVAL=6 is twice a "
    "year, FREQ=YEARLY once a year, FREQ=WEEKLY;COUNT=4 four weeks in a row. Needs a start_date.",
    "status": f"One of: {', '.join(ACTIVITY_STATUSES)} (empty: idea).",
    "budget_planned": f"Euros for the whole activity. {_NUMBER}",
    "budget_actual": f"Euros spent. {_NUMBER}",
    "effort_planned": f"Person-days for the whole activity. {_NUMBER}",
    "effort_actual": f"Person-days spent. {_NUMBER}",
    "responsible": "A person's name.",
    "target_groups": "Keys separated by semicolons (see the allowed ones in a problem list).",
    "mobility_stages": "Keys separated by semicolons.",
    "partners": "Names separated by semicolons.",
    "units": "Names of your institution's units, separated by semicolons.",
    "notes": "Free text.",
    "evaluation": "Free text.",
}


@dataclass
class ImportResult:
    """The activities to create, or the problems that stop the import."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _text(value: str) -> str:
    return read_text(value)


def _date(value: str, column: str, problems: list[str], where: str) -> date | None:
    value = _text(value)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        problems.append(f"{where}, column {column}: {value!r} is not a date like 2027-03-01")
        return None


def _amount(value: str, column: str, problems: list[str], where: str) -> Decimal | None:
    value = _text(value)
    if not value:
        return None
    try:
        amount = parse_number(value)
    except ValueError as error:
        problems.append(f"{where}, column {column}: {error}")
        return None
    if amount < 0:
        problems.append(f"{where}, column {column}: must not be negative")
    return amount


def _keys(
    record: dict[str, str], column: str, vocab: Vocabularies, problems: list[str], where: str
) -> list[str]:
    """Read a column of vocabulary keys; each such column is named after its vocabulary."""
    vocabulary = column
    keys = [k.strip() for k in _text(record.get(column, "")).split(";") if k.strip()]
    unknown = [k for k in keys if k not in vocab.keys(vocabulary)]
    if unknown:
        problems.append(
            f"{where}, column {column}: unknown {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(vocab.keys(vocabulary))}"
        )
    return keys


def read_activities(
    filename: str, raw: bytes, vocab: Vocabularies, units: dict[str, int]
) -> ImportResult:
    """Check a CSV or XLSX file of activities; return the rows to create, or every problem."""
    result = ImportResult()
    problems = result.problems
    try:
        records = read_records(filename, raw, MAX_ROWS)
    except ValueError as error:
        problems.append(f"file: {error}")
        return result
    problems.extend(header_problems(records, REQUIRED, COLUMNS, MAX_ROWS))
    if problems:
        return result
    slugs = {_text(r.get("practice", "")) for r in records} - {""}
    known = {p.slug: p for p in get_practices(sorted(slugs))}
    seen: set[str] = set()
    for number, record in enumerate(records, start=2):  # row 1 is the header
        where = f"row {number}"
        group = _text(record.get("activity_id", ""))
        if group and group in seen:
            continue  # another occurrence of an activity already read
        if group:
            seen.add(group)
        title = _text(record.get("title", ""))
        if not title:
            problems.append(f"{where}, column title: missing")
        elif len(title) > 200:
            problems.append(f"{where}, column title: at most 200 characters")
        row: dict[str, Any] = {"title": title}
        for column, allowed in (
            ("format", FORMATS),
            ("status", ACTIVITY_STATUSES),
            ("phase", PHASES),
        ):
            value = _text(record.get(column, ""))
            if value and value not in allowed:
                problems.append(
                    f"{where}, column {column}: {value!r} is not one of {', '.join(allowed)}"
                )
            row[column] = value or None
        row["start_date"] = _date(record.get("start_date", ""), "start_date", problems, where)
        row["end_date"] = _date(record.get("end_date", ""), "end_date", problems, where)
        if row["start_date"] and row["end_date"] and row["end_date"] < row["start_date"]:
            problems.append(f"{where}, column end_date: ends before it starts")
        try:
            row["recurrence"] = check_recurrence(_text(record.get("recurrence", "")))
        except RecurrenceError as error:
            problems.append(f"{where}, column recurrence: {error}")
        if row.get("recurrence") and not row["start_date"]:
            problems.append(f"{where}, column recurrence: a repeating activity needs a start_date")
        for column in ("budget_planned", "budget_actual", "effort_planned", "effort_actual"):
            row[column] = _amount(record.get(column, ""), column, problems, where)
        row["target_groups"] = _keys(record, "target_groups", vocab, problems, where)
        row["mobility_stages"] = _keys(record, "mobility_stages", vocab, problems, where)
        slug = _text(record.get("practice", ""))
        if slug and slug not in known:
            problems.append(f"{where}, column practice: no practice sheet {slug!r}")
        row["practice"] = known.get(slug)
        row["partners"] = [
            p.strip() for p in _text(record.get("partners", "")).split(";") if p.strip()
        ]
        names = [n.strip() for n in _text(record.get("units", "")).split(";") if n.strip()]
        strangers = [n for n in names if n not in units]
        if strangers:
            problems.append(
                f"{where}, column units: the institution has no unit "
                f"{', '.join(map(repr, strangers))}"
            )
        row["unit_ids"] = [units[n] for n in names if n in units]
        for column in ("host", "responsible", "notes", "evaluation"):
            row[column] = _text(record.get(column, ""))
        result.rows.append(row)
    if problems:
        result.rows = []
    return result


def create_activities(plan: Plan, rows: list[dict[str, Any]], *, by: str) -> list[Activity]:
    """Add checked rows to a plan as activities."""
    created = []
    for row in rows:
        activity = Activity(
            plan=plan,
            title=row["title"],
            practice=row["practice"],
            phase=row["phase"],
            format=row["format"] or "on-site",
            host=row["host"] or None,
            start_date=row["start_date"],
            end_date=row["end_date"],
            recurrence=row["recurrence"],
            budget_planned=row["budget_planned"] or 0,
            budget_actual=row["budget_actual"],
            effort_planned=row["effort_planned"] or 0,
            effort_actual=row["effort_actual"],
            target_groups=row["target_groups"],
            mobility_stages=row["mobility_stages"],
            partners=row["partners"],
            unit_ids=row["unit_ids"],
            responsible=row["responsible"],
            notes=row["notes"],
            evaluation=row["evaluation"],
            status=row["status"] or "idea",
            status_changes=[StatusChange(status=row["status"] or "idea", changed_by=by)],
        )
        db.session.add(activity)
        created.append(activity)
    db.session.flush()
    return created
