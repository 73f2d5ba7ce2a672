"""The catalogue's version row: made by the first write, counted on by every later one."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.practices.models import CatalogueState
from app.practices.version import STATE, bump
from tests.conftest import postgres_only


def state() -> tuple[int, datetime] | None:
    """Return the version row as committed: (version, changed_at), or None when absent."""
    with db.engine.connect() as connection:
        row = connection.execute(select(STATE.c.version, STATE.c.changed_at)).one_or_none()
    if row is None:
        return None
    changed_at = row.changed_at
    if isinstance(changed_at, str):  # SQLite hands back text
        changed_at = datetime.fromisoformat(changed_at)
    return row.version, changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC)


def test_the_first_bump_makes_the_row_at_version_one(app):
    assert state() is None
    with db.engine.begin() as connection:
        bump(connection)
    assert state() is not None and state()[0] == 1


def test_a_later_bump_counts_on_from_the_row_and_moves_its_time(app):
    with db.engine.begin() as connection:
        connection.execute(
            STATE.insert().values(id=1, version=41, changed_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    with db.engine.begin() as connection:
        bump(connection)
    version, changed_at = state()
    assert version == 42
    assert changed_at > datetime(2020, 1, 1, tzinfo=UTC)


def test_a_bump_that_is_not_the_first_write_makes_no_row(app):
    # Migrations bump with first=False: a new database's empty catalogue stays at version 0,
    # and a backup then restores its own row into an empty table.
    with db.engine.begin() as connection:
        bump(connection, first=False)
    assert state() is None
    with db.engine.begin() as connection:
        connection.execute(STATE.insert().values(id=1, version=7, changed_at=datetime.now(UTC)))
    with db.engine.begin() as connection:
        bump(connection, first=False)
    assert state()[0] == 8


def test_a_write_through_the_session_makes_the_row_once_and_bumps_once(app, make_practice):
    make_practice()
    assert db.session.scalar(select(CatalogueState.version)) == 1
    make_practice(slug="another-sheet", title="Another sheet")
    db.session.expire_all()
    assert db.session.scalar(select(CatalogueState.version)) == 2


def test_two_first_writers_racing_both_commit_and_count_twice(app):
    postgres_only(app)
    engine = db.engine  # the thread has no app context to find it in
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        try:
            with engine.begin() as connection:
                bump(connection)  # waits for the first writer's row
            outcome["done"] = True
        except Exception as error:
            outcome["error"] = error

    first = engine.connect()
    try:
        first_transaction = first.begin()
        bump(first)  # the row is made, not yet committed
        thread = threading.Thread(target=second_writer)
        thread.start()
        # Long enough for the second writer to reach the row the first one holds.
        time.sleep(0.5)
        assert thread.is_alive(), outcome
        first_transaction.commit()
    finally:
        first.close()  # rolls back if still open, so that nothing waits on it
    thread.join(timeout=10)
    assert outcome == {"done": True}
    assert state()[0] == 2


@pytest.mark.parametrize("rows", [0, 1])
def test_a_rolled_back_first_writer_leaves_the_row_to_the_next(app, rows):
    if rows:
        with db.engine.begin() as connection:
            connection.execute(STATE.insert().values(id=1, version=5, changed_at=datetime.now(UTC)))
    with db.engine.connect() as connection:
        transaction = connection.begin()
        bump(connection)
        transaction.rollback()
    assert (state() or (0,))[0] == (5 if rows else 0)
    with db.engine.begin() as connection:
        bump(connection)
    assert state()[0] == (6 if rows else 1)
