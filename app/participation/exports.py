"""An event's participants as files (CSV, XLSX), headed in the reader's language.

As the planner's exports: UTF-8 without a byte order mark, every text cell that a spreadsheet
would read as a formula neutralised (an apostrophe in CSV, a quote prefix in XLSX), control
characters a format cannot carry dropped.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from typing import Any
from urllib.parse import quote

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.applications.forms import country_name
from app.applications.models import Application
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import FORMULA_STARTS, cell_text, csv_writer, neutralise
from app.events.models import Event

COLUMNS = (
    "name",
    "email",
    "institution",
    "country",
    "track",
    "role",
    "networks",
    "days_attended",
    "attended",
    "list_consent",
)
LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "institution": _l("Institution"),
    "country": _l("Country"),
    "track": _l("Track"),
    "role": _l("Current role"),
    "networks": _l("Networks"),
    "days_attended": _l("Days attended"),
    "attended": _l("Present on"),
    "list_consent": _l("On the participants' list"),
}
WIDTHS = {"name": 30, "email": 32, "institution": 36, "track": 30, "attended": 36}
XLSX_CELL_LIMIT = 32767
DATE_FORMATS = {"en": "d mmm yyyy", "fi": "d.m.yyyy", "sv": "d mmm yyyy"}
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def headers() -> list[str]:
    """Return the column headers in the reader's language."""
    return [str(LABELS[column]) for column in COLUMNS]


def _single_line(text: str) -> str:
    return " ".join(_CONTROLS.sub("", _LINE_BREAKS.sub(" ", text)).split())


def participant_rows(
    participants: list[Application], attendance: dict[int, list[date]]
) -> list[dict[str, Any]]:
    """Return one row per participant, values as the reader reads them."""
    rows = []
    for application in participants:
        days = attendance.get(application.id, [])
        rows.append(
            {
                "name": application.name,
                "email": application.email,
                "institution": application.home_institution.name
                if application.home_institution
                else application.institution_name,
                "country": country_name(application.country),
                "track": application.track.title,
                "role": application.current_role,
                "networks": "; ".join(application.networks),
                "days_attended": len(days),
                "attended": days,
                "list_consent": _("yes") if application.list_consent else _("no"),
            }
        )
    return rows


def to_csv(participants: list[Application], attendance: dict[int, list[date]]) -> str:
    """Write the participants as CSV text under a header line in the reader's language."""
    buffer, writer = csv_writer()
    writer.writerow(headers())
    for row in participant_rows(participants, attendance):
        values = []
        for column in COLUMNS:
            value = row[column]
            if isinstance(value, list):
                value = "; ".join(d.isoformat() for d in value)
            values.append(neutralise(_single_line(cell_text(value))))
        writer.writerow(values)
    return buffer.getvalue()


def _xlsx_text(text: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", _LINE_BREAKS.sub("\n", text))
    return text if len(text) <= XLSX_CELL_LIMIT else text[: XLSX_CELL_LIMIT - 1] + "…"


def to_xlsx(participants: list[Application], attendance: dict[int, list[date]]) -> bytes:
    """Write the participants as an XLSX workbook: bold frozen headers, text never a formula."""
    locale = get_locale()
    language = locale.language if locale and locale.language in DATE_FORMATS else "en"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _single_line(_("Participants"))[:31]
    titles = headers()
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in participant_rows(participants, attendance):
        values: list[Any] = []
        for column in COLUMNS:
            value = row[column]
            if isinstance(value, list):
                # Dates as the reader writes them, in one text cell (a cell holds one date).
                value = "; ".join(_date_text(d, language) for d in value)
            values.append(value if isinstance(value, int) else _xlsx_text(str(value)))
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
                cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    for index, (column, title) in enumerate(zip(COLUMNS, titles, strict=True), start=1):
        width = WIDTHS.get(column, max(12, len(title) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _date_text(value: date, language: str) -> str:
    if language == "fi":
        return f"{value.day}.{value.month}.{value.year}"
    return value.isoformat()


def content_disposition(event: Event, kind: str) -> str:
    """Say how to save the list (RFC 6266): an ASCII name, and the Unicode one if it differs."""
    word = _("participants")
    names = []
    for ascii_only in (True, False):
        text = unicodedata.normalize("NFKD" if ascii_only else "NFC", event.title)
        if ascii_only:
            text = text.encode("ascii", "ignore").decode("ascii")
        stem = "-".join(re.findall(r"[^\W_]+", text.lower()))[:80].strip("-") or "event"
        names.append(f"{stem}-{word}.{kind}")
    fallback = names[0].encode("ascii", "ignore").decode("ascii")
    header = f'attachment; filename="{fallback}"'
    if names[1] != fallback:
        header += f"; filename*=UTF-8''{quote(names[1], safe='')}"
    return header
