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
- One version for everything is coarse: an activity edited in one plan would renew the
  pages of every plan. So a page may also be keyed on a scope (`scoped_version`): a plan, or
  an institution's plans. Rows of the tables whose model is marked `@scoped_rows` (a plan and
  what hangs from it: activities, indicators, values, approvals) belong to one plan, and a
  transaction that writes only such rows, through the ORM's flush, bumps the versions of
  their plans and institutions rather than the version shared by all. Anything else bumps
  the shared one: a Core statement, a row of any other table, a row moved to another plan,
  a row whose scope cannot be found, and the deletion of a row that another table's foreign
  key follows in the database (`events.activity_id` is set to NULL when an activity goes:
  rows the ORM never sees change). `version`, bumped by every writing transaction, stays
  what `data_version()` answers, so code that reads no scope is as correct as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import CheckConstraint, Integer, String, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Delete, UpdateBase

from app.core.extensions import db, flushed_rows
from app.core.held_connection import read_row

# A part of the data pages can be keyed on: ("plan", id) or ("institution", id).
Scope = tuple[str, int]
SCOPE_KINDS = frozenset({"plan", "institution"})


class DataState(db.Model):  # type: ignore[name-defined, misc]
    """The data version: one row, bumped by every transaction that writes what pages show."""

    __tablename__ = "data_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Bumped by every writing transaction.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every writing transaction that is not confined to scopes.
    unscoped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<DataState {self.version}/{self.unscoped}>"


class DataScope(db.Model):  # type: ignore[name-defined, misc]
    """A scope's version: bumped by every transaction that writes rows of that scope only."""

    __tablename__ = "data_scopes"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<DataScope {self.kind} {self.id}: {self.version}>"


STATE = DataState.__table__
SCOPES = DataScope.__table__
# Writes that change nothing any cached page shows: a token's last use, mail waiting to be
# sent, the catalogue's own version (its pages have their own), and these rows.
QUIET_TABLES = frozenset(
    {"api_tokens", "outbox_messages", "catalogue_state", STATE.name, SCOPES.name}
)
_READ = select(STATE.c.version, STATE.c.unscoped)
_WROTE = "data_written"
_SET = "data_version_set"
_FLUSHING = "data_flushing"  # a flush is writing on this connection
_SCOPED_WROTE = "data_scoped_written"  # ...rows of scoped tables, their scopes not yet known
_SCOPES = "data_scopes_written"  # the scopes this transaction wrote
_MEMO = "scp.data_version"  # in the request's environ: g outlives a request in tests
_ANNOUNCED = "scp.scope"  # the scope this request's page is keyed on, if it said so early

# The tables whose models are marked `scoped_rows`.
_SCOPED_TABLES: set[str] = set()


Model = TypeVar("Model", bound=type)


def scoped_rows(model: Model) -> Model:
    """Mark a model whose every row belongs to scopes, which its `data_scopes(session)` names
    (None when it cannot tell: the write then renews every page)."""
    if not callable(getattr(model, "data_scopes", None)):
        raise TypeError(f"{model.__name__} names no data_scopes")
    _SCOPED_TABLES.add(model.__tablename__)  # type: ignore[attr-defined]
    return model


def scoped_table(row: object) -> bool:
    """Tell whether a row is of a table whose model is marked `scoped_rows`."""
    return getattr(type(row), "__tablename__", None) in _SCOPED_TABLES


def moved(row: object, *attributes: str) -> bool:
    """Tell whether a flushed row's link to what scopes it changed (a row moved elsewhere)."""
    state = inspect(row)
    return not state.pending and any(state.attrs[name].history.has_changes() for name in attributes)


def scopes_through(
    row: object, session: Session, key: str, relation: str
) -> frozenset[Scope] | None:
    """Return a row's scopes as those of the row it hangs from (`relation`, by column `key`),
    or None when it moved or that row cannot be found."""
    if moved(row, key, relation):
        return None
    parent = row.__dict__.get(relation)
    if parent is None:
        parent_id = getattr(row, key)
        if parent_id is None:
            return None
        parent_model = inspect(type(row)).relationships[relation].mapper.class_
        parent = session.get(parent_model, parent_id)
    if parent is None:
        return None
    return parent.data_scopes(session)  # type: ignore[no-any-return]


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
    return _versions()[0]


def unscoped_version() -> int:
    """Return the version of the writes outside every scope, read as `data_version` is (in
    the same statement): what a kept row of tables outside every scope is kept under."""
    return _versions()[1]


def announce(scope: Scope) -> None:
    """Say, before anything reads a version, which scope this request's page is keyed on:
    the first read (the signed-in reader's account, kept under the unscoped version) then
    reads the scope's version in the same statement, and a page answered from the store
    costs one read rather than two. A scope announced but never used costs a subquery."""
    if has_request_context():
        request.environ[_ANNOUNCED] = (scope[0], int(scope[1]))


def _versions() -> tuple[int, int]:
    environ = request.environ if has_request_context() else None
    if environ is not None and _MEMO in environ:
        return environ[_MEMO]  # type: ignore[no-any-return]
    if environ is not None and _ANNOUNCED in environ:
        scoped_version(environ[_ANNOUNCED])  # reads the data version too, and keeps it
        return environ[_MEMO]  # type: ignore[no-any-return]
    session = db.session()
    if environ is not None and not _begun(session):
        engine = db.engine
        row = read_row(engine, _sql(engine.dialect.name, "read"))
    else:
        row = session.execute(_READ).first()
    found = (int((row[0] if row else None) or 0), int((row[1] if row else None) or 0))
    if environ is not None:
        environ[_MEMO] = found
    return found


def scoped_version(scope: Scope) -> tuple[int, int]:
    """Return what a page of one scope is built from: the version of writes outside every
    scope, and the scope's own (read as `data_version` is: once per request until its
    commit, on the held connection before the session begins, else in the session). The
    same statement reads the data version, which the request keeps if it has none yet."""
    kind, ident = scope[0], int(scope[1])
    if kind not in SCOPE_KINDS:
        raise LookupError(f"no such scope: {kind}")  # a caller's mistake, never a reader's
    environ = request.environ if has_request_context() else None
    memo = environ.setdefault(_MEMO + ".scoped", {}) if environ is not None else {}
    if (kind, ident) in memo:
        return memo[(kind, ident)]  # type: ignore[no-any-return]
    sql = _scoped_sql(db.engine.dialect.name, kind, ident)
    session = db.session()
    if environ is not None and not _begun(session):
        row = read_row(db.engine, sql)
    else:
        row = session.connection().exec_driver_sql(sql).first()
    version, unscoped, own = (int(value or 0) for value in (row or (None, None, None)))
    memo[(kind, ident)] = (unscoped, own)
    if environ is not None:
        environ.setdefault(_MEMO, (version, unscoped))
    return unscoped, own


@lru_cache(maxsize=4096)
def _scoped_sql(dialect: str, kind: str, ident: int) -> str:
    """Return the read of the data version, the unscoped one and a scope's (no parameters:
    the held connection's cursor takes none; `kind` is one of SCOPE_KINDS and `ident` an
    int). Each is a subquery, so that a database without the rows yet answers one row."""
    statement = select(
        select(STATE.c.version).scalar_subquery(),
        select(STATE.c.unscoped).scalar_subquery(),
        select(SCOPES.c.version)
        .where(SCOPES.c.kind == kind, SCOPES.c.id == ident)
        .scalar_subquery(),
    )
    return str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


_BEGUN = "scp.begun"


def _begun(session: Session) -> bool:
    """Tell whether the session's transaction has begun on the database (a session can be in
    a transaction, after a `merge`, that has run no statement yet)."""
    transaction = session.get_transaction()
    return transaction is not None and session.info.get(_BEGUN) is transaction


@event.listens_for(Session, "after_begin")
def _note_begun(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_BEGUN] = session.get_transaction()  # the outermost, whichever began


@event.listens_for(Session, "after_commit")
def _forget_read(_session: Session) -> None:
    """A commit may have changed the data: the request's next question reads the version."""
    if has_request_context():
        request.environ.pop(_MEMO, None)
        request.environ.pop(_MEMO + ".scoped", None)


@lru_cache(maxsize=8)
def _sql(dialect: str, which: str) -> str:
    """Return the read or a bump as this database writes it (they take no parameters)."""
    both = {"version": STATE.c.version + 1, "unscoped": STATE.c.unscoped + 1}
    if which == "read":
        statement: Any = _READ
    elif which == "bump_made":
        statement = update(STATE).values(both)
    else:
        # One statement whether or not the row exists yet: two first writers cannot both
        # insert it. A new database has no row, so that a backup restores into empty tables.
        # A transaction confined to scopes bumps `version` alone.
        upsert = (postgresql if dialect == "postgresql" else sqlite).insert(STATE)
        scoped = which == "bump_scoped"
        statement = upsert.values(id=1, version=1, unscoped=0 if scoped else 1)
        statement = statement.on_conflict_do_update(
            index_elements=[STATE.c.id],
            set_={"version": STATE.c.version + 1} if scoped else both,
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
    info = connection.info
    if name == STATE.name:
        # A writer that sets the version itself (a backup's restore) is not bumped after.
        info[_SET] = True
    elif name in QUIET_TABLES:
        return
    elif (
        name in _SCOPED_TABLES
        and info.get(_FLUSHING)
        and not (isinstance(statement, Delete) and name in _followed_tables())
    ):
        info[_SCOPED_WROTE] = True  # whose scopes the flush's end finds (`_scope_flush`)
    else:
        info[_WROTE] = True


@lru_cache(maxsize=1)
def _followed_tables() -> frozenset[str]:
    """Return the scoped tables whose deletions the database carries into unscoped tables
    (a foreign key with ON DELETE): those deletions change rows no statement names."""
    return frozenset(
        key.column.table.name
        for table in db.metadata.tables.values()
        if table.name not in _SCOPED_TABLES
        for key in table.foreign_keys
        if key.column.table.name in _SCOPED_TABLES
        and (key.ondelete or "").upper() not in {"", "RESTRICT", "NO ACTION"}
    )


@event.listens_for(Session, "before_flush")
def _flush_begins(session: Session, _context: Any, _instances: Any) -> None:
    """Note that the statements about to run on the session's connection are a flush's,
    whose rows `_scope_flush` then sees (no other module listens before a flush: one that
    wrote scoped rows with Core here would have them taken for the flush's)."""
    session.connection().info[_FLUSHING] = True


@event.listens_for(Session, "after_flush", insert=True)  # before any other module's
def _scope_flush(session: Session, _context: Any) -> None:
    """Find the scopes of the scoped rows a flush wrote; any without one renews everything."""
    info = session.connection().info
    info.pop(_FLUSHING, None)
    if not info.pop(_SCOPED_WROTE, False):
        return
    found: set[Scope] = set()
    for row, _new, _deleted in flushed_rows(session):
        if not scoped_table(row):
            continue
        scopes = row.data_scopes(session)
        if scopes is None:
            info[_WROTE] = True
            return
        found |= scopes
    if found:
        info.setdefault(_SCOPES, set()).update(found)
    else:  # scoped rows written that no flushed row accounts for
        info[_WROTE] = True


def bump(connection: Connection, *, only_if_made: bool = False) -> None:
    """Give the data a new version, on the connection that is changing it.

    Straight on the DBAPI connection: called as a transaction commits, which takes no more
    statements through SQLAlchemy but is still open on the database. `only_if_made` leaves
    a database without the row as it is (after migrations: a new database stays empty).
    """
    which = "bump_made" if only_if_made else "bump"
    _run(connection, [_sql(connection.dialect.name, which)])


def bump_scopes(connection: Connection, scopes: Iterable[Scope]) -> None:
    """Give each scope a new version, and `version` (everything) a new one."""
    ordered = sorted(set(scopes))  # in one order, so that two writers lock rows alike
    upsert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(SCOPES)
    statement = upsert.values(
        [{"kind": kind, "id": int(ident), "version": 1} for kind, ident in ordered]
    ).on_conflict_do_update(
        index_elements=[SCOPES.c.kind, SCOPES.c.id], set_={"version": SCOPES.c.version + 1}
    )
    scoped = str(
        statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )
    _run(connection, [_sql(connection.dialect.name, "bump_scoped"), scoped])


def _run(connection: Connection, statements: list[str]) -> None:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for sql in statements:
            cursor.execute(sql)
    finally:
        cursor.close()


@event.listens_for(Engine, "commit")
def _bump_before_commit(connection: Connection) -> None:
    """Bump the versions as the last statements of a transaction that wrote something."""
    info = connection.info
    wrote, set_itself = info.pop(_WROTE, False), info.pop(_SET, False)
    scopes = info.pop(_SCOPES, None)
    info.pop(_FLUSHING, None)
    wrote = info.pop(_SCOPED_WROTE, False) or wrote  # scoped rows no flush's end accounted for
    if set_itself:
        return
    if wrote:
        bump(connection)
    elif scopes:
        bump_scopes(connection, scopes)


@event.listens_for(Engine, "rollback")
def _forget(connection: Connection, *_args: Any) -> None:
    """A transaction rolled back changed nothing."""
    for name in (_WROTE, _SET, _SCOPES, _FLUSHING, _SCOPED_WROTE):
        connection.info.pop(name, None)


@event.listens_for(Engine, "rollback_savepoint")
def _forget_flush(connection: Connection, *_args: Any) -> None:
    """A flush that failed inside a savepoint is over: what runs next is not the flush's.
    (What the savepoint wrote is kept in mind: a bump too many costs a render, no more.)"""
    connection.info.pop(_FLUSHING, None)
    if connection.info.pop(_SCOPED_WROTE, False):
        connection.info[_WROTE] = True
