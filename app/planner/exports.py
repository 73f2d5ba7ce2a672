"""A plan as files: rows per occurrence (CSV, XLSX), a document (Markdown), a calendar (ICS).

Every text of a plan may hold what people paste: control characters, line breaks, very long
notes. Each format gets it in the form it can carry (`_single_line`, `_multi_line`,
`_xlsx_text`), so that no export fails or breaks its file on such text.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vText
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.core import spreadsheets
from app.core.enums import label
from app.core.formatting import day, money, number
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import FORMULA_STARTS, cell_text, csv_writer, neutralise
from app.core.urls import external_url
from app.planner.models import Activity, ActivityStatus, Format, Plan, PlanStatus
from app.planner.recurrence import NotWords, describe, rule_from_words
from app.planner.services import activities_in_batches, occurrences

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
# The headers of both exports, in the reader's language; an import reads them in any language
# of the interface, and the column names themselves (files of older exports).
LABELS = {
    "activity_id": _l("Activity id"),
    "occurrence_start": _l("Occurrence starts"),
    "occurrence_end": _l("Occurrence ends"),
    "title": _l("Title"),
    "practice": _l("Practice"),
    "phase": _l("Phase"),
    "format": _l("Format"),
    "host": _l("Host"),
    "start_date": _l("Starts"),
    "end_date": _l("Ends"),
    "recurrence": _l("Repeats"),
    "status": _l("Status"),
    "budget_planned": _l("Budget planned (€)"),
    "budget_actual": _l("Budget spent (€)"),
    "effort_planned": _l("Person-days planned"),
    "effort_actual": _l("Person-days spent"),
    "responsible": _l("Responsible"),
    "target_groups": _l("Target groups"),
    "mobility_stages": _l("Mobility stages"),
    "partners": _l("Partners"),
    "units": _l("Units"),
    "notes": _l("Notes"),
    "evaluation": _l("Evaluation"),
}


def headers() -> list[str]:
    """Return the exports' column headers in the reader's language."""
    return [str(LABELS[column]) for column in COLUMNS]


def header_names() -> dict[str, str]:
    """Return {header in any language, case-folded: column}, column names included."""
    return spreadsheets.header_names({column: LABELS.get(column, column) for column in COLUMNS})


def column_named(header: str | None, names: dict[str, str] | None = None) -> str | None:
    """Return the column a header names: its name, or its label in any language.

    `names` is header_names(), made once for a whole file.
    """
    if not isinstance(header, str):
        return header
    return (names or header_names()).get(" ".join(header.split()).casefold(), header)


# Column widths of the XLSX export, in characters; long texts wrap at the sheet's edge.
WIDTHS = {"title": 40, "notes": 50, "evaluation": 50, "partners": 30, "units": 30}
MONEY_FORMAT = '"€"#,##0.00'
DAYS_FORMAT = "#,##0.0"
DATE_FORMAT = "d mmm yyyy"
# Where the euro sign stands and how a date reads, per language (Excel's own separators
# follow the reader's system); the cells stay numbers and dates.
MONEY_FORMATS = {"en": MONEY_FORMAT, "fi": '#,##0.00\\ "€"', "sv": '#,##0.00\\ "€"'}
DATE_FORMATS = {"en": DATE_FORMAT, "fi": "d.m.yyyy", "sv": "d mmm yyyy"}
MONEY_COLUMNS = ("budget_planned", "budget_actual")
DAYS_COLUMNS = ("effort_planned", "effort_actual")
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
        "phase": label(activity.phase, "Phase") if activity.phase else "",
        "format": label(activity.format, Format),
        "host": activity.host or "",
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "recurrence": rule_cell(activity.recurrence),
        "status": label(activity.status, ActivityStatus),
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


def plan_rows(plan: Plan) -> Iterator[dict[str, Any]]:
    """Yield one row per occurrence of each activity (one for an undated activity).

    The money and days stand on an activity's first row only, so that the sum of a column in
    a spreadsheet is the plan's total; an import reads each activity from its first row.
    The activities are read a batch at a time: a file of any size is written in the memory
    of one batch.
    """
    units = {unit.id: unit.name for unit in plan.institution.units}
    for activity in activities_in_batches(plan):
        found = occurrences(activity)
        if not found:
            yield _row(activity, None, None, units)
        for index, occurrence in enumerate(found):
            row = _row(activity, occurrence.start, occurrence.end, units)
            if index:
                row.update(dict.fromkeys(PER_ACTIVITY))
            yield row


# How many rows a streamed export writes between handing text to the server.
ROWS_PER_CHUNK = 200
# How many bytes of a finished workbook are handed to the server at a time.
FILE_CHUNK = 64 * 1024


def csv_chunks(plan: Plan) -> Iterator[str]:
    """Yield the plan's rows as CSV text under a header line in the reader's language, a
    few hundred rows at a time (a response streams them as they are written).

    Headers, statuses, formats and repeats are words of the reader's language (an import reads
    them in any); dates stay ISO and numbers plain decimals, so the file imports again.
    """
    buffer, writer = csv_writer()
    writer.writerow(headers())
    for count, row in enumerate(plan_rows(plan), start=1):
        writer.writerow([neutralise(_multi_line(cell_text(row[column]))) for column in COLUMNS])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_csv(plan: Plan) -> str:
    """Write the plan's rows as CSV text (see csv_chunks)."""
    return "".join(csv_chunks(plan))


def xlsx_chunks(plan: Plan) -> Iterator[bytes]:
    """Yield an XLSX workbook people can read: headers in words, columns wide enough, the
    header row frozen, euros and days formatted; text never a formula.

    Written in openpyxl's write-only mode, which keeps rows in a temporary file rather than
    as cells in memory; the finished file is then handed over a chunk at a time.
    """
    language = _language()
    money_format, date_format = MONEY_FORMATS[language], DATE_FORMATS[language]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_single_line(_("Activities"))[:31])  # Excel's longest name
    titles = headers()
    # Widths and the frozen header are written before the rows in write-only mode.
    for index, (column, title) in enumerate(zip(COLUMNS, titles, strict=True), start=1):
        width = WIDTHS.get(column, max(12, len(title) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header: list[WriteOnlyCell] = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 1
    for row in plan_rows(plan):
        sheet.append(
            [
                _xlsx_cell(sheet, column, value, date_format, money_format)
                for column, value in row.items()
            ]
        )
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count}"
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK):
            yield chunk


def _xlsx_cell(
    sheet: Any, column: str, value: Any, date_format: str, money_format: str
) -> WriteOnlyCell:
    """Return one cell of a row, as a number, a date or text that is never a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    elif not (value is None or isinstance(value, (int, date))):
        value = _xlsx_text(str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        # Excel's own mark of text typed with a leading apostrophe: shown as typed, and
        # still text when the cell is edited (an apostrophe in the value would show).
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    elif isinstance(value, date):
        cell.number_format = date_format
    elif column in MONEY_COLUMNS:
        cell.number_format = money_format
    elif column in DAYS_COLUMNS:
        cell.number_format = DAYS_FORMAT
    return cell


def to_xlsx(plan: Plan) -> bytes:
    """Write the plan as an XLSX workbook (see xlsx_chunks)."""
    return b"".join(xlsx_chunks(plan))


def _language() -> str:
    """Return the language files are being written in (the request's or the forced one)."""
    locale = get_locale()
    return locale.language if locale and locale.language in MONEY_FORMATS else "en"


def _event_description(plan: Plan, activity: Activity, link: str) -> str:
    """Say in an event what a calendar shows nowhere else: status, repeats, people, the plan."""
    facts = [
        _("Status: %(status)s", status=label(activity.status, ActivityStatus)),
        _("Format: %(format)s", format=label(activity.format, Format)),
    ]
    if activity.recurrence:
        facts.append(_("Repeats: %(rule)s", rule=describe(activity.recurrence)))
    if activity.responsible:
        facts.append(_("Responsible: %(name)s", name=_single_line(activity.responsible)))
    if activity.partners:
        facts.append(_("Partners: %(names)s", names=_single_line("; ".join(activity.partners))))
    text = "\n".join(facts)
    if activity.notes:
        text += "\n\n" + _multi_line(activity.notes)
    plan_line = _("Plan: %(title)s", title=_single_line(plan.title))
    return f"{text}\n\n{plan_line}\n{link}"


def ical_chunks(plan: Plan, domain: str) -> Iterator[bytes]:
    """Yield the plan's dated occurrences as an iCalendar feed of all-day events, the
    calendar's opening, then each activity's events, then its end.

    Every text goes in as vText (escaped, X- properties too) and without control characters,
    which RFC 5545 does not allow in a value.
    """
    link = external_url("planner.detail", plan_id=plan.id)
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Capacity Planner//plan feed//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname",
        vText(
            _single_line(
                _(
                    "%(plan)s (%(institution)s)",
                    plan=plan.title,
                    institution=plan.institution.name,
                )
            )
        ),
    )
    # A calendar's text is its opening lines, its events' and its closing line: written apart,
    # the events need not all be held at once.
    opening, closing = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
    yield opening
    for activity in activities_in_batches(plan):
        if activity.status == ActivityStatus.CANCELLED:
            continue
        description = vText(_event_description(plan, activity, link))
        location = vText(_single_line(activity.host or plan.institution.name))
        events = b""
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
            events += event.to_ical()
        if events:
            yield events
    yield b"END:VCALENDAR" + closing


def to_ical(plan: Plan, domain: str) -> bytes:
    """Write the plan's calendar (see ical_chunks)."""
    return b"".join(ical_chunks(plan, domain))


# Characters through which a text would become markup in a Markdown reader: raw HTML (a
# <script> some renderers keep), links and images, and the escape character itself.
_MARKDOWN_SPECIALS = re.compile(r"([\\<>&\[\]`])")


def _md(text: str) -> str:
    """Make a person's text literal in Markdown: CommonMark shows a backslash-escaped
    punctuation character as itself, so nobody's title runs as HTML or becomes a link."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _when(start: date, end: date) -> str:
    return day(start) if start == end else _("%(start)s – %(end)s", start=day(start), end=day(end))


def to_markdown(plan: Plan) -> str:
    """Write the plan as a Markdown document people can read, share and archive."""
    units = {unit.id: unit.name for unit in plan.institution.units}
    lines = [
        f"# {_md(_single_line(plan.title))}",
        "",
        f"{_md(_single_line(plan.institution.name))} · "
        f"{_when(plan.period_start, plan.period_end)} · {label(plan.status, PlanStatus)}",
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
        f"| | {_('Planned')} | {_('Actual')} |",
        "| --- | --: | --: |",
        f"| {_('Budget')} | {money(budget)} | {money(spent)} |",
        f"| {_('Person-days')} | {number(effort, 1)} | {number(effort_spent, 1)} |",
        "",
        _("Cancelled activities are left out of the totals."),
        "",
    ]
    for activity in plan.activities:
        lines += [f"## {_md(_single_line(activity.title))}", ""]
        when = [_when(o.start, o.end) for o in occurrences(activity)]
        budget_text = _("%(amount)s planned", amount=money(activity.budget_planned))
        if activity.budget_actual is not None:
            budget_text = _(
                "%(planned)s planned, %(spent)s spent",
                planned=money(activity.budget_planned),
                spent=money(activity.budget_actual),
            )
        effort_text = _("%(days)s planned", days=number(activity.effort_planned, 1))
        if activity.effort_actual is not None:
            effort_text = _(
                "%(planned)s planned, %(spent)s spent",
                planned=number(activity.effort_planned, 1),
                spent=number(activity.effort_actual, 1),
            )
        facts = [
            (_("Status"), label(activity.status, ActivityStatus)),
            (_("Format"), label(activity.format, Format)),
            (_("Host"), activity.host or plan.institution.name),
            (_("When"), ", ".join(when) or _("not dated")),
            (_("Repeats"), describe(activity.recurrence) if activity.recurrence else ""),
            (_("Budget"), budget_text),
            (_("Person-days"), effort_text),
            (_("Units"), ", ".join(units[i] for i in activity.unit_ids if i in units)),
            (_("Partners"), "; ".join(activity.partners)),
            (_("Responsible"), activity.responsible),
            (_("Practice"), activity.practice.title if activity.practice else ""),
        ]
        lines += [f"- **{name}:** {_md(_single_line(value))}" for name, value in facts if value]
        for heading, text in ((_("Notes"), activity.notes), (_("Evaluation"), activity.evaluation)):
            if text:
                lines += ["", f"**{heading}.** {_md(_multi_line(text))}"]
        if activity.checklist:
            lines += ["", _("To consider:"), ""]
            lines += [
                f"- [{'x' if item.done else ' '}] {_md(_single_line(item.text))}"
                for item in activity.checklist
            ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
