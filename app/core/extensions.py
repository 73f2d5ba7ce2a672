"""Extensions, created unbound and bound to the app in the factory."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names, so that migrations name the same constraint the same way on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


def flushed_rows(session: Session) -> list[tuple[Any, bool, bool]]:
    """Return the rows a flush wrote, each with whether it is new and whether it is deleted.

    For an after_flush hook. Each of session.new, .dirty and .deleted builds its collection
    anew on every read: read once per row, a flush of n rows would cost n squared (a sync of
    10,000 sheets spent minutes here). Rows that are dirty only by an unchanged assignment are
    left out.
    """
    new, dirty, deleted = session.new, session.dirty, session.deleted
    return [
        *((row, True, False) for row in new),
        *((row, False, False) for row in dirty if session.is_modified(row)),
        *((row, False, True) for row in deleted),
    ]


def aware(moment: datetime) -> datetime:
    """Return a stored time with its UTC offset: SQLite hands times back without one."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Rendered anonymous pages (app/core/caching.py): in-process, or Redis when configured.
cache = Cache()
# Catalogues and the locale of each request: app/core/i18n.py.
babel = Babel()
# Limits are declared on the views that need them (sign-in); none applies by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite enforce foreign keys and wait for locks instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Long, because SQLite's waiting is not first come, first served: with many writers
        # on a busy machine, one of them waited over 10 s while later ones got the lock.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        # SQLAlchemy, not the driver, begins transactions (see _begin_sqlite).
        dbapi_connection.isolation_level = None


# Requests that change something start their SQLite transaction with the write lock taken
# (BEGIN IMMEDIATE), waiting up to the busy timeout for it. A transaction that starts as a
# reader and later writes would instead fail at once with "database is locked" whenever
# another writer committed in between: the busy timeout cannot help that case.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Work outside requests that reads, then writes, asks for the same (`writer_transactions`):
# the job queue's tasks do.
_WRITER: ContextVar[bool] = ContextVar("sqlite_writer", default=False)


@contextmanager
def writer_transactions() -> Iterator[None]:
    """Begin this context's SQLite transactions with the write lock taken (BEGIN IMMEDIATE).

    Whatever holds it must not hold a transaction open through slow work (a mail server,
    a remote call): roll back or commit before it, as the outbox's sender does.
    """
    token = _WRITER.set(True)
    try:
        yield
    finally:
        _WRITER.reset(token)


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection: Any) -> None:
    """Begin SQLite transactions ourselves: immediate for requests that write."""
    if connection.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writing = _WRITER.get() or (has_request_context() and request.method in WRITE_METHODS)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
