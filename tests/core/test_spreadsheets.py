"""Reading uploaded CSV and XLSX files: any file gives rows or a ValueError in plain words.

The readers serve every import of the app (activities, indicator values), so a malformed or
hostile file must never escape as another exception (a 500 on the import page).
"""

from __future__ import annotations

import io
import struct
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from app.core.spreadsheets import MAX_COLUMNS, parse_number, read_records

SHEET = "xl/worksheets/sheet1.xml"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
)


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(raw: bytes, change) -> bytes:
    """Rewrite a workbook's zip, each part through change(name, data) (None leaves it out)."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = change(item.filename, source.read(item.filename))
            if data is not None:
                archive.writestr(item.filename, data)
    return out.getvalue()


def lying_size(raw: bytes, name: str, size: int) -> bytes:
    """Make the zip's central directory declare another size for a part than it unpacks to."""
    data = bytearray(raw)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 1)
    return bytes(data)


def work(read: Callable[[], object]) -> tuple[int, int]:
    """Return how many calls a read made and the most memory it held at once.

    The work is counted, not timed, so that a loaded machine cannot fail the test: a reader
    that walked a sheet's claimed million rows makes millions of calls, and one that inflated
    a zip bomb holds its 60 MB.
    """
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    tracemalloc.start()
    sys.setprofile(count)
    try:
        read()
    finally:
        sys.setprofile(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return calls, peak


# Far above what any of the reads below needs (at most about 140,000 calls and 2 MB).
MOST_CALLS = 1_000_000
MOST_MEMORY = 20 * 1024 * 1024

GOOD = workbook([["title", "budget_planned"], ["Workshop", 1500]])


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for n in range(3):
            archive.writestr(f"part{n}", b"0" * (20 * 1024 * 1024))
    return buffer.getvalue()


MALFORMED = {
    "extra cells in a row": ("a.csv", b"title,notes\nA,b,c\nB,x\n", "more cells than"),
    "a cell over the csv field limit": ("a.csv", b"title\n" + b"x" * 140_000 + b"\n", "131,072"),
    "a column named twice": ("a.csv", b"title,title\nA,B\n", "more than once"),
    "too many columns": ("a.csv", ",".join(f"c{n}" for n in range(200)).encode(), "columns"),
    "not UTF-8": ("a.csv", "title\nCaf\u00e9\n".encode("latin-1"), "not UTF-8"),
    "no [Content_Types].xml": (
        "a.xlsx",
        rezip(GOOD, lambda n, d: None if n == "[Content_Types].xml" else d),
        "[Content_Types].xml",
    ),
    "billion laughs": ("a.xlsx", rezip(GOOD, lambda n, d: LAUGHS if n == SHEET else d), "entities"),
    "external entity": (
        "a.xlsx",
        rezip(GOOD, lambda n, d: EXTERNAL if n == SHEET else d),
        "entities",
    ),
    "a sheet that is not XML": (
        "a.xlsx",
        rezip(GOOD, lambda n, d: b"<<<" if n == SHEET else d),
        "cannot be read",
    ),
    "no workbook part": (
        "a.xlsx",
        rezip(GOOD, lambda n, d: None if n.endswith("workbook.xml") else d),
        "cannot be read",
    ),
    "a size that lies": ("a.xlsx", lying_size(GOOD, SHEET, 10), "not a readable zip"),
    "a zip bomb": ("a.xlsx", _bomb(), "more than 50 MB"),
    "not a zip": ("a.xlsx", b"PK\x03\x04 not really", "not a readable zip"),
}


@pytest.mark.parametrize(
    ("name", "raw", "says"), list(MALFORMED.values()), ids=list(MALFORMED.keys())
)
def test_a_malformed_file_is_a_plain_value_error(name, raw, says):
    refused: list[ValueError] = []

    def read() -> None:
        try:
            read_records(name, raw, 100)
        except ValueError as error:
            refused.append(error)

    calls, memory = work(read)
    assert refused and says in str(refused[0])
    assert calls < MOST_CALLS and memory < MOST_MEMORY


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_any_line_ending_reads(ending):
    raw = ending.join([b"title,notes", b"A,one", b'B,"two' + ending + b'lines"', b""])
    records = read_records("a.csv", raw, 100)
    assert [r["title"] for r in records] == ["A", "B"]


def test_empty_trailing_cells_and_short_rows_read():
    records = read_records("a.csv", b"title,notes\nA,b,,\nB\n", 100)
    assert records == [{"title": "A", "notes": "b"}, {"title": "B", "notes": ""}]


def test_reading_stops_one_row_past_the_limit():
    raw = b"title\n" + b"x\n" * 50_000
    assert len(read_records("a.csv", raw, 100)) == 101
    sheet = workbook([["title"], *([["x"]] * 300)])
    assert len(read_records("a.xlsx", sheet, 100)) == 101


def test_a_sheet_reaching_far_down_and_right_is_read_within_bounds():
    book = Workbook()
    book.active.append(["title"])
    book.active.append(["A"])
    book.active.cell(row=1_000_000, column=16_000, value="far")
    buffer = io.BytesIO()
    book.save(buffer)
    records: list[dict[str, str]] = []
    calls, memory = work(lambda: records.extend(read_records("a.xlsx", buffer.getvalue(), 100)))
    assert records[0] == {"title": "A"}
    assert calls < MOST_CALLS and memory < MOST_MEMORY
    assert MAX_COLUMNS == 100


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(raw=st.binary(max_size=2000))
def test_any_bytes_as_csv_give_rows_or_a_value_error(raw):
    try:
        records = read_records("a.csv", raw, 50)
    except ValueError:
        return
    assert all(isinstance(v, str) for r in records for v in r.values())


@SETTINGS
@given(
    rows=st.lists(
        st.lists(st.text(alphabet=st.characters(), max_size=30), max_size=8), max_size=20
    ),
    separator=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_text_table_as_csv_gives_rows_or_a_value_error(rows, separator):
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=separator).writerows(rows)
    try:
        records = read_records("a.csv", buffer.getvalue().encode("utf-8"), 50)
    except ValueError:
        return
    assert len(records) <= 51


@SETTINGS
@given(raw=st.binary(max_size=2000))
def test_any_bytes_as_xlsx_give_a_value_error(raw):
    with pytest.raises(ValueError):
        read_records("a.xlsx", raw, 50)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_a_damaged_workbook_gives_rows_or_a_value_error(position, value):
    damaged = bytearray(GOOD)
    damaged[position % len(damaged)] = value
    try:
        records = read_records("a.xlsx", bytes(damaged), 50)
    except ValueError as error:
        assert str(error)
        return
    assert all(isinstance(r, dict) for r in records)


CELL = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=8))
def test_any_cells_of_a_real_workbook_read(rows):
    try:
        raw = workbook(rows)
    except (ValueError, TypeError, IllegalCharacterError):
        return  # openpyxl itself refuses to write such a cell (e.g. a control character)
    try:
        records = read_records("a.xlsx", raw, 50)
    except ValueError:
        return  # e.g. a header naming a column twice
    assert all(isinstance(v, str) for r in records for v in r.values())


@SETTINGS
@given(text=st.text(max_size=60))
def test_any_typed_number_is_a_finite_bounded_decimal_or_a_value_error(text):
    try:
        value = parse_number(text)
    except ValueError as error:
        assert str(error)
        return
    assert isinstance(value, Decimal) and value.is_finite()
    assert abs(value) <= Decimal("999999999999.99")


@pytest.mark.parametrize("text", ["NaN", "sNaN", "-sNaN", "Infinity", "-inf", "1e400", "1E+20"])
def test_numbers_that_are_no_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("25000", Decimal(25000)),
        ("25,000.00", Decimal(25000)),
        ("1,234,567.5", Decimal("1234567.5")),
        ("1.234.567,5", Decimal("1234567.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,50 €", Decimal("1234.5")),
        ("1,5", Decimal("1.5")),
        ("-3,25", Decimal("-3.25")),
        ("1.000.000", Decimal(1000000)),
        ("12.5%", Decimal("12.5")),
    ],
)
def test_numbers_are_read_with_either_separator(typed, value):
    assert parse_number(typed) == value


@pytest.mark.parametrize(
    ("typed", "advice"),
    [
        ("25,000", "write 25000 or 25.0"),
        ("1,250", "write 1250 or 1.25"),
        ("12,345", "write 12345 or 12.345"),
        ("-2,000", "write -2000 or -2.0"),
    ],
)
def test_a_lone_comma_before_three_digits_is_refused_not_guessed(typed, advice):
    # 25,000 is 25 thousand in English and 25 in Finnish: a silent guess loses money.
    with pytest.raises(ValueError, match="could be") as refused:
        parse_number(typed)
    assert str(refused.value).endswith(advice)
    # Both numbers the advice offers read back, each one way only.
    for offered in advice.removeprefix("write ").split(" or "):
        assert parse_number(offered) == Decimal(offered)


@pytest.mark.parametrize("typed", ["1,2,3", "1,23,456", "1.2.3", "12,34.5", "1,000.5.5"])
def test_thousands_separators_must_group_by_threes(typed):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(typed)
