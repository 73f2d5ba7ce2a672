"""Importing activities into a plan from CSV or XLSX, in the columns the exports write.

Every row is checked first; if any has a problem nothing is imported and every problem is
listed by row and column. Rows sharing an activity_id (the occurrences of one repeating
activity in an export) make one activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from pydantic import ValidationError

from app.core.enums import label, labels, parse
from app.core.extensions import db
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import header_problems, parse_number, read_records, read_text
from app.core.validation import max_length, problems_by_field
from app.core.vocabularies import Vocabularies
from app.planner.exports import COLUMNS, LABELS, column_named, header_names
from app.planner.models import (
    Activity,
    ActivityStatus,
    Format,
    Plan,
    StatusChange,
)
from app.planner.schemas import ActivityRow
from app.practices.models import Phase
from app.practices.services import get_practices

# A file holds at most this many rows (an export writes a row per occurrence) and activities.
MAX_ROWS = 10_000
MAX_ACTIVITIES = 2000
REQUIRED = ("title",)

# What each column takes, shown on the import page; the keys are the export's columns.
_NUMBER = _l("A number such as 1500.50 or 1 500,50; not negative.")


def _header(column: str) -> str:
    """Name a column in a problem as the reader's language heads it (the export's header)."""
    return str(LABELS.get(column, column))


def column_help() -> dict[str, str]:
    """Say what each column of an import takes, in the reader's language."""
    number = str(_NUMBER)
    return {
        "activity_id": _(
            "Rows with the same id are the occurrences of one activity, read from its first "
            "row (as the export writes them). It never points to an activity already in the "
            "plan: every activity in the file is added."
        ),
        "occurrence_start": _("Written by the export; ignored."),
        "occurrence_end": _("Written by the export; ignored."),
        "title": _(
            "Required: one line of up to %(num)d characters.",
            num=max_length(ActivityRow, "title"),
        ),
        "practice": _("The address name of a practice sheet, e.g. sending-staff-on-job-shadowing."),
        "phase": _("One of: %(values)s.", values=_one_of(Phase)),
        "format": _(
            "One of: %(values)s (empty: %(default)s).",
            values=_one_of(Format),
            default=label(Format.ON_SITE, Format),
        ),
        "host": _("Who hosts it; empty for your own institution."),
        "start_date": _("A date such as 2027-03-01, within a year of the plan's period."),
        "end_date": _("A date such as 2027-03-05, not before start_date."),
        "recurrence": _(
            "How it repeats, weekly or less often, in words (weekly, every 2 weeks, monthly, "
            "quarterly, twice a year, yearly; any case) or as an iCalendar rule: "
            "FREQ=MONTHLY;INTERVAL=6 is twice a year, FREQ=WEEKLY;COUNT=4 four weeks in a "
            "row. Needs a start_date, and must give a day before the plan ends."
        ),
        "status": _(
            "One of: %(values)s, in any case and in any language of the interface "
            "(empty: %(default)s).",
            values=_one_of(ActivityStatus),
            default=label(ActivityStatus.IDEA, ActivityStatus),
        ),
        "budget_planned": _("Euros for the whole activity. %(number)s", number=number),
        "budget_actual": _("Euros spent. %(number)s", number=number),
        "effort_planned": _("Person-days for the whole activity. %(number)s", number=number),
        "effort_actual": _("Person-days spent. %(number)s", number=number),
        "responsible": _("A person's name."),
        "target_groups": _(
            "Keys separated by semicolons (see the allowed ones in a problem list)."
        ),
        "mobility_stages": _("Keys separated by semicolons."),
        "partners": _("Names separated by semicolons."),
        "units": _("Names of your institution's units, separated by semicolons."),
        "notes": _("Free text."),
        "evaluation": _("Free text."),
    }


def _one_of(enum: type[StrEnum]) -> str:
    """List an enumeration's values as the reader reads them ("Idea, Planned, …")."""
    return ", ".join(labels(enum).values())


@dataclass
class ImportResult:
    """The activities to create, or the problems that stop the import."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def _choice(value: str, enum: type[StrEnum]) -> str:
    """Match a typed value to an enumeration whatever its case: "IN PROGRESS" is in_progress.

    A value that matches none is left for the schema to refuse, naming the allowed ones.
    """
    # The words of a value may be joined by underscores too: "on_site" is on-site.
    underscored = [(member.replace("-", "_"), member.value) for member in enum]
    try:
        return parse(enum, value, aliases=underscored)
    except ValueError:
        return value


def _row_data(
    record: dict[str, str],
    where: str,
    problems: list[str],
    matched: dict[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """Turn a row's cells into the fields of ActivityRow, reading numbers, dates and
    recurrences as people type them; leave every rule to the schema.

    `matched` remembers the words of statuses and formats already matched: a file repeats a
    few spellings thousands of times.
    """
    matched = {} if matched is None else matched
    data: dict[str, Any] = {}
    for column in ("title", "host", "responsible", "notes", "evaluation", "practice"):
        value = read_text(record.get(column))
        if value or column == "title":
            data[column] = value
    enums: tuple[tuple[str, type[StrEnum]], ...] = (
        ("format", Format),
        ("status", ActivityStatus),
        ("phase", Phase),
    )
    for column, enum in enums:
        value = read_text(record.get(column))
        if value:
            key = (column, value)
            if key not in matched:
                matched[key] = _choice(value, enum)
            data[column] = matched[key]
    for column in ("start_date", "end_date"):
        value = read_text(record.get(column))
        if not value:
            continue
        try:
            data[column] = date.fromisoformat(value[:10])
        except ValueError:
            problems.append(
                _(
                    "%(where)s, column %(column)s: '%(value)s' is not a date like 2027-03-01",
                    where=where,
                    column=_header(column),
                    value=value[:40],
                )
            )
    value = read_text(record.get("recurrence"))
    if value:
        data["recurrence"] = value  # words or a rule: the schema reads both
    for column in ("budget_planned", "budget_actual", "effort_planned", "effort_actual"):
        value = read_text(record.get(column))
        if not value:
            continue
        try:
            data[column] = parse_number(value)
        except ValueError as error:
            problems.append(
                _(
                    "%(where)s, column %(column)s: %(problem)s",
                    where=where,
                    column=_header(column),
                    problem=error,
                )
            )
    for column in ("target_groups", "mobility_stages", "partners", "units"):
        data[column] = _list(read_text(record.get(column)))
    return data


def _say(message: str) -> str:
    """Word a schema's problem for a file: "Must be at least 0" reads as a rule of the column."""
    if message in ("missing required field", "Fill this in.", _("Fill this in.")):
        return _("missing")
    if message.lower().startswith("must be at least 0,"):
        return _("must not be negative")
    return message


def read_activities(
    filename: str,
    raw: bytes,
    vocab: Vocabularies,
    units: dict[str, int],
    period: tuple[date, date] | None = None,
) -> ImportResult:
    """Check a CSV or XLSX file of activities; return the rows to create, or every problem.

    Each row goes through the API's schema (ActivityRow), with the plan's `period`: a file
    cannot store what the API or the form would refuse.
    """
    result = ImportResult()
    problems = result.problems
    try:
        # An XLSX export heads its columns in words; either form reads.
        names = header_names()
        records = [
            {column_named(k, names): v for k, v in record.items()}
            for record in read_records(filename, raw, MAX_ROWS)
        ]
    except ValueError as error:
        problems.append(_("file: %(problem)s", problem=error))
        return result
    problems.extend(header_problems(records, REQUIRED, COLUMNS, MAX_ROWS, named=_header))
    if problems:
        return result
    groups = {read_text(r.get("activity_id")) or f"row {n}" for n, r in enumerate(records)}
    if len(groups) > MAX_ACTIVITIES:
        problems.append(
            _(
                "file: more than %(num)d activities; split the file and import it in parts",
                num=MAX_ACTIVITIES,
            )
        )
        return result
    slugs = {read_text(r.get("practice")) for r in records} - {""}
    known = {p.slug: p for p in get_practices(sorted(slugs)[:MAX_ACTIVITIES])}
    context: dict[str, Any] = {"vocab": vocab}
    if period is not None:
        context["period"] = period
    seen: set[str] = set()
    matched: dict[tuple[str, str], str] = {}
    for number, record in enumerate(records, start=2):  # row 1 is the header
        where = _("row %(num)d", num=number)
        group = read_text(record.get("activity_id"))
        if group and group in seen:
            continue  # another occurrence of an activity already read
        if group:
            seen.add(group)
        data = _row_data(record, where, problems, matched)
        slug = data.pop("practice", "")
        if slug and slug not in known:
            problems.append(
                _(
                    "%(where)s, column %(column)s: no practice sheet '%(slug)s'",
                    where=where,
                    column=_header("practice"),
                    slug=slug[:120],
                )
            )
        strangers = [n for n in data["units"] if n not in units]
        if strangers:
            problems.append(
                _(
                    "%(where)s, column %(column)s: the institution has no unit %(names)s",
                    where=where,
                    column=_header("units"),
                    names=", ".join(repr(n[:200]) for n in strangers[:10]),
                )
            )
        try:
            checked = ActivityRow.model_validate(data, context=context)
        except ValidationError as error:
            for name, message in problems_by_field(error).items():
                column = name.split(".")[0]
                problems.append(
                    _(
                        "%(where)s, column %(column)s: %(problem)s",
                        where=where,
                        column=_header(column),
                        problem=_say(message),
                    )
                )
            continue
        row = checked.model_dump(exclude={"units"})
        row["practice"] = known.get(slug)
        row["unit_ids"] = list(dict.fromkeys(units[n] for n in checked.units if n in units))
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
            format=row["format"],
            host=row["host"],
            start_date=row["start_date"],
            end_date=row["end_date"],
            recurrence=row["recurrence"],
            budget_planned=row["budget_planned"],
            budget_actual=row["budget_actual"],
            effort_planned=row["effort_planned"],
            effort_actual=row["effort_actual"],
            target_groups=row["target_groups"],
            mobility_stages=row["mobility_stages"],
            partners=row["partners"],
            unit_ids=row["unit_ids"],
            responsible=row["responsible"],
            notes=row["notes"],
            evaluation=row["evaluation"],
            status=row["status"],
            status_changes=[StatusChange(status=row["status"], changed_by=by)],
        )
        db.session.add(activity)
        created.append(activity)
    db.session.flush()
    return created
