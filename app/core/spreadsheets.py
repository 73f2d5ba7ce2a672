"""CSV and XLSX in and out, safely: no formula cells out, bounded reads in.

Shared by every export and import of the app (plans, indicator values, chart data).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An XLSX is a zip: refuse one whose content would unpack far beyond its size (a zip bomb).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def neutralise(value: Any) -> Any:
    """Keep text from being read as a formula by prefixing an apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    """Write a value as the text of a cell: dates in ISO form, decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Write rows under a header as CSV text, with every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(cell_text(value)) for value in row])
    return buffer.getvalue()


def parse_number(text: str, limit: Decimal = Decimal("999999999999.99")) -> Decimal:
    """Read a number as people type it (1 234,5 or 1234.5 or €12); ValueError in plain words."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "").rstrip("%")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    shown = text.strip()[:40]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{shown!r} is not a number; write it like 1500.50") from None
    if not value.is_finite():  # Decimal reads "NaN", "sNaN" and "Infinity"
        raise ValueError(f"{shown!r} is not a number; write it like 1500.50")
    if abs(value) > limit:
        raise ValueError(f"{shown!r} is too large; at most {limit}")
    return value


def read_text(value: str | None) -> str:
    """Read a cell back: trimmed, without the apostrophe an export put before a formula."""
    value = (value or "").strip()
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def _read_csv(raw: bytes) -> list[dict[str, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(f"line {line}: the file is not UTF-8; save it as UTF-8 CSV") from None
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx_text(value: Any) -> str:
    """Read a cell as the text a person typed: a date cell (Excel makes one of 2027-03-01)
    as its ISO date, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(raw: bytes, max_rows: int) -> list[dict[str, str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ValueError("the workbook unpacks to more than 50 MB; refused")
    except zipfile.BadZipFile:
        raise ValueError("not an XLSX workbook") from None
    workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(value or "").strip() for value in next(rows, ())]
    result = []
    for values in rows:
        if len(result) > max_rows:
            break
        result.append({header[i]: _xlsx_text(v) for i, v in enumerate(values) if i < len(header)})
    workbook.close()
    return result


def read_records(filename: str, raw: bytes, max_rows: int) -> list[dict[str, str]]:
    """Read a .csv or .xlsx upload into rows by column name; ValueError says what is wrong.

    Reads at most one row past max_rows, so the caller can tell the file is too long.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(raw, max_rows)
    if name.endswith(".csv"):
        return _read_csv(raw)
    raise ValueError("choose a .csv or .xlsx file")


def header_problems(
    records: list[dict[str, str]], required: Sequence[str], columns: Sequence[str], max_rows: int
) -> list[str]:
    """Say what is wrong with an upload as a whole: no rows, missing or unknown columns, length."""
    if not records:
        return ["file: no rows under the header"]
    if any(";" in name for name in records[0]):
        return [
            "header: the columns are separated by semicolons; save the file as CSV with commas "
            "(or as XLSX)"
        ]
    problems = []
    missing = [c for c in required if c not in records[0]]
    unknown = [c for c in records[0] if c and c not in columns]
    if missing:
        problems.append(f"header: missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(
            f"header: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(columns)}"
        )
    if len(records) > max_rows:
        problems.append(f"file: more than {max_rows} rows")
    return problems
