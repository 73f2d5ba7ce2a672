"""The data version: read by each request of a cached signed-in page, changed with the data.

A plan's pages (the plan, its dashboard, its indicators, the institution's overview) are
built from nearly every table: plans and activities, indicators and values, approvals, the
events, applications, attendances, sendings and visits that computed indicators count, the
institutions' names. Rather than a list of what feeds them, which a new feature would forget
to extend, every transaction that writes any table bumps one version, except for the tables
in `QUIET_TABLES`, whose writes never change what a page shows.

- The hook sits on the engine, below the ORM and Core alike. It notes a write as it is sent
  and bumps the version just before the commit, with one upsert on the same DBAPI
  connection: the row is locked for the last instant of the transaction only, so writers do
  not queue behind each other for the whole of their work, and no reader can see the new
  version before the data it names.
- A transaction that writes nothing, or that is rolled back, leaves the version alone.
- One version for everything is coarse: a value typed at one institution renews every
  institution's cached pages. It is correct by construction; a page that misses costs what
  it cost before there was a cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import has_request_context, request
from sqlalchemy import CheckConstraint, Integer, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import UpdateBase

from app.core.extensions import db
from app.core.held_connection import read_row


class DataState(db.Model):  # type: ignore[name-defined, misc]
    """The data version: one row, bumped by every transaction that writes what pages show."""

    __tablename__ = "data_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<DataState {self.version}>"


STATE = DataState.__table__
# Writes that change nothing any cached page shows: a token's last use, mail waiting to be
# sent, the catalogue's own version (its pages have their own), and this row.
QUIET_TABLES = frozenset({"api_tokens", "outbox_messages", "catalogue_state", STATE.name})
_READ = select(STATE.c.version)
_WROTE = "data_written"
_SET = "data_version_set"
_MEMO = "scp.data_version"  # in the request's environ: g outlives a request in tests


def data_version() -> int:
    """Return the data version, as of a moment no later than what this request reads next.

    A page that misses is rendered from reads made after the version is read, so it is never
    older than the version it is stored under. The first time a request asks, before its
    session has begun a transaction, the version is read on the worker's held connection
    (app/core/held_connection.py): whatever the session reads afterwards sees that version
    or a later one, and a page answered from the store then begins no transaction at all.
    Once the session has begun one, the version is read inside it (SQLite's snapshot dates
    from a transaction's first statement, and a version read elsewhere could be newer). The
    request keeps what it read until its session commits.
    """
    environ = request.environ if has_request_context() else None
    if environ is not None and _MEMO in environ:
        return int(environ[_MEMO])
    session = db.session()
    if environ is not None and session.get_transaction() is None:
        engine = db.engine
        row = read_row(engine, _sql(engine.dialect.name, "read"))
    else:
        row = session.execute(_READ).first()
    version = 0 if row is None or row[0] is None else int(row[0])
    if environ is not None:
        environ[_MEMO] = version
    return version


@event.listens_for(Session, "after_commit")
def _forget_read(_session: Session) -> None:
    """A commit may have changed the data: the request's next question reads the version."""
    if has_request_context():
        request.environ.pop(_MEMO, None)


@lru_cache(maxsize=8)
def _sql(dialect: str, which: str) -> str:
    """Return the read or a bump as this database writes it (they take no parameters)."""
    if which == "read":
        statement: Any = _READ
    elif which == "bump_made":
        statement = update(STATE).values(version=STATE.c.version + 1)
    else:
        # One statement whether or not the row exists yet: two first writers cannot both
        # insert it. A new database has no row, so that a backup restores into empty tables.
        upsert = (postgresql if dialect == "postgresql" else sqlite).insert(STATE)
        statement = upsert.values(id=1, version=1).on_conflict_do_update(
            index_elements=[STATE.c.id], set_={"version": STATE.c.version + 1}
        )
    return str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


@event.listens_for(Engine, "after_execute")
def _notice_write(
    connection: Connection,
    statement: Any,
    _multiparams: Any,
    _params: Any,
    options: Any,
    _result: Any,
) -> None:
    """Note that this transaction writes something a page may show (migrations opt out
    with the execution option data_version=False, then bump once)."""
    if not isinstance(statement, UpdateBase) or options.get("data_version") is False:
        return
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name == STATE.name:
        # A writer that sets the version itself (a backup's restore) is not bumped after.
        connection.info[_SET] = True
    elif name not in QUIET_TABLES:
        connection.info[_WROTE] = True


def bump(connection: Connection, *, only_if_made: bool = False) -> None:
    """Give the data a new version, on the connection that is changing it.

    Straight on the DBAPI connection: called as a transaction commits, which takes no more
    statements through SQLAlchemy but is still open on the database. `only_if_made` leaves
    a database without the row as it is (after migrations: a new database stays empty).
    """
    which = "bump_made" if only_if_made else "bump"
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_sql(connection.dialect.name, which))
    finally:
        cursor.close()


@event.listens_for(Engine, "commit")
def _bump_before_commit(connection: Connection) -> None:
    """Bump the version as the last statement of a transaction that wrote something."""
    wrote, set_itself = connection.info.pop(_WROTE, False), connection.info.pop(_SET, False)
    if wrote and not set_itself:
        bump(connection)


@event.listens_for(Engine, "rollback")
def _forget(connection: Connection, *_args: Any) -> None:
    """A transaction rolled back changed nothing."""
    connection.info.pop(_WROTE, None)
    connection.info.pop(_SET, None)
