"""The outbox page for site admins, and the start of each process's mail worker."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from app.mail import services
from app.permissions import ADMIN, access

bp = Blueprint("mail", __name__)


@bp.get("/admin/outbox")
@access(ADMIN)
def outbox() -> ResponseReturnValue:
    """Show the emails the app sent or kept, newest first."""
    return render_template("mail/outbox.html", messages=services.outbox())


@bp.before_app_request
def _start_mail_worker() -> None:
    """Start this process's mail worker at its first request (a no-op once it runs).

    So that what an earlier process left pending (it stopped, or died mid-delivery) is sent
    without waiting for the next email to wake a worker.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("MAIL_SERVER") and app.config.get("MAIL_WORKER", "thread") == "thread":
        services.worker(app).start()
