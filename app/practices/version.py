"""The catalogue's version: read by each request of a cached page, changed with the catalogue.

Every statement that writes a table the catalogue's pages are built from bumps the version
in the same transaction, whoever sends it: the ORM's flush (a curator's save, a restore, a
sync, a withdrawal, translations), a bulk insert or update through Core, a backup's restore.
The hook sits on the engine, below all of them, so a future writer cannot forget it. It
bumps once per transaction, and not at all when nothing is written (a sync that finds
nothing changed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase
from werkzeug.datastructures import MultiDict

from app.core.caching import Version, sorted_query
from app.core.extensions import db, utcnow
from app.core.held_connection import read_row
from app.core.vocabularies import vocabulary_stamp
from app.practices.models import (
    CatalogueState,
    Practice,
    PracticeIndicator,
    PracticeTerm,
    PracticeTranslation,
)
from app.practices.schemas import FACETS

# What the catalogue's public pages and API show. Revisions are the curators' alone.
SHOWN_TABLES = frozenset(
    model.__table__.name
    for model in (Practice, PracticeTerm, PracticeIndicator, PracticeTranslation)
)
STATE = CatalogueState.__table__
_BUMPED = "catalogue_version_bumped"
# The check constraint keeps the table at one row.
_READ = select(STATE.c.version, STATE.c.changed_at)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def catalogue_version() -> Version:
    """Return the catalogue's version and the vocabulary file's, in one cheap statement.

    Read on a connection the worker holds for such reads (app/core/held_connection.py),
    outside the request's session: a page answered from the cache then begins no session and
    no transaction (a tenth of the cost). The page a miss renders is read later, so it is
    never older than the version it is stored under.
    """
    engine = db.engine
    row = read_row(engine, _read_sql(engine.dialect.name))
    number, changed_at = (0, EPOCH) if row is None else row
    # Facet and term labels come from the vocabulary file, which a data load can replace.
    return _version(number, changed_at, vocabulary_stamp())


@lru_cache(maxsize=8)
def _version(number: int, changed_at: datetime | str, vocabulary: str) -> Version:
    """Return the version of a row and vocabulary stamp, made once for each (most requests
    read the same row)."""
    if isinstance(changed_at, str):  # SQLite hands back text
        changed_at = datetime.fromisoformat(changed_at)
    changed_at = changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)
    return Version(
        f"{number}.{changed_at.timestamp()}.{vocabulary}",
        # Last-Modified has whole seconds: a change within the second still changes the ETag.
        changed_at.replace(microsecond=0),
    )


@lru_cache(maxsize=4)
def _read_sql(dialect: str) -> str:
    """Return the version's SELECT as this database writes it (it takes no parameters)."""
    return str(_READ.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def list_variant(args: MultiDict[str, str]) -> str | None:
    """Return the list's query as its cache key names it, or None for a page not to store
    (ticked compare boxes: any combination of sheets)."""
    if "ticked" in args:
        return None
    defaults = {"page": "1", "per_page": str(current_app.config["PAGE_SIZE"])}
    return sorted_query(args, drop=defaults, split=FACET_NAMES)


FACET_NAMES = frozenset(facet.name for facet in FACETS)


def bump(connection: Connection, *, first: bool = True) -> None:
    """Give the catalogue a new version, on the connection that is changing it.

    The row is made by the first write to the catalogue (`first`): until then, the empty
    catalogue of a new database has version 0, and a backup restores into an empty table.
    """
    now = utcnow()
    if not first:
        connection.execute(_BUMP.values(changed_at=now))
        return
    # One statement that makes the row or counts on from it. An UPDATE, then an INSERT when it
    # found no row, lets two first writers on PostgreSQL both insert, and one of them fail on
    # the primary key; ON CONFLICT waits for the other's row and counts on from it instead.
    upsert = _INSERTS[connection.dialect.name](STATE).values(id=1, version=1, changed_at=now)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[STATE.c.id],
            set_={"version": STATE.c.version + 1, "changed_at": upsert.excluded.changed_at},
        )
    )


_BUMP = update(STATE).where(STATE.c.id == 1).values(version=STATE.c.version + 1)
# The INSERT of each database the product runs on that can say ON CONFLICT.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@event.listens_for(Engine, "after_execute")
def _notice_write(
    connection: Connection,
    statement: Any,
    _multiparams: Any,
    _params: Any,
    options: Any,
    _result: Any,
) -> None:
    """Bump the version once in a transaction that writes a table the catalogue shows
    (migrations opt out with the execution option catalogue_version=False, then bump once)."""
    if not isinstance(statement, UpdateBase) or options.get("catalogue_version") is False:
        return
    table = getattr(statement, "table", None)
    if table is not None and table.name == STATE.name:
        # A writer that sets the version itself (a backup's restore puts back the version
        # its catalogue had) is not bumped after: that version names exactly that content.
        connection.info[_BUMPED] = True
        return
    if table is None or table.name not in SHOWN_TABLES or connection.info.get(_BUMPED):
        return
    connection.info[_BUMPED] = True
    bump(connection)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
@event.listens_for(Engine, "rollback_savepoint")
def _transaction_ended(connection: Connection, *_args: Any) -> None:
    """Let the next transaction bump again (after a savepoint's rollback, again in this one)."""
    connection.info.pop(_BUMPED, None)
