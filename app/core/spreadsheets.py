"""CSV and XLSX in and out, safely: no formula cells out, bounded reads in.

Shared by every export and import of the app (plans, indicator values, chart data).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import load_workbook

from app.core.i18n import in_every_language

log = logging.getLogger(__name__)

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An XLSX is a zip: refuse one whose content would unpack far beyond its size (a zip bomb).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Bounds of what an upload may hold, checked before and while it is parsed.
MAX_MEMBERS = 1000
MAX_COLUMNS = 100
# Every CSV download starts with the byte order mark: without it Excel reads the file in the
# computer's own code page and shows "PÃ¤ivi" for "Päivi". Imports read UTF-8 with or
# without it, so a downloaded file goes back in as it is.
BOM = "\ufeff"


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


def csv_writer() -> tuple[io.StringIO, Any]:
    """Return a buffer and a CSV writer into it for a download, the buffer already holding the
    byte order mark (see BOM)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    return buffer, csv.writer(buffer)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Write rows under a header as CSV text, with every text cell neutralised."""
    buffer, writer = csv_writer()
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(cell_text(value)) for value in row])
    return buffer.getvalue()


def _ungroup(whole: str, separator: str, shown: str) -> str:
    """Remove thousands separators from the whole part, which must be grouped by threes."""
    if separator in whole:
        if not re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", whole):
            raise ValueError(_("%(shown)r is not a number; write it like 1500.50", shown=shown))
        return whole.replace(separator, "")
    return whole


def parse_number(text: str, limit: Decimal = Decimal("999999999999.99")) -> Decimal:
    """Read a number as people type it (1 234,5 or 1,234.5 or 1234.5 or €12); ValueError in
    plain words. A lone comma before exactly three digits ("25,000") reads as 25 in Finland
    and 25 thousand in England, so it is refused rather than guessed."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("€", "").rstrip("%")
    shown = text.strip()[:40]
    commas, dots = cleaned.count(","), cleaned.count(".")
    if commas and dots:
        # Both: the one that comes last separates the decimals, the other groups thousands.
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _mark, fraction = cleaned.rpartition(decimal_mark)
        cleaned = _ungroup(whole, grouping, shown) + "." + fraction
    elif commas == 1 and re.fullmatch(r"[+-]?\d{1,3},\d{3}", cleaned):
        whole, fraction = cleaned.replace(",", ""), Decimal(cleaned.replace(",", ".")).normalize()
        # Written with a point, so that it reads one way only: 25 as 25.0, 1.25 as it is.
        decimal = f"{fraction:f}" if fraction != fraction.to_integral() else f"{fraction:f}.0"
        raise ValueError(
            _(
                "%(shown)r could be %(whole)s or %(fraction)s (with a decimal comma): "
                "write %(whole)s or %(decimal)s",
                shown=shown,
                whole=whole,
                fraction=format(fraction, "f"),
                decimal=decimal,
            )
        )
    elif commas == 1:
        cleaned = cleaned.replace(",", ".")
    elif commas > 1:
        cleaned = _ungroup(cleaned, ",", shown)
    elif dots > 1:
        cleaned = _ungroup(cleaned, ".", shown)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(
            _("%(shown)r is not a number; write it like 1500.50", shown=shown)
        ) from None
    if not value.is_finite():  # Decimal reads "NaN", "sNaN" and "Infinity"
        raise ValueError(_("%(shown)r is not a number; write it like 1500.50", shown=shown))
    if abs(value) > limit:
        raise ValueError(_("%(shown)r is too large; at most %(limit)s", shown=shown, limit=limit))
    return value


def read_text(value: str | None) -> str:
    """Read a cell back: trimmed, without the apostrophe an export put before a formula."""
    value = (value or "").strip()
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def _read_csv(raw: bytes, max_rows: int) -> list[dict[str, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(
            _("line %(line)s: the file is not UTF-8; save it as UTF-8 CSV", line=line)
        ) from None
    # Excel in Finnish and Swedish (a decimal comma) saves CSV with semicolons: a header line
    # with semicolons and no comma is read so.
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    # newline="" lets the csv module read every line ending (CRLF, LF and a bare CR alike).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[dict[str, str]] = []
    too_wide: list[int] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        _check_header(header)
        for cells in reader:
            if not cells:
                continue  # a blank line
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                too_wide.append(reader.line_num)
                continue
            records.append(
                dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
            )
            if len(records) > max_rows:
                break
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            problem = _(
                "a cell is longer than %(limit)s characters",
                limit=format(csv.field_size_limit(), ","),
            )
        else:
            problem = _("not readable as CSV (%(error)s)", error=error)
        raise ValueError(
            _("line %(line)s: %(problem)s", line=reader.line_num, problem=problem)
        ) from None
    if too_wide:
        lines = ", ".join(map(str, too_wide[:10])) + (" …" if len(too_wide) > 10 else "")
        raise ValueError(
            ngettext(
                "line %(lines)s: more cells than the header's %(columns)s columns; "
                "put a cell's commas inside double quotes",
                "lines %(lines)s: more cells than the header's %(columns)s columns; "
                "put a cell's commas inside double quotes",
                len(too_wide),
                lines=lines,
                columns=len(header),
            )
        )
    return records


def _check_header(header: list[str]) -> None:
    """Refuse a header too wide to be ours, or one that names a column twice."""
    if len(header) > MAX_COLUMNS:
        raise ValueError(
            _(
                "the header has %(count)s columns; at most %(limit)s are read",
                count=len(header),
                limit=MAX_COLUMNS,
            )
        )
    named = [name for name in header if name]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise ValueError(_("the header names %(names)s more than once", names=", ".join(twice)))


def _xlsx_text(value: Any) -> str:
    """Read a cell as the text a person typed: a date cell (Excel makes one of 2027-03-01)
    as its ISO date, a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _check_zip(raw: bytes) -> None:
    """Refuse a zip that is no workbook or unpacks too far, before any XML is parsed.

    Every member is unpacked once, counting what comes out: a header that lies about a
    member's size is caught by its checksum, and a zip bomb by the count.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise ValueError(
                    _("the workbook holds more than %(limit)s parts; refused", limit=MAX_MEMBERS)
                )
            if sum(item.file_size for item in members) > MAX_UNPACKED_BYTES:
                raise ValueError(_("the workbook unpacks to more than 50 MB; refused"))
            if "[Content_Types].xml" not in archive.namelist():
                raise ValueError(_("not an XLSX workbook (it has no [Content_Types].xml)"))
            unpacked = 0
            for item in members:
                with archive.open(item) as member:
                    while chunk := member.read(1024 * 1024):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise ValueError(_("the workbook unpacks to more than 50 MB; refused"))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        EOFError,
        OSError,
    ):
        raise ValueError(_("not an XLSX workbook (it is not a readable zip file)")) from None
    except RuntimeError:  # an encrypted member
        raise ValueError(_("the workbook is protected with a password; save it without")) from None


def _read_xlsx(raw: bytes, max_rows: int) -> list[dict[str, str]]:
    _check_zip(raw)
    try:
        return _read_sheet(raw, max_rows)
    except Exception as error:
        # openpyxl raises KeyError, TypeError, IndexError, SyntaxError... on a file it cannot
        # read, and wraps defusedxml's refusal of entities in its own ValueError.
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, DefusedXmlException):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise ValueError(_("the workbook declares XML entities; refused")) from None
        log.info("xlsx upload not readable: %s", type(error).__name__)
        raise ValueError(
            _("the workbook cannot be read; save it again from a spreadsheet")
        ) from None


def _read_sheet(raw: bytes, max_rows: int) -> list[dict[str, str]]:
    workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Bounded whatever the sheet declares: MAX_COLUMNS columns, and empty rows count
        # towards the rows scanned, so a cell in row 1,000,000 costs no million steps.
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header = [str(value or "").strip() for value in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        _check_header(header)
        result: list[dict[str, str]] = []
        for scanned, values in enumerate(rows):
            if len(result) > max_rows or scanned > 2 * max_rows + 1000:
                break
            if all(v is None or v == "" for v in values):
                continue
            result.append(
                {header[i]: _xlsx_text(v) for i, v in enumerate(values) if i < len(header)}
            )
        return result
    finally:
        workbook.close()


def read_records(filename: str, raw: bytes, max_rows: int) -> list[dict[str, str]]:
    """Read a .csv or .xlsx upload into rows by column name; ValueError says what is wrong.

    Reads at most one row past max_rows, so the caller can tell the file is too long.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(raw, max_rows)
    if name.endswith(".csv"):
        return _read_csv(raw, max_rows)
    raise ValueError(_("choose a .csv or .xlsx file"))


def header_names(labels: Mapping[str, Any]) -> dict[str, str]:
    """Return {header as written, casefolded: column key} for every spelling of each column.

    `labels` maps a column's key to its lazy label; an export writes the label in the
    reader's language, and an import reads the key or the label in any of the languages.
    """
    found: dict[str, str] = {}
    for key, label in labels.items():
        for spelling in (key, *in_every_language(label)):
            found.setdefault(" ".join(spelling.split()).casefold(), key)
    return found


def rename_headers(records: list[dict[str, str]], labels: Mapping[str, Any]) -> None:
    """Rename, in place, the headers written as a column's label (any language) to its key."""
    names = header_names(labels)
    for index, record in enumerate(records):
        records[index] = {
            names.get(" ".join(name.split()).casefold(), name): value
            for name, value in record.items()
        }


def header_problems(
    records: list[dict[str, str]],
    required: Sequence[str],
    columns: Sequence[str],
    max_rows: int,
    *,
    named: Callable[[str], str] = str,
) -> list[str]:
    """Say what is wrong with an upload as a whole: no rows, missing or unknown columns, length.

    `named` names a column as the reader's language heads it (its key by default); a column
    the file has but nobody reads is named as the file writes it.
    """
    if not records:
        return [_("file: no rows under the header")]
    if any(";" in name for name in records[0]):
        return [
            _(
                "header: the columns are separated by semicolons; save the file as CSV with "
                "commas (or as XLSX)"
            )
        ]
    problems = []
    missing = [named(c) for c in required if c not in records[0]]
    unknown = [c for c in records[0] if c and c not in columns]
    if missing:
        problems.append(_("header: missing column(s) %(names)s", names=", ".join(missing)))
    if unknown:
        problems.append(
            _(
                "header: unknown column(s) %(names)s; the columns are %(columns)s",
                names=", ".join(unknown),
                columns=", ".join(named(c) for c in columns),
            )
        )
    if len(records) > max_rows:
        problems.append(_("file: more than %(limit)s rows", limit=max_rows))
    return problems
