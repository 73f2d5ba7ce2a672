"""One small read per request on a connection each thread holds, outside the pool.

A page answered from the store reads one row, the version it is stored under, and nothing
else. Through the pool that read costs a checkout, on PostgreSQL a ping (a round trip), the
statement, and the reset on return (a rollback, another round trip). A connection the thread
holds in autocommit mode costs the statement alone: each read sees what was last committed
and leaves no transaction open, so it holds no lock a migration or a test's drop_all would
wait on.

The connection is made in the process and thread that use it (never inherited over gunicorn's
fork), for the engine in use (a test's app has its own), and made again once if it has gone
(a restarted database). An in-memory SQLite database exists only on its own connection, so it
is read through the pool as before.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Any

from sqlalchemy.engine import Engine

_local = threading.local()


def read_row(engine: Engine, sql: str) -> tuple[Any, ...] | None:
    """Run a statement that takes no parameters and return its first row."""
    if not _can_hold(engine):
        return _read_pooled(engine, sql)
    try:
        return _read(_connection(engine), sql)
    except engine.dialect.loaded_dbapi.Error:
        # Gone since the last request (a restart, an idle timeout): once more on a new one.
        _drop()
        return _read(_connection(engine), sql)


def _can_hold(engine: Engine) -> bool:
    database = engine.url.database
    return engine.dialect.name == "postgresql" or (
        engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"
    )


def _read(connection: Any, sql: str) -> tuple[Any, ...] | None:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone()  # type: ignore[no-any-return]
    finally:
        cursor.close()


def _read_pooled(engine: Engine, sql: str) -> tuple[Any, ...] | None:
    connection = engine.raw_connection()
    try:
        return _read(connection, sql)
    finally:
        connection.close()


def _connection(engine: Engine) -> Any:
    """Return this thread's connection to `engine`, made if it has none for it."""
    held = getattr(_local, "held", None)
    if held is not None and held[0] == os.getpid() and held[1]() is engine:
        return held[2]
    _drop()
    pooled = engine.raw_connection()
    pooled.detach()  # the pool forgets it: this thread keeps it, closes it when replaced
    dbapi = pooled.dbapi_connection
    if engine.dialect.name == "postgresql":
        dbapi.autocommit = True
    # SQLite's connections are already in autocommit (app/core/extensions.py begins
    # transactions itself).
    _local.held = (os.getpid(), weakref.ref(engine), dbapi)
    return dbapi


def _drop() -> None:
    """Close this thread's held connection, if it made it (not one inherited over a fork)."""
    held = getattr(_local, "held", None)
    _local.held = None
    if held is not None and held[0] == os.getpid():
        # It is being replaced, broken or not: how its closing goes does not matter.
        with contextlib.suppress(Exception):
            held[2].close()
