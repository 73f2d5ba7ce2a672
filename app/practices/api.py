"""JSON API of the catalogue: GET /api/v1/practices and /api/v1/practices/<slug>.

The answers are built from the models of schemas.py (PracticePage, PracticeDetail), from
which the OpenAPI document is generated too.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.core.caching import cached_page
from app.core.errors import json_error
from app.core.extensions import aware
from app.core.urls import external_url
from app.core.vocabularies import vocabularies
from app.permissions import PUBLIC, access
from app.practices import search, services
from app.practices.models import Phase, Practice
from app.practices.schemas import TRUSTED, PracticeDetail, PracticePage, PracticeSummary
from app.practices.version import catalogue_version, list_variant

# The API's answers are the same in every language; shared caches may keep them a minute.
API_CACHE_CONTROL = "public, max-age=60"

bp = Blueprint("practices_api", __name__, url_prefix="/api/v1/practices")


def _bracketed(parts: search.Marked) -> str:
    """Write a highlighted text with its matched words in square brackets."""
    return "".join(f"[{text}]" if is_match else text for text, is_match in parts)


def practice_summary(
    practice: Practice, highlight: tuple[search.Marked, search.Marked] | None = None
) -> PracticeSummary:
    """Return what a list shows of a practice."""
    return PracticeSummary.model_validate(
        {
            "slug": practice.slug,
            "title": practice.title,
            "summary": practice.summary,
            "url": external_url("practices_api.detail", slug=practice.slug),
            "page_url": external_url("practices.detail", slug=practice.slug),
            **{name: practice.terms_of(name) for name in services.TERM_FIELDS},
            "delivery_schedule": practice.delivery_schedule,
            "importance": practice.importance,
            "scale_of_change": practice.scale_of_change,
            **{
                phase: {
                    level: getattr(practice, f"{phase}_{level}") for level in services.LEVEL_FIELDS
                }
                for phase in Phase
            },
            "estimated": list(practice.estimated),
            "highlight": None
            if highlight is None
            else {"title": _bracketed(highlight[0]), "snippet": _bracketed(highlight[1])},
        },
        # Stored rows keep keys a later edit of the vocabularies may have dropped.
        context=TRUSTED,
    )


def practice_detail(practice: Practice) -> PracticeDetail:
    """Return every field of a practice sheet."""
    sheet = services.sheet_from_practice(practice)
    return PracticeDetail.model_validate(
        {
            **sheet.model_dump(),
            "withdrawn": practice.withdrawn,
            "updated_at": aware(practice.updated_at),
            "url": external_url("practices_api.detail", slug=practice.slug),
            "page_url": external_url("practices.detail", slug=practice.slug),
        },
        context=TRUSTED,
    )


@bp.get("")
@access(PUBLIC)
@cached_page(
    "practices_api.index",
    version=catalogue_version,
    query=list_variant,
    per_language=False,
    cache_control=API_CACHE_CONTROL,
)
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
        return json_error(400, "Bad Request", _("invalid query parameters"), fields=error.problems)
    result = search.search_practices(query, vocab)
    page = PracticePage(
        items=[practice_summary(p, result.highlights.get(p.id)) for p in result.items],
        page=query.page,
        per_page=query.per_page,
        total=result.total,
        pages=result.pages,
        sort=query.effective_sort,
        facets=result.facets,
    )
    return jsonify(page.model_dump(mode="json", by_alias=True, exclude_none=True))


@bp.get("/<slug>")
@access(PUBLIC)
@cached_page(
    "practices_api.detail",
    version=catalogue_version,
    query=None,
    per_language=False,
    cache_control=API_CACHE_CONTROL,
)
def detail(slug: str) -> ResponseReturnValue:
    """Return one whole practice sheet."""
    practice = services.get_practice(slug)
    if practice is None:
        abort(404, description=_("no practice with slug %(slug)s", slug=repr(slug)))
    return jsonify(practice_detail(practice).model_dump(mode="json", exclude_none=True))
