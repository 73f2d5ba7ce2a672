"""Dump every table of the app to JSON and load it back, on SQLite or PostgreSQL alike.

The document names the schema revision it was taken at; a restore goes into an empty
database migrated to that same revision, in one transaction: all of it or nothing. Values are
written by their column's type (dates as ISO text, amounts as exact decimal text, files as
base64), so a backup of SQLite restores into PostgreSQL and back without loss.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from app.core.extensions import db

FORMAT = "staff-capacity-planner-backup"
FORMAT_VERSION = 1
BATCH = 5_000


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why."""


def tables() -> list[Table]:
    """Return the app's tables, parents before children."""
    return list(db.metadata.sorted_tables)


def revision() -> str | None:
    """Return the schema revision the database is migrated to."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _encode(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(column_type, Numeric) and isinstance(value, float):
        return repr(value)  # SQLite may hand back floats for NUMERIC
    return value


def _decode(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, Numeric) and not isinstance(column_type, JSON):
        return Decimal(str(value))  # a number typed into the file stays as written
    return value


def _rows(table: Table) -> Iterator[dict[str, Any]]:
    columns = list(table.columns)
    query = select(*columns).order_by(*table.primary_key.columns)
    for row in db.session.execute(query).yield_per(BATCH):
        yield {c.name: _encode(v, c.type) for c, v in zip(columns, row, strict=True)}


def dump(out: IO[str]) -> dict[str, int]:
    """Write the whole database as a JSON document, table by table; return rows per table."""
    counts = {}
    out.write(
        "{"
        + f'"format": {json.dumps(FORMAT)}, "format_version": {FORMAT_VERSION}, '
        + f'"revision": {json.dumps(revision())}, '
        + f'"created_at": {json.dumps(datetime.now().astimezone().isoformat())}, "tables": {{'
    )
    for index, table in enumerate(tables()):
        out.write(("," if index else "") + f"\n{json.dumps(table.name)}: [")
        count = 0
        for row in _rows(table):
            out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("]")
        counts[table.name] = count
    out.write("\n}}\n")
    return counts


def open_text(path: Path, mode: str, *, gzipped: bool | None = None) -> IO[str]:
    """Open a backup file, gzipped when its name ends in .gz (or when told)."""
    if gzipped if gzipped is not None else path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def read(path: Path, max_bytes: int) -> Any:
    """Read and parse a backup file, or raise BackupError saying why it cannot be read.

    A gzipped file is read by its content, not its name, and never past `max_bytes` once
    unpacked: a small file that unpacks to gigabytes is refused before it fills the memory.
    """
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        opener: Any = gzip.open if gzipped else open
        with opener(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:
        # A truncated gzip file ends early (EOFError), a damaged one fails its checks.
        raise BackupError(f"not a readable backup: {_reason(error)}") from None
    if len(data) > max_bytes:
        raise BackupError(
            f"larger than {max_bytes:,} bytes once unpacked: not restored "
            "(BACKUP_MAX_BYTES sets the limit)"
        )
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BackupError("not a readable backup: the file is not UTF-8 text") from None
    except RecursionError:
        raise BackupError("not a readable backup: the JSON is nested too deeply") from None
    except ValueError as error:
        # json's message names the place (line and column), never the text there.
        raise BackupError(f"not a readable backup: not complete JSON ({_reason(error)})") from None


def _reason(error: BaseException) -> str:
    """Say what went wrong in one short line, without any content of the file."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return _shown(text, 200, quote=False)


def _shown(value: Any, limit: int = 60, *, quote: bool = True) -> str:
    """Show a name from the file on one line, shortened: a file may hold anything."""
    text = repr(value) if quote and not isinstance(value, str) else str(value)
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# What a column of each type accepts in a backup, checked before anything is written: the
# value's kind, in words for the message (never the value, which may be a secret).
def _value_problem(value: Any, column: Column[Any]) -> str | None:
    kind = column.type
    if value is None:
        return None if column.nullable else "may not be empty (null)"
    if isinstance(kind, JSON):
        return None
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else "expected true or false"
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        return None if -(2**63) <= value < 2**63 else "the number is out of range"
    if isinstance(kind, Numeric):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return "expected a number"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return "expected a number"
        return None if number.is_finite() and abs(number) < 10**18 else "expected a finite number"
    if isinstance(kind, LargeBinary):
        if not isinstance(value, str):
            return "expected base64 text"
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return "expected base64 text"
        return None
    if not isinstance(value, str):
        return "expected text"
    try:
        if isinstance(kind, DateTime):
            datetime.fromisoformat(value)
        elif isinstance(kind, Date):
            date.fromisoformat(value)
    except ValueError:
        return f"expected a {'date and time' if isinstance(kind, DateTime) else 'date'} (ISO 8601)"
    length = getattr(kind, "length", None)
    if length is not None and len(value) > length:
        return f"longer than {length} characters"
    return None


MAX_PROBLEMS = 50


def check(document: Any) -> list[str]:
    """List every reason a document cannot be restored into this database, one line each.

    Any JSON may come in: every shape is checked before it is used, and a problem names its
    place (table, row, column) and what was expected, never the value found there.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return ['not a backup of this app (no "format": "staff-capacity-planner-backup")']
    problems = []
    if document.get("format_version") != FORMAT_VERSION:
        problems.append(
            f"backup format {_shown(document.get('format_version'))} is not {FORMAT_VERSION}"
        )
    here = revision()
    theirs = document.get("revision")
    if theirs != here:
        problems.append(
            f"the backup is of schema revision {_shown(theirs)}, this database is at {here}: "
            f"migrate this one to that revision (flask db upgrade {_shown(theirs, quote=False)})"
        )
    if problems:
        return problems  # another format or schema: its tables cannot be checked against ours
    contents = document.get("tables")
    if not isinstance(contents, dict):
        return ['no "tables" object: the file is damaged or not a backup']
    known = {t.name: t for t in tables()}
    for name in contents:
        if name not in known:
            problems.append(f"table {_shown(name)}: not a table of this app")
    for table in tables():
        if table.name not in contents:
            problems.append(f"table {table.name}: missing from the backup")
            continue
        problems += _row_problems(table, contents[table.name])
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more"]
    for table in tables():
        if db.session.scalar(select(func.count()).select_from(table)):
            problems.append(f"table {table.name} is not empty: restore into an empty database")
    return problems


def _row_problems(table: Table, rows: Any) -> list[str]:
    """List what is wrong with the rows of one table, up to a few per table."""
    if not isinstance(rows, list):
        return [f"table {table.name}: expected a list of rows"]
    columns = {c.name: c for c in table.columns}
    required = {
        c.name
        for c in table.columns
        if not c.nullable
        and c.default is None
        and c.server_default is None
        and not (c.primary_key and c.autoincrement)
    }
    problems = []
    for number, row in enumerate(rows, start=1):
        place = f"table {table.name}, row {number}"
        if not isinstance(row, dict):
            problems.append(f"{place}: expected an object of columns")
        else:
            unknown = [name for name in row if name not in columns]
            if unknown:
                shown = ", ".join(_shown(name, 40) for name in unknown[:5])
                problems.append(f"{place}: unknown column(s) {shown}")
            for name in sorted(required - set(row)):
                problems.append(f"{place}, column {name}: missing")
            for name, value in row.items():
                if name in columns:
                    problem = _value_problem(value, columns[name])
                    if problem:
                        problems.append(f"{place}, column {name}: {problem}")
        if len(problems) >= 10:
            return [*problems[:10], f"table {table.name}: further rows not checked"]
    return problems


def load(document: dict[str, Any]) -> dict[str, int]:
    """Insert a checked document's rows (the caller commits, or rolls back on error).

    Raises BackupError naming the table whose rows the database refused, and why, in its
    words but without the rows, which hold password hashes and token hashes.
    """
    counts = {}
    for table in tables():
        rows = document["tables"].get(table.name, [])
        types = {c.name: c.type for c in table.columns}
        decoded = [{k: _decode(v, types[k]) for k, v in row.items()} for row in rows]
        try:
            for start in range(0, len(decoded), BATCH):
                db.session.execute(insert(table), decoded[start : start + BATCH])
        except SQLAlchemyError as error:
            raise BackupError(f"table {table.name}: {refusal(error)}") from None
        counts[table.name] = len(decoded)
    if db.engine.dialect.name == "postgresql":
        _reset_sequences()
    return counts


def refusal(error: SQLAlchemyError) -> str:
    """Say why the database refused rows: its message's first line, without any value.

    SQLAlchemy's own text of an error lists the statement's parameters (the rows themselves),
    and PostgreSQL's DETAIL line quotes the key; both are left out.
    """
    inner = getattr(error, "orig", None) or error
    first = (str(inner).splitlines() or [type(inner).__name__])[0]
    first = re.sub(r'(:\s*)".*"$', r"\1(value not shown)", first.split(" [SQL:")[0])
    return "the database refused a row: " + _shown(first, 200, quote=False)


def _reset_sequences() -> None:
    """Move each id sequence past the restored ids, so that new rows do not collide."""
    for table in tables():
        key = table.primary_key.columns
        if len(key) != 1 or not key[0].autoincrement:
            continue
        column = next(iter(key))
        highest = select(func.coalesce(func.max(column), 0) + 1).scalar_subquery()
        db.session.execute(
            select(
                func.setval(func.pg_get_serial_sequence(table.name, column.name), highest, False)
            )
        )
