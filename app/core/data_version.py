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

from flask import g, has_app_context
from sqlalchemy import CheckConstraint, Integer, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import UpdateBase

from app.core.extensions import db


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
_MEMO = "_data_version_read"


def data_version() -> int:
    """Return the data version, read in the request's own transaction.

    In the same transaction as the page a miss then renders, so that the page is never older
    than the version it is stored under: SQLite reads a transaction's snapshot from its first
    statement (the reader's account), and a version read elsewhere could be newer than it.
    Read once per transaction: the account's loader and the page both ask for it.
    """
    memo = g.get(_MEMO) if has_app_context() else None
    if memo is not None and memo[0] is db.session().get_transaction():
        return int(memo[1])
    number = db.session.execute(_READ).scalar()
    version = 0 if number is None else int(number)
    if has_app_context():
        # The transaction itself, held, marks the memo: a new one (after a commit) reads again.
        setattr(g, _MEMO, (db.session().get_transaction(), version))
    return version


@lru_cache(maxsize=8)
def _sql(dialect: str, which: str) -> str:
    """Return the bump as this database writes it (it takes no parameters)."""
    if which == "bump_made":
        statement: Any = update(STATE).values(version=STATE.c.version + 1)
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
