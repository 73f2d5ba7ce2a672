"""Pages of institutions and networks."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from app.institutions import services

bp = Blueprint("institutions", __name__)


@bp.get("/institutions")
def index() -> ResponseReturnValue:
    """List the institutions and the networks they belong to."""
    return render_template(
        "institutions/index.html",
        institutions=services.list_institutions(),
        networks=services.list_networks(),
    )


@bp.get("/institutions/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    """Show an institution: its units, network memberships and strategic partners."""
    institution = services.get_institution(slug)
    if institution is None:
        abort(404, description="There is no institution at this address.")
    return render_template("institutions/detail.html", institution=institution)
