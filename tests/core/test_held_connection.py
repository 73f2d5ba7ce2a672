"""The connection a thread holds for the version reads: current, lock-free, replaced when gone."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from app.core import held_connection
from app.core.extensions import db
from app.core.held_connection import read_row
from app.practices.version import catalogue_version


def _held():
    return held_connection._local.held[2]


def test_a_write_committed_elsewhere_is_read_at_once(app):
    assert read_row(db.engine, "SELECT count(*) FROM catalogue_state") == (0,)
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO catalogue_state (id, version, changed_at) VALUES (1, 7, :now)"),
            {"now": "2026-12-02 10:00:00"},
        )
    assert read_row(db.engine, "SELECT version FROM catalogue_state") == (7,)
    assert catalogue_version().token.startswith("7.")


def test_the_held_connection_leaves_no_transaction_open(app):
    read_row(db.engine, "SELECT 1")
    connection = _held()
    if db.engine.dialect.name == "postgresql":
        # psycopg: idle, not "idle in transaction" holding locks a TRUNCATE would wait on.
        assert connection.info.transaction_status.name == "IDLE"
    else:
        assert connection.in_transaction is False
    # A writer that needs every lock is not kept waiting by it.
    with db.engine.begin() as writer:
        writer.execute(text("DELETE FROM catalogue_state"))


def test_a_closed_connection_is_replaced_once(app):
    read_row(db.engine, "SELECT 1")
    first = _held()
    first.close()
    assert read_row(db.engine, "SELECT 2") == (2,)
    assert _held() is not first


def test_each_engine_gets_its_own_connection(app, migrated_database):
    read_row(db.engine, "SELECT 1")
    first = _held()
    other = create_engine(migrated_database)
    try:
        assert read_row(other, "SELECT 3") == (3,)
        assert _held() is not first
    finally:
        other.dispose()


def test_a_connection_made_before_a_fork_is_not_used_after_it(app, monkeypatch):
    read_row(db.engine, "SELECT 1")
    inherited = _held()
    real_pid = held_connection.os.getpid()
    monkeypatch.setattr(held_connection.os, "getpid", lambda: real_pid + 1)
    assert read_row(db.engine, "SELECT 4") == (4,)
    assert _held() is not inherited


def test_an_in_memory_database_is_read_through_its_pool():
    engine = create_engine("sqlite://")
    held_connection._local.held = None
    try:
        assert read_row(engine, "SELECT 5") == (5,)
        assert held_connection._local.held is None
    finally:
        engine.dispose()
