"""The background job queue (Huey): emails and scheduled work run here, not in a request.

Huey, because it runs embedded on a SQLite file (no server to install: `make run` starts the
web server and `flask jobs worker`, nothing else), runs the same code on Redis when several
machines share the work, and has retries and a periodic scheduler (crontab) built in.

Features declare their tasks once, at import:

    @task(retries=3, retry_delay=10)
    def rebuild(plan_id: int) -> None: ...

    @periodic_task(crontab(minute="*"))
    def send_reminders() -> None:
        do_reminders(utcnow())

Calling a declared task (`rebuild(plan.id)`) puts it on the current app's queue; the app's
consumer (`flask jobs worker`) runs it in an app context of that app, with the database
session removed afterwards, whatever the task did. Each app has a Huey of its own, made by
`init_app` on the storage its configuration names (JOBS_URL):

- unset: a SQLite file in the instance folder (instance/jobs.sqlite3), shared by every process
  of this machine;
- `redis://host:port/db`: Redis, shared by every machine that names it;
- `sqlite:////absolute/path.sqlite3`: that SQLite file;
- `memory://`: this process only (a consumer thread of the same process runs the tasks).

Tests without JOBS_URL run in Huey's immediate mode (JOBS_IMMEDIATE): a task runs inline when
it is enqueued, and periodic tasks never run. Tests of the queue itself name real storage and
start a real consumer (`consuming`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from huey.exceptions import RetryTask
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from app.core.extensions import db, writer_transactions

log = logging.getLogger(__name__)

QUEUE_NAME = "staff-capacity-planner"
EXTENSION = "jobs"


class Declared:
    """A function declared as a task: calling it enqueues it on the current app's queue."""

    def __init__(
        self, func: Callable[..., Any], settings: dict[str, Any], validate: Any = None
    ) -> None:
        self.func = func
        self.settings = settings
        self.validate = validate  # a crontab for a periodic task, else None
        self.name = f"{func.__module__}.{func.__qualname__}"
        functools.update_wrapper(self, func)

    def bound(self, app: Flask | None = None) -> TaskWrapper:
        """Return this task as registered on an app's queue (the current app's by default)."""
        return queue(app).wrappers[self.name]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.bound()(*args, **kwargs)

    def schedule(self, *args: Any, **kwargs: Any) -> Any:
        """Enqueue to run later: `schedule(args=(1,), delay=60)` or `eta=` (see Huey)."""
        return self.bound().schedule(*args, **kwargs)

    def call_local(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function here and now, not through the queue."""
        return self.func(*args, **kwargs)


class AppHuey(Huey):
    """The Huey of one app: its storage, and every declared task wrapped in its app context."""

    def __init__(self, app: Flask, **options: Any) -> None:
        super().__init__(**options)
        self.app = app
        self.wrappers: dict[str, TaskWrapper] = {}
        self.description = "memory"

    def register(self, declared: Declared) -> None:
        """Register a declared task so that this app's consumer can run it."""
        old = self.wrappers.pop(declared.name, None)
        if old is not None:  # declared again (a module imported anew): the newer one counts
            old.unregister()
        run = _in_app_context(self, declared.func)
        if declared.validate is None:
            wrapper = self.task(**declared.settings)(run)
        else:
            wrapper = self.periodic_task(declared.validate, **declared.settings)(run)
        self.wrappers[declared.name] = wrapper


def _in_app_context(huey: AppHuey, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a task's function: it runs in a fresh app context, its session removed after.

    A consumer runs it with SQLite's write lock taken as each transaction begins: a task
    reads what is due, then records it, and a transaction that began as a reader would fail
    at once if another writer committed in between. Inline (immediate mode, inside a test's
    request) it runs as the caller's transactions do.
    """

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        # A context of its own even when one is active (immediate mode, from a commit hook):
        # its own session, never the one of the request that enqueued the task.
        writing = contextlib.nullcontext() if huey.immediate else writer_transactions()
        with huey.app.app_context(), writing:
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return run


class Jobs:
    """The tasks features declared, and the app queues they are registered on."""

    def __init__(self) -> None:
        self.declared: dict[str, Declared] = {}
        self._queues: weakref.WeakSet[AppHuey] = weakref.WeakSet()

    def task(self, **settings: Any) -> Callable[[Callable[..., Any]], Declared]:
        """Declare a task: `@task(retries=3, retry_delay=10, retry_backoff=2)`."""
        return lambda func: self._declare(Declared(func, settings))

    def periodic_task(
        self, validate: Any, **settings: Any
    ) -> Callable[[Callable[..., Any]], Declared]:
        """Declare a task the consumer's scheduler runs: `@periodic_task(crontab(minute="*"))`."""
        return lambda func: self._declare(Declared(func, settings, validate))

    def _declare(self, declared: Declared) -> Declared:
        self.declared[declared.name] = declared
        for huey in list(self._queues):  # apps made before this module was imported
            huey.register(declared)
        return declared

    def init_app(self, app: Flask) -> AppHuey:
        """Give the app a queue on the storage its configuration names."""
        immediate = bool(
            app.config.get("JOBS_IMMEDIATE", app.testing and not app.config.get("JOBS_URL"))
        )
        storage_class, storage_kwargs, description = _storage(app)
        huey = AppHuey(
            app,
            name=app.config.get("JOBS_NAME") or QUEUE_NAME,
            # Nobody reads a task's return value: stored, results would pile up unread.
            results=False,
            utc=True,
            immediate=immediate,
            storage_class=storage_class,
            **storage_kwargs,
        )
        huey.description = "immediate (inline)" if immediate else description
        for declared in self.declared.values():
            huey.register(declared)
        self._queues.add(huey)
        app.extensions[EXTENSION] = huey
        return huey


def _storage(app: Flask) -> tuple[type[Any], dict[str, Any], str]:
    """Return the storage class, its arguments and a description without secrets."""
    url = app.config.get("JOBS_URL") or ""
    if not url:
        path = Path(app.instance_path) / "jobs.sqlite3"
        return SqliteStorage, {"filename": str(path)}, f"SQLite {path}"
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        shown = f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        return RedisStorage, {"url": url}, f"Redis {shown}{parts.path}"
    if parts.scheme == "sqlite" and url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return SqliteStorage, {"filename": str(path)}, f"SQLite {path}"
    if parts.scheme == "memory":
        return MemoryStorage, {}, "memory (this process only)"
    raise RuntimeError(
        f"JOBS_URL {parts.scheme}://… is not a job queue storage: use redis://, sqlite:/// or "
        "memory://, or leave it unset for instance/jobs.sqlite3"
    )


jobs = Jobs()
task = jobs.task
periodic_task = jobs.periodic_task


def init_app(app: Flask) -> AppHuey:
    """Give the app its queue (after the feature's tasks modules are imported)."""
    return jobs.init_app(app)


def queue(app: Flask | None = None) -> AppHuey:
    """Return an app's queue (the current app's by default)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]


# --- the consumer ------------------------------------------------------------------------------


class AppConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer, whose signal handlers are optional (not in a test's process)."""

    def __init__(self, huey: Huey, handle_signals: bool = True, **options: Any) -> None:
        self.handle_signals = handle_signals
        super().__init__(huey, **options)
        # SIGTERM (systemd, docker, `make run`'s end) as gentle as Ctrl-C: the running tasks
        # finish, a mail half sent is not left to its lease; a second signal stops at once.
        self._signal_actions[signal.SIGTERM] = (False, True)

    def _set_signal_handlers(self) -> None:
        if self.handle_signals:
            super()._set_signal_handlers()


def consumer(
    app: Flask, workers: int = 2, periodic: bool = True, handle_signals: bool = True
) -> AppConsumer:
    """Make a consumer of the app's queue: worker threads and, with periodic, the scheduler."""
    huey = queue(app)
    if huey.immediate:
        raise click.ClickException(
            "the job queue runs in immediate mode (JOBS_IMMEDIATE): tasks run inline, "
            "there is nothing to consume"
        )
    return AppConsumer(
        huey,
        handle_signals=handle_signals,
        workers=workers,
        periodic=periodic,
        worker_type="thread",
        # An idle worker looks at the queue at least this often (Redis blocks instead).
        max_delay=float(app.config.get("JOBS_POLL_SECONDS", 1.0)),
        scheduler_interval=1,
    )


@contextmanager
def consuming(app: Flask, workers: int = 2, periodic: bool = True) -> Iterator[AppConsumer]:
    """Run a consumer in threads of this process for a while (tests, scripts)."""
    running = consumer(app, workers=workers, periodic=periodic, handle_signals=False)
    running.start()
    try:
        yield running
    finally:
        running.stop(graceful=True)


# Re-exported for tasks that ask to be tried again at a time of their choosing.
__all__ = [
    "RetryTask",
    "consumer",
    "consuming",
    "crontab",
    "init_app",
    "jobs",
    "periodic_task",
    "queue",
    "task",
]


@click.group("jobs")
def jobs_cli() -> None:
    """Run the background job queue."""


@jobs_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Run the scheduled tasks (one worker per queue should; more do no harm).",
)
@with_appcontext
def worker_command(workers: int, periodic: bool) -> None:
    """Run the queue's tasks until stopped (Ctrl-C): beside `flask run` or gunicorn."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not queue(app).immediate and isinstance(queue(app).storage, MemoryStorage):
        raise click.ClickException(
            "JOBS_URL is memory://: only the process that enqueues sees its tasks"
        )
    running = consumer(app, workers=workers, periodic=periodic)
    # Huey's own lines (started, each task run, retries) are what this process is for.
    logging.getLogger("huey").setLevel(logging.INFO)
    click.echo(
        f"job worker on {queue(app).description}: {workers} threads, scheduled tasks "
        f"{'on' if periodic else 'off'}; Ctrl-C stops"
    )
    running.run()


@jobs_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Say where the queue is and how many tasks wait in it."""
    huey = queue()
    click.echo(f"storage: {huey.description}")
    click.echo(f"pending: {huey.pending_count()}")
    click.echo(f"scheduled: {huey.scheduled_count()}")
    for name in sorted(huey.wrappers):
        click.echo(f"task: {name}")
