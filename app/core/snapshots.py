"""Rows kept by each worker between requests while the data version stays the same.

A signed-in page answered from the store (app/core/caching.py) still needs the reader's
account and the row that decides who may see it: read afresh, they were most of the cost of
the answer. A row is kept under the version of the writes outside every scope, or under its
scope's (a plan's row, under the plan's), which any write of it renews
(app/core/data_version.py): a row kept under the version a request reads is the row that
request would read. The
request gets a copy of it in its own session, made without a statement
(`Session.merge(load=False)`): lazy loads, changes and commits work on the copy as on a row
read by a query, and never reach the kept one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from app.core.data_version import Scope, scoped_table, scoped_version, unscoped_version
from app.core.extensions import db

Row = TypeVar("Row")

# Per kind of row and worker; the oldest goes first.
KEPT_MAX = 1_000
_STORE = "kept_rows"


def kept(
    kind: str,
    key: Hashable,
    load: Callable[[], Row | None],
    *,
    fresh: bool = False,
    scope: Scope | None = None,
) -> Row | None:
    """Return the row `load` reads, as it is at this request's data version: the one kept for
    this version if there is one, else read now (and kept). None when there is no such row.

    `load` must read the row with everything the callers use of it loaded (relationships
    unloaded are read lazily, in the request's session, as usual). `fresh` reads it anyway.
    A row of tables outside every scope (app/core/data_version.py) is kept under the
    version of the writes outside every scope, so that an activity edited somewhere does
    not have every reader's account read again; a row of a scope must name it (`scope`), and
    is kept under that scope's version.
    """
    version: object = unscoped_version() if scope is None else scoped_version(scope)
    rows: dict[Hashable, tuple[object, object]] = current_app.extensions.setdefault(
        _STORE, {}
    ).setdefault(kind, {})
    found = None if fresh else rows.get(key)
    if found is not None and found[0] == version:
        return db.session.merge(found[1], load=False)  # type: ignore[return-value]
    row = load()
    if row is None:
        rows.pop(key, None)
        return None
    if scope is None and scoped_table(row):
        raise LookupError(f"a kept {kind} row belongs to a scope: name it")  # a caller's mistake
    if len(rows) >= KEPT_MAX:
        rows.pop(next(iter(rows)), None)
    rows[key] = (version, _detached_copy(row))
    return row


def _detached_copy(row: object) -> object:
    """Return a copy of a freshly read row, and of what it has loaded, outside any session."""
    holder = Session()
    copy = holder.merge(row, load=False)
    holder.expunge_all()
    return copy
