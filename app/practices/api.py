"""JSON API of the catalogue: GET /api/v1/practices and /api/v1/practices/<slug>."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.core.errors import json_error
from app.core.extensions import aware
from app.core.urls import external_url
from app.core.vocabularies import vocabularies
from app.permissions import PUBLIC, access
from app.practices import search, services
from app.practices.models import Practice

bp = Blueprint("practices_api", __name__, url_prefix="/api/v1/practices")


def _bracketed(parts: search.Marked) -> str:
    """Write a highlighted text with its matched words in square brackets."""
    return "".join(f"[{text}]" if is_match else text for text, is_match in parts)


def serialize_summary(
    practice: Practice, highlight: tuple[search.Marked, search.Marked] | None = None
) -> dict[str, Any]:
    """Return what a list shows of a practice."""
    data: dict[str, Any] = {
        "slug": practice.slug,
        "title": practice.title,
        "summary": practice.summary,
        "url": external_url("practices_api.detail", slug=practice.slug),
        "page_url": external_url("practices.detail", slug=practice.slug),
        **{name: practice.terms_of(name) for name in services.TERM_FIELDS},
        "delivery_schedule": practice.delivery_schedule,
        "importance": practice.importance,
        "scale_of_change": practice.scale_of_change,
    }
    for phase in services.PHASES:
        data[phase] = {
            level: getattr(practice, f"{phase}_{level}") for level in services.LEVEL_FIELDS
        }
    data["estimated"] = list(practice.estimated)
    if highlight is not None:
        data["highlight"] = {"title": _bracketed(highlight[0]), "snippet": _bracketed(highlight[1])}
    return data


def serialize_detail(practice: Practice) -> dict[str, Any]:
    """Return every field of a practice sheet."""
    sheet = services.sheet_from_practice(practice)
    return {
        **sheet.front_matter(),
        "body": sheet.body,
        "withdrawn": practice.withdrawn,
        "updated_at": aware(practice.updated_at).isoformat(),
        "url": external_url("practices_api.detail", slug=practice.slug),
        "page_url": external_url("practices.detail", slug=practice.slug),
    }


@bp.get("")
@access(PUBLIC)
def index() -> ResponseReturnValue:
    """List practices with the page's filters, search, sort and pagination."""
    vocab = vocabularies()
    try:
        query = search.parse_query(
            request.args,
            vocab,
            current_app.config["PAGE_SIZE"],
            current_app.config["MAX_PAGE_SIZE"],
        )
    except search.QueryError as error:
        return json_error(400, "Bad Request", "invalid query parameters", fields=error.problems)
    result = search.search_practices(query, vocab)
    return jsonify(
        items=[serialize_summary(p, result.highlights.get(p.id)) for p in result.items],
        page=query.page,
        per_page=query.per_page,
        total=result.total,
        pages=result.pages,
        sort=query.effective_sort,
        facets={
            name: [
                {"value": v.key, "label": v.label, "count": v.count, "selected": v.selected}
                for v in values
            ]
            for name, values in result.facets.items()
        },
    )


@bp.get("/<slug>")
@access(PUBLIC)
def detail(slug: str) -> ResponseReturnValue:
    """Return one whole practice sheet."""
    practice = services.get_practice(slug)
    if practice is None:
        abort(404, description=f"no practice with slug {slug!r}")
    return jsonify(serialize_detail(practice))
