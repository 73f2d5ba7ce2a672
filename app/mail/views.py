"""The outbox page for site admins."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from app.mail import services
from app.permissions import ADMIN, access

bp = Blueprint("mail", __name__)


@bp.get("/admin/outbox")
@access(ADMIN)
def outbox() -> ResponseReturnValue:
    """Show the emails the app sent or kept, newest first."""
    return render_template("mail/outbox.html", messages=services.outbox())
