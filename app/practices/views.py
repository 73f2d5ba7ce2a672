"""Pages of the catalogue: browse and search, one sheet, compare sheets."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.core.vocabularies import vocabularies
from app.permissions import PUBLIC, access
from app.practices import services

bp = Blueprint("practices", __name__)

COMPARE_MIN, COMPARE_MAX = 2, 4
# How the notice on the list names the request arguments it could not use.
PARAMETER_LABELS = {
    "q": "Search",
    "sort": "Sort",
    "page": "Page",
    "per_page": "Results per page",
    **{
        facet.name: facet.label if facet.group == "sheet" else f"{facet.label} ({facet.group})"
        for facet in services.FACETS
    },
}


def _list_url(raw: str | None) -> str:
    """Return the catalogue list a compare request came from: a path of this site only."""
    if raw and raw.startswith("/practices") and "\\" not in raw:
        return raw
    return url_for("practices.index")


@bp.get("/")
@access(PUBLIC)
def home() -> ResponseReturnValue:
    """Send visitors to the catalogue, the front door of the product for now."""
    return redirect(url_for("practices.index"))


@bp.get("/practices")
@access(PUBLIC)
def index() -> ResponseReturnValue:
    """Browse the catalogue: facets with counts, full-text search, sort and pages."""
    vocab = vocabularies()
    args = request.args
    problems: dict[str, str] = {}
    try:
        query = services.parse_query(
            args, vocab, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    except services.QueryError as error:
        # A stale shared link should still show the catalogue: drop what is unknown, say so.
        problems = error.problems
        cleaned = MultiDict((k, v) for k, v in args.items(multi=True) if k not in problems)
        query = services.parse_query(
            cleaned, vocab, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    result = services.search_practices(query, vocab)
    status = 400 if problems else 200
    return render_template(
        "practices/index.html",
        result=result,
        query=query,
        problems=problems,
        facets=services.FACETS,
        sorts=services.SORTS,
        parameter_labels=PARAMETER_LABELS,
    ), status


@bp.get("/practices/compare")
@access(PUBLIC)
def compare() -> ResponseReturnValue:
    """Show two to four sheets side by side, field by field."""
    slugs = list(
        dict.fromkeys(
            slug.strip()
            for raw in request.args.getlist("slugs")
            for slug in raw.split(",")
            if slug.strip()
        )
    )
    back = _list_url(request.args.get("from"))
    if not COMPARE_MIN <= len(slugs) <= COMPARE_MAX:
        detail = (
            f"Choose between {COMPARE_MIN} and {COMPARE_MAX} practices to compare; "
            f"{len(slugs)} chosen."
        )
        return render_template(
            "errors/error.html",
            status=400,
            title="Choose 2 to 4 practices",
            detail=detail,
            back_url=back,
        ), 400
    practices = services.get_practices(slugs)
    missing = [slug for slug in slugs if slug not in {p.slug for p in practices}]
    if missing:
        abort(404, description=f"No practice sheet with slug {', '.join(missing)}.")
    sheets = [services.sheet_from_practice(p) for p in practices]
    return render_template(
        "practices/compare.html", practices=practices, sheets=sheets, back_url=back
    )


@bp.get("/practices/<slug>")
@access(PUBLIC)
def detail(slug: str) -> ResponseReturnValue:
    """Show one whole practice sheet."""
    practice = services.get_practice(slug)
    if practice is None:
        abort(404, description="There is no practice sheet at this address.")
    return render_template(
        "practices/detail.html",
        practice=practice,
        sheet=services.sheet_from_practice(practice),
        titles=services.related_titles([practice]),
    )
