"""A plan as files: rows per occurrence (CSV, XLSX), a document (Markdown), a calendar (ICS).

Every text of a plan may hold what people paste: control characters, line breaks, very long
notes. Each format gets it in the form it can carry (`_single_line`, `_multi_line`,
`_xlsx_text`), so that no export fails or breaks its file on such text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from icalendar import Calendar, Event, vText
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.core.formatting import day, money, number
from app.core.spreadsheets import FORMULA_STARTS, cell_text, neutralise
from app.core.urls import external_url
from app.planner.models import ACTIVITY_STATUS_LABELS, Activity, ActivityStatus, Plan
from app.planner.recurrence import NotWords, describe, rule_from_words
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
# The XLSX export's headers, for people; the CSV keeps the column names an import reads.
LABELS = {
    "activity_id": "Activity id",
    "occurrence_start": "Occurrence starts",
    "occurrence_end": "Occurrence ends",
    "title": "Title",
    "practice": "Practice",
    "phase": "Phase",
    "format": "Format",
    "host": "Host",
    "start_date": "Starts",
    "end_date": "Ends",
    "recurrence": "Repeats",
    "status": "Status",
    "budget_planned": "Budget planned (€)",
    "budget_actual": "Budget spent (€)",
    "effort_planned": "Person-days planned",
    "effort_actual": "Person-days spent",
    "responsible": "Responsible",
    "target_groups": "Target groups",
    "mobility_stages": "Mobility stages",
    "partners": "Partners",
    "units": "Units",
    "notes": "Notes",
    "evaluation": "Evaluation",
}
_BY_LABEL = {label.casefold(): column for column, label in LABELS.items()}


def column_named(header: str | None) -> str | None:
    """Return the column a header names: its name, or its XLSX label ("Budget planned (€)")."""
    if not isinstance(header, str):
        return header
    return _BY_LABEL.get(header.strip().casefold(), header)


# Column widths of the XLSX export, in characters; long texts wrap at the sheet's edge.
WIDTHS = {"title": 40, "notes": 50, "evaluation": 50, "partners": 30, "units": 30}
MONEY_FORMAT = '"€"#,##0.00'
DAYS_FORMAT = "#,##0.0"
DATE_FORMAT = "d mmm yyyy"
NUMBER_FORMATS = {
    "budget_planned": MONEY_FORMAT,
    "budget_actual": MONEY_FORMAT,
    "effort_planned": DAYS_FORMAT,
    "effort_actual": DAYS_FORMAT,
}
# Excel refuses a cell longer than this.
XLSX_CELL_LIMIT = 32767
# Control characters other than tab and line breaks; DEL and the C1 block (0x7F-0x9F) too.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def _multi_line(text: str) -> str:
    """Keep a text's lines (any line break becomes \\n) and drop other control characters."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))


def _single_line(text: str) -> str:
    """Make a text one line: line breaks become spaces, other control characters go."""
    return " ".join(_CONTROLS.sub("", _LINE_BREAKS.sub(" ", text)).split())


def _xlsx_text(text: str) -> str:
    """Make text a cell can hold: XML has no place for most control characters, and Excel
    takes 32,767 characters at most."""
    text = ILLEGAL_CHARACTERS_RE.sub("", _LINE_BREAKS.sub("\n", text))
    if len(text) > XLSX_CELL_LIMIT:
        text = text[: XLSX_CELL_LIMIT - 1] + "…"
    return text


def rule_cell(rule: str | None) -> str:
    """Write a rule for a file that imports again: in words when they read back as the same
    rule ("every 6 months"), else as the rule itself (words such as "weekly on Monday and
    Thursday" are for people, not for an import)."""
    if not rule:
        return ""
    words = describe(rule)
    try:
        same = rule_from_words(words) == rule.strip().upper().removeprefix("RRULE:")
    except NotWords:
        same = False
    return words if same else rule


def _slug(text: str, ascii_only: bool) -> str:
    """Lower-case words joined by hyphens; only ASCII letters and digits when asked."""
    text = unicodedata.normalize("NFKD" if ascii_only else "NFC", text)
    if ascii_only:
        text = text.encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[^\W_]+", text.lower()))[:80].strip("-")


def download_name(plan: Plan, kind: str) -> tuple[str, str]:
    """Name a plan's file after its title and period: (ASCII name, Unicode name).

    The years are added unless the title ends with them already ("international-week-2027").
    """
    years = str(plan.period_start.year)
    if plan.period_end.year != plan.period_start.year:
        years += f"-{plan.period_end.year}"
    names = []
    for ascii_only in (True, False):
        stem = _slug(plan.title, ascii_only) or "plan"
        if not stem.endswith(years):
            stem = f"{stem}-{years}"
        names.append(f"{stem}.{kind}")
    return names[0], names[1]


def content_disposition(plan: Plan, kind: str) -> str:
    """Say how to save a plan's file (RFC 6266): an ASCII name, and the Unicode one if it differs."""
    fallback, unicode_name = download_name(plan, kind)
    header = f'attachment; filename="{fallback}"'
    if unicode_name != fallback:
        header += f"; filename*=UTF-8''{quote(unicode_name, safe='')}"
    return header


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
        "recurrence": rule_cell(activity.recurrence),
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
        writer.writerow(
            {key: neutralise(_multi_line(cell_text(value))) for key, value in row.items()}
        )
    return buffer.getvalue()


def to_xlsx(plan: Plan) -> bytes:
    """Write the plan's rows as an XLSX workbook people can read: headers in words, columns
    wide enough, the header row frozen, euros and days formatted; text never a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Activities"
    sheet.append([LABELS[column] for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in plan_rows(plan):
        values: list[Any] = []
        for value in row.values():
            if isinstance(value, Decimal):
                values.append(float(value))
            elif value is None or isinstance(value, (int, date)):
                values.append(value)
            else:
                values.append(_xlsx_text(str(value)))
        sheet.append(values)
        for column, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
                # Excel's own mark of text typed with a leading apostrophe: shown as typed, and
                # still text when the cell is edited (an apostrophe in the value would show).
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif column in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column]
    for index, column in enumerate(COLUMNS, start=1):
        width = WIDTHS.get(column, max(12, len(LABELS[column]) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _event_description(plan: Plan, activity: Activity, link: str) -> str:
    """Say in an event what a calendar shows nowhere else: status, repeats, people, the plan."""
    facts = [
        f"Status: {ACTIVITY_STATUS_LABELS.get(activity.status, activity.status)}",
        f"Format: {activity.format}",
    ]
    if activity.recurrence:
        facts.append(f"Repeats: {describe(activity.recurrence)}")
    if activity.responsible:
        facts.append(f"Responsible: {_single_line(activity.responsible)}")
    if activity.partners:
        facts.append(f"Partners: {_single_line('; '.join(activity.partners))}")
    text = "\n".join(facts)
    if activity.notes:
        text += "\n\n" + _multi_line(activity.notes)
    return f"{text}\n\nPlan: {_single_line(plan.title)}\n{link}"


def to_ical(plan: Plan, domain: str) -> bytes:
    """Write the plan's dated occurrences as an iCalendar feed of all-day events.

    Every text goes in as vText (escaped, X- properties too) and without control characters,
    which RFC 5545 does not allow in a value.
    """
    link = external_url("planner.detail", plan_id=plan.id)
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Capacity Planner//plan feed//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname",
        vText(_single_line(f"{plan.title} ({plan.institution.name})")),
    )
    for activity in plan.activities:
        if activity.status == ActivityStatus.CANCELLED:
            continue
        description = vText(_event_description(plan, activity, link))
        location = vText(_single_line(activity.host or plan.institution.name))
        for occurrence in occurrences(activity):
            event = Event()
            event.add("uid", f"activity-{activity.id}-{occurrence.start.isoformat()}@{domain}")
            event.add("summary", vText(_single_line(activity.title)))
            event.add("dtstart", occurrence.start)
            # All-day events end on the day after their last day.
            event.add("dtend", occurrence.end + timedelta(days=1))
            event.add("dtstamp", activity.updated_at)
            event.add(
                "status",
                "CONFIRMED"
                if activity.status
                in (ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS, ActivityStatus.DONE)
                else "TENTATIVE",
            )
            event.add("description", description)
            event.add("location", location)
            event.add("url", link)
            calendar.add_component(event)
    return calendar.to_ical()


# Characters through which a text would become markup in a Markdown reader: raw HTML (a
# <script> some renderers keep), links and images, and the escape character itself.
_MARKDOWN_SPECIALS = re.compile(r"([\\<>&\[\]`])")


def _md(text: str) -> str:
    """Make a person's text literal in Markdown: CommonMark shows a backslash-escaped
    punctuation character as itself, so nobody's title runs as HTML or becomes a link."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _when(start: date, end: date) -> str:
    return day(start) if start == end else f"{day(start)} – {day(end)}"


def to_markdown(plan: Plan) -> str:
    """Write the plan as a Markdown document people can read, share and archive."""
    units = {unit.id: unit.name for unit in plan.institution.units}
    lines = [
        f"# {_md(_single_line(plan.title))}",
        "",
        f"{_md(_single_line(plan.institution.name))} · {day(plan.period_start)} – "
        f"{day(plan.period_end)} · {plan.status.capitalize()}",
        "",
    ]
    if plan.goals_text:
        lines += [_md(_multi_line(plan.goals_text)), ""]
    live = [a for a in plan.activities if a.status != ActivityStatus.CANCELLED]
    budget = sum((a.budget_planned for a in live), Decimal(0))
    spent = sum((a.budget_actual or Decimal(0) for a in live), Decimal(0))
    effort = sum((a.effort_planned for a in live), Decimal(0))
    effort_spent = sum((a.effort_actual or Decimal(0) for a in live), Decimal(0))
    lines += [
        "| | Planned | Actual |",
        "| --- | --: | --: |",
        f"| Budget | {money(budget)} | {money(spent)} |",
        f"| Person-days | {number(effort, 1)} | {number(effort_spent, 1)} |",
        "",
        "Cancelled activities are left out of the totals.",
        "",
    ]
    for activity in plan.activities:
        lines += [f"## {_md(_single_line(activity.title))}", ""]
        when = [_when(o.start, o.end) for o in occurrences(activity)]
        facts = [
            ("Status", ACTIVITY_STATUS_LABELS.get(activity.status, activity.status)),
            ("Format", activity.format),
            ("Host", activity.host or plan.institution.name),
            ("When", ", ".join(when) or "not dated"),
            ("Repeats", describe(activity.recurrence) if activity.recurrence else ""),
            (
                "Budget",
                f"{money(activity.budget_planned)} planned"
                + (
                    f", {money(activity.budget_actual)} spent"
                    if activity.budget_actual is not None
                    else ""
                ),
            ),
            (
                "Person-days",
                f"{number(activity.effort_planned, 1)} planned"
                + (
                    f", {number(activity.effort_actual, 1)} spent"
                    if activity.effort_actual is not None
                    else ""
                ),
            ),
            ("Units", ", ".join(units[i] for i in activity.unit_ids if i in units)),
            ("Partners", "; ".join(activity.partners)),
            ("Responsible", activity.responsible),
            ("Practice", activity.practice.title if activity.practice else ""),
        ]
        lines += [f"- **{label}:** {_md(_single_line(value))}" for label, value in facts if value]
        for heading, text in (("Notes", activity.notes), ("Evaluation", activity.evaluation)):
            if text:
                lines += ["", f"**{heading}.** {_md(_multi_line(text))}"]
        if activity.checklist:
            lines += ["", "To consider:", ""]
            lines += [
                f"- [{'x' if item.done else ' '}] {_md(_single_line(item.text))}"
                for item in activity.checklist
            ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
