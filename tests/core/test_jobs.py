"""The job queue: storage from configuration, tasks in their app's context, retries, the
scheduler, and the commands; with real consumers on real storage (a SQLite file per test)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask, current_app
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import select, update

from app import create_app
from app.accounts.models import User
from app.core import jobs
from app.core.extensions import db
from app.core.jobs import consuming, crontab, periodic_task, queue, task
from tests.accounts.test_shared_throttle import redis_url  # noqa: F401 - a fixture
from tests.conftest import make_config

# What the tasks below saw, by key; the tasks run in consumer threads of this process.
SEEN: dict[str, list[object]] = {}
LOCK = threading.Lock()


def seen(key: str, value: object) -> int:
    """Record what a task saw under its key; return how many times it ran."""
    with LOCK:
        SEEN.setdefault(key, []).append(value)
        return len(SEEN[key])


@task(retries=2, retry_delay=0)
def fails_once(key: str) -> None:
    """Raise at the first run, succeed at the second."""
    if seen(key, "run") == 1:
        raise RuntimeError("the first run fails")


@task()
def count_users(key: str) -> int:
    """Record the app and what the database says, as a task of a feature would."""
    users = db.session.scalar(select(db.func.count()).select_from(User))
    seen(key, (current_app._get_current_object(), users, id(db.session())))
    return users


@task()
def read_then_write(key: str) -> None:
    """Read, let another writer commit meanwhile, then write: what most scheduled tasks do
    (find what is due, then record it)."""
    db.session.scalar(select(db.func.count()).select_from(User))
    seen(key, "read")
    time.sleep(0.5)
    db.session.execute(update(User).where(User.email == "ana@example.org").values(name="Task"))
    db.session.commit()
    seen(key, "wrote")


@periodic_task(crontab(minute="*"))
def every_minute() -> None:
    """A scheduled task: the consumer's scheduler runs it when the minute matches."""
    seen("every-minute", time.monotonic())


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def queue_app(app: Flask, migrated_database: str, tmp_path: Path) -> Callable[..., Flask]:
    """Return a factory of apps whose queue is a SQLite file of the test."""

    def make(**config: object) -> Flask:
        return create_app(
            make_config(
                migrated_database,
                **{
                    "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
                    "JOBS_POLL_SECONDS": 0.1,
                    **config,
                },
            )
        )

    return make


def test_a_task_that_raises_is_retried_and_then_succeeds(queue_app):
    app = queue_app()
    with app.app_context():
        fails_once("retried")
    assert queue(app).pending_count() == 1
    with consuming(app):
        assert wait_for(lambda: len(SEEN.get("retried", [])) == 2)
        assert wait_for(lambda: queue(app).pending_count() == 0)
    assert SEEN["retried"] == ["run", "run"]  # once failed, once succeeded, then no more


def test_a_task_runs_in_its_apps_context_with_a_session_of_its_own(queue_app, make_user):
    make_user("ana@example.org")
    app = queue_app()
    with app.app_context():
        caller_session = id(db.session())
        count_users("context")
        count_users("context")
    with consuming(app, workers=1):
        assert wait_for(lambda: len(SEEN.get("context", [])) == 2)
    (first_app, users, first_session), (_, _, second_session) = SEEN["context"]
    assert first_app is app and users == 1
    # Each run a session of its own (removed after it), never the caller's.
    assert caller_session not in (first_session, second_session)


def test_the_scheduler_runs_the_periodic_tasks(queue_app):
    app = queue_app()
    assert "tests.core.test_jobs.every_minute" in queue(app).wrappers
    assert "app.mail.tasks.sweep_outbox" in queue(app).wrappers  # the factory imported it
    started = time.monotonic()
    with consuming(app, workers=1, periodic=True):
        # A consumer's scheduler looks at the periodic tasks when it starts, then each minute.
        assert wait_for(lambda: any(t > started for t in SEEN.get("every-minute", [])))


def test_without_a_consumer_nothing_runs_and_the_task_waits(queue_app):
    app = queue_app()
    with app.app_context():
        count_users("waiting")
    time.sleep(0.3)
    assert "waiting" not in SEEN
    other = queue_app()  # another process on the same file finds it
    assert queue(other).pending_count() == 1
    with consuming(other):
        assert wait_for(lambda: "waiting" in SEEN)
    assert SEEN["waiting"][0][0] is other


def test_tests_run_tasks_inline_unless_they_name_a_queue(app):
    assert queue(app).immediate and queue(app).description == "immediate (inline)"
    count_users("inline")
    assert SEEN["inline"][0][0] is app


def test_the_storage_comes_from_the_configuration(app, migrated_database):
    storage, options, description = jobs._storage(app)  # unset: the instance folder's file
    assert storage is SqliteStorage
    assert options == {"filename": str(Path(app.instance_path) / "jobs.sqlite3")}
    assert description.startswith("SQLite ")
    for url, kind in (
        ("redis://:s3cret@127.0.0.1:6390/3", RedisStorage),
        ("memory://", MemoryStorage),
    ):
        made = create_app(make_config(migrated_database, JOBS_URL=url))
        assert type(queue(made).storage) is kind and not queue(made).immediate
        assert "s3cret" not in queue(made).description
    assert queue(made).description == "memory (this process only)"
    with pytest.raises(RuntimeError, match="not a job queue storage"):
        create_app(make_config(migrated_database, JOBS_URL="amqp://127.0.0.1"))


def test_a_queue_on_redis_runs_tasks(migrated_database, redis_url):  # noqa: F811
    app = create_app(make_config(migrated_database, JOBS_URL=redis_url, JOBS_POLL_SECONDS=0.1))
    assert type(queue(app).storage) is RedisStorage
    with app.app_context():
        fails_once("redis")
    assert queue(app).pending_count() == 1
    with consuming(app):
        assert wait_for(lambda: len(SEEN.get("redis", [])) == 2)
        assert wait_for(lambda: queue(app).pending_count() == 0)


def test_the_worker_command_refuses_an_inline_queue(runner):
    result = runner.invoke(args=["jobs", "worker"])
    assert result.exit_code == 1
    assert "immediate mode" in result.output


def test_the_worker_command_refuses_a_queue_in_memory(migrated_database):
    app = create_app(make_config(migrated_database, JOBS_URL="memory://"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["jobs", "worker"])
    assert result.exit_code == 1
    assert "only the process that enqueues sees its tasks" in result.output


def test_the_status_command_says_where_the_queue_is_and_what_waits(queue_app):
    app = queue_app()
    with app.app_context():
        count_users("status")
        result = app.test_cli_runner().invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("storage: SQLite ") and lines[0].endswith("jobs.sqlite3")
    assert "pending: 1" in lines and "task: app.mail.tasks.deliver_message" in lines


def test_the_worker_command_runs_the_scheduled_tasks_until_interrupted(queue_app):
    app = queue_app()
    env = {
        **os.environ,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "JOBS_URL": app.config["JOBS_URL"],
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        for line in worker.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # The outbox's sweep is a periodic task: the worker's scheduler enqueues and runs it.
        assert wait_for(
            lambda: any("sweep_outbox" in line and "executed in" in line for line in lines),
            timeout=60,
        ), "".join(lines)
        worker.send_signal(signal.SIGINT)  # Ctrl-C
        assert worker.wait(timeout=30) == 0, "".join(lines)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    reader.join(5)
    output = "".join(lines)
    assert "job worker on SQLite" in output and "Consumer exiting" in output


def test_a_task_that_reads_then_writes_is_not_refused_by_another_writer(queue_app, make_user):
    # On SQLite a transaction that began as a reader cannot write once another writer has
    # committed after its first read: it fails at once ("database is locked"), whatever the
    # busy timeout. A task's transactions take the write lock when they begin, as a request
    # that writes does, so the other writer waits for the task instead.
    make_user("ana@example.org")
    app = queue_app()
    with app.app_context():
        read_then_write("read then write")
    with consuming(app, workers=1, periodic=False):
        assert wait_for(lambda: "read" in SEEN.get("read then write", []))
        make_user("another.writer@example.org")  # commits while the task is between the two
        assert wait_for(lambda: "wrote" in SEEN.get("read then write", []))
    db.session.rollback()
    assert db.session.scalar(select(User.name).where(User.email == "ana@example.org")) == "Task"
