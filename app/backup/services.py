"""Dump every table of the app to JSON and load it back, on SQLite or PostgreSQL alike.

The document names the schema revision it was taken at; a restore goes into an empty
database migrated to that same revision, in one transaction: all of it or nothing. Values are
written by their column's type (dates as ISO text, amounts as exact decimal text, files as
base64), so a backup of SQLite restores into PostgreSQL and back without loss.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Table,
    func,
    insert,
    select,
)

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
        return Decimal(value)
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


def check(document: dict[str, Any]) -> list[str]:
    """List every reason a document cannot be restored into this database."""
    problems = []
    if document.get("format") != FORMAT:
        return ['not a backup of this app (no "format": "staff-capacity-planner-backup")']
    if document.get("format_version") != FORMAT_VERSION:
        problems.append(f"backup format {document.get('format_version')} is not {FORMAT_VERSION}")
    here = revision()
    if document.get("revision") != here:
        problems.append(
            f"the backup is of schema revision {document.get('revision')}, this database is at "
            f"{here}: migrate this one to that revision (flask db upgrade {document.get('revision')})"
        )
    known = {t.name: t for t in tables()}
    for name, rows in (document.get("tables") or {}).items():
        if name not in known:
            problems.append(f"table {name}: not a table of this app")
            continue
        columns = {c.name for c in known[name].columns}
        for number, row in enumerate(rows, start=1):
            unknown = set(row) - columns
            if unknown:
                problems.append(f"table {name}, row {number}: unknown column(s) {sorted(unknown)}")
                break
    for table in tables():
        if db.session.scalar(select(func.count()).select_from(table)):
            problems.append(f"table {table.name} is not empty: restore into an empty database")
    return problems


def load(document: dict[str, Any]) -> dict[str, int]:
    """Insert a checked document's rows (the caller commits, or rolls back on error)."""
    counts = {}
    for table in tables():
        rows = document["tables"].get(table.name, [])
        types = {c.name: c.type for c in table.columns}
        decoded = [{k: _decode(v, types[k]) for k, v in row.items()} for row in rows]
        for start in range(0, len(decoded), BATCH):
            db.session.execute(insert(table), decoded[start : start + BATCH])
        counts[table.name] = len(decoded)
    if db.engine.dialect.name == "postgresql":
        _reset_sequences()
    return counts


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
