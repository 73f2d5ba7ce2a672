"""A plan as rows: one per activity occurrence, for CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from icalendar import Calendar, Event
from openpyxl import Workbook

from app.core.spreadsheets import FORMULA_STARTS, cell_text, neutralise
from app.planner.models import Activity, Plan
from app.planner.services import occurrences

COLUMNS = (
    "activity_id",
    "occurrence_start",
    "occurrence_end",
    "title",
    "practice",
    "phase",
    "format",
    "host",
    "start_date",
    "end_date",
    "recurrence",
    "status",
    "budget_planned",
    "budget_actual",
    "effort_planned",
    "effort_actual",
    "responsible",
    "target_groups",
    "mobility_stages",
    "partners",
    "units",
    "notes",
    "evaluation",
)


def _row(
    activity: Activity, start: date | None, end: date | None, units: dict[int, str]
) -> dict[str, Any]:
    return {
        "activity_id": activity.id,
        "occurrence_start": start,
        "occurrence_end": end,
        "title": activity.title,
        "practice": activity.practice.slug if activity.practice else "",
        "phase": activity.phase or "",
        "format": activity.format,
        "host": activity.host or "",
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "recurrence": activity.recurrence or "",
        "status": activity.status,
        "budget_planned": activity.budget_planned,
        "budget_actual": activity.budget_actual,
        "effort_planned": activity.effort_planned,
        "effort_actual": activity.effort_actual,
        "responsible": activity.responsible,
        "target_groups": "; ".join(activity.target_groups),
        "mobility_stages": "; ".join(activity.mobility_stages),
        "partners": "; ".join(activity.partners),
        "units": "; ".join(units[i] for i in activity.unit_ids if i in units),
        "notes": activity.notes,
        "evaluation": activity.evaluation,
    }


# An activity's money and days are for the whole activity, not for each occurrence.
PER_ACTIVITY = ("budget_planned", "budget_actual", "effort_planned", "effort_actual")


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """Return one row per occurrence of each activity (one for an undated activity).

    The money and days stand on an activity's first row only, so that the sum of a column in
    a spreadsheet is the plan's total; an import reads each activity from its first row.
    """
    units = {unit.id: unit.name for unit in plan.institution.units}
    rows = []
    for activity in plan.activities:
        found = occurrences(activity)
        if not found:
            rows.append(_row(activity, None, None, units))
        for index, occurrence in enumerate(found):
            row = _row(activity, occurrence.start, occurrence.end, units)
            if index:
                row.update(dict.fromkeys(PER_ACTIVITY))
            rows.append(row)
    return rows


def to_csv(plan: Plan) -> str:
    """Write the plan's rows as CSV text with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in plan_rows(plan):
        writer.writerow({key: neutralise(cell_text(value)) for key, value in row.items()})
    return buffer.getvalue()


def to_xlsx(plan: Plan) -> bytes:
    """Write the plan's rows as an XLSX workbook; text never becomes a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activities"
    sheet.append(list(COLUMNS))
    for row in plan_rows(plan):
        values = []
        for value in row.values():
            if isinstance(value, Decimal):
                values.append(float(value))
            elif value is None or isinstance(value, (int, date)):
                values.append(value)
            else:
                values.append(str(value))
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
                # Excel's own mark of text typed with a leading apostrophe: shown as typed, and
                # still text when the cell is edited (an apostrophe in the value would show).
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_ical(plan: Plan, domain: str) -> bytes:
    """Write the plan's dated occurrences as an iCalendar feed of all-day events."""
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Capacity Planner//plan feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{plan.title} ({plan.institution.name})")
    for activity in plan.activities:
        if activity.status == "cancelled":
            continue
        for occurrence in occurrences(activity):
            event = Event()
            event.add("uid", f"activity-{activity.id}-{occurrence.start.isoformat()}@{domain}")
            event.add("summary", activity.title)
            event.add("dtstart", occurrence.start)
            # All-day events end on the day after their last day.
            event.add("dtend", occurrence.end + timedelta(days=1))
            event.add("dtstamp", activity.updated_at)
            event.add(
                "status",
                "CONFIRMED"
                if activity.status in ("planned", "in_progress", "done")
                else "TENTATIVE",
            )
            if activity.notes:
                event.add("description", activity.notes)
            calendar.add_component(event)
    return calendar.to_ical()


def to_markdown(plan: Plan) -> str:
    """Write the plan as a Markdown document people can read, share and archive."""
    units = {unit.id: unit.name for unit in plan.institution.units}
    lines = [
        f"# {plan.title}",
        "",
        f"{plan.institution.name} · {plan.period_start.isoformat()} – {plan.period_end.isoformat()}"
        f" · {plan.status}",
        "",
    ]
    if plan.goals_text:
        lines += [plan.goals_text, ""]
    live = [a for a in plan.activities if a.status != "cancelled"]
    lines += [
        "| | Planned | Actual |",
        "| --- | --- | --- |",
        f"| Budget (€) | {sum((a.budget_planned for a in live), Decimal(0))} | {sum((a.budget_actual or Decimal(0) for a in live), Decimal(0))} |",
        f"| Person-days | {sum((a.effort_planned for a in live), Decimal(0))} | {sum((a.effort_actual or Decimal(0) for a in live), Decimal(0))} |",
        "",
        "Cancelled activities are left out of the totals.",
        "",
    ]
    for activity in plan.activities:
        lines += [f"## {activity.title}", ""]
        when = [
            o.start.isoformat()
            if o.start == o.end
            else f"{o.start.isoformat()} – {o.end.isoformat()}"
            for o in occurrences(activity)
        ]
        facts = [
            ("Status", activity.status.replace("_", " ")),
            ("Format", activity.format),
            ("Host", activity.host or plan.institution.name),
            ("When", ", ".join(when) or "not dated"),
            (
                "Budget (€)",
                f"{activity.budget_planned} planned"
                + (
                    f", {activity.budget_actual} spent"
                    if activity.budget_actual is not None
                    else ""
                ),
            ),
            (
                "Person-days",
                f"{activity.effort_planned} planned"
                + (
                    f", {activity.effort_actual} spent"
                    if activity.effort_actual is not None
                    else ""
                ),
            ),
            ("Units", ", ".join(units[i] for i in activity.unit_ids if i in units)),
            ("Repeats", activity.recurrence or ""),
            ("Partners", "; ".join(activity.partners)),
            ("Responsible", activity.responsible),
            ("Practice", activity.practice.title if activity.practice else ""),
        ]
        lines += [f"- **{label}:** {value}" for label, value in facts if value]
        for heading, text in (("Notes", activity.notes), ("Evaluation", activity.evaluation)):
            if text:
                lines += ["", f"**{heading}.** {text}"]
        if activity.checklist:
            lines += ["", "To consider:", ""]
            lines += [f"- [{'x' if item.done else ' '}] {item.text}" for item in activity.checklist]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
