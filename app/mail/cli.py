"""`flask mail ...`: deliver the outbox from the command line or as a long-running worker."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.mail import services

log = logging.getLogger(__name__)


@click.group("mail")
def mail_cli() -> None:
    """Deliver the outbox's email."""


def _check_server() -> None:
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: email stays in the outbox page.")


@mail_cli.command("send")
@with_appcontext
def send_command() -> None:
    """Send every message that is due now, once (for cron); retries wait for their time."""
    _check_server()
    total: dict[str, int] = {}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Pass after pass until nothing is due (a failure is due again only later); bounded, in
    # case a zero retry delay keeps a failing message due.
    for _ in range(1000):
        counts = services.run_pass(app)
        if not counts:
            break
        for status, count in counts.items():
            total[status] = total.get(status, 0) + count
    summary = ", ".join(f"{count} {status}" for status, count in sorted(total.items()))
    click.echo(summary or "nothing due")


@mail_cli.command("worker")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def worker_command(poll: float) -> None:
    """Deliver the outbox until stopped (run it beside gunicorn with MAIL_WORKER=off)."""
    _check_server()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"delivering the outbox every {poll:g} s; Ctrl-C stops")
    try:
        while True:
            services.run_pass(app)
            time.sleep(poll)
    except KeyboardInterrupt:
        click.echo("stopped")
