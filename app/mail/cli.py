"""`flask mail send`: deliver the due messages of the outbox now, from the command line.

The job queue's worker (`flask jobs worker`) delivers them as they come; this is for a
machine without one, or to see at once what a retry would do.
"""

from __future__ import annotations

import logging

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
