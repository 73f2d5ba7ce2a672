"""Pages of the catalogue: browse and search, one sheet, compare sheets."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app.core.caching import cached_page
from app.core.conflicts import EditConflict
from app.core.extensions import db
from app.core.i18n import current_language
from app.core.i18n import lazy_gettext as _l
from app.core.validation import form_id
from app.core.vocabularies import vocabularies
from app.permissions import CURATOR, PUBLIC, access, can_curate
from app.practices import search, services
from app.practices.forms import PracticeForm
from app.practices.models import Practice, PracticeRevision
from app.practices.schemas import FACETS, SORTS
from app.practices.signals import offers_for
from app.practices.version import catalogue_version, list_variant

bp = Blueprint("practices", __name__)


@bp.app_template_global()
def example_sheets(institution: Any) -> list[services.ShownPractice]:
    """Return the sheets an institution is a good example of, in the reader's language (its
    public page lists them)."""
    found = services.exemplified_by(institution.name)
    return services.shown_practices(found, current_language())


COMPARE_MIN, COMPARE_MAX = 2, 4
# A cost, time or effort facet is named with its phase, as one phrase to translate.
IN_PHASE = {"setup": _l("%(facet)s (setup)"), "delivery": _l("%(facet)s (delivery)")}
# How the notice on the list names the request arguments it could not use, besides facets.
PARAMETER_LABELS = {
    "q": _l("Search words"),
    "sort": _l("Sort"),
    "page": _l("Page"),
    "per_page": _l("Results per page"),
}


def facet_names() -> dict[str, str]:
    """Name each facet as the active filters and notices show it, in the reader's language."""
    return {
        facet.name: str(facet.label)
        if facet.group == "sheet"
        else IN_PHASE[facet.group] % {"facet": facet.label}
        for facet in FACETS
    }


# How a version's list of changed fields names them, in the middle of a sentence.
SHEET_FIELD_NAMES = {
    "title": _l("title"),
    "slug": _l("address name"),
    "summary": _l("summary"),
    "body": _l("about this practice"),
    "goals": _l("goals"),
    "categories": _l("categories"),
    "mobility_stages": _l("mobility stages"),
    "target_groups": _l("target groups"),
    "delivery_schedule": _l("delivery schedule"),
    "importance": _l("importance"),
    "scale_of_change": _l("scale of organisational change"),
    "setup": _l("setup"),
    "delivery": _l("delivery"),
    "internal_actors": _l("internal actors"),
    "external_collaborators": _l("external collaborators"),
    "activity_types": _l("types of activity"),
    "considerations": _l("what to consider"),
    "challenges": _l("challenges"),
    "good_examples": _l("good examples"),
    "related": _l("related practices"),
    "sources": _l("sources"),
    "estimated": _l("estimates"),
}


def changed_names(revision: PracticeRevision) -> str:
    """Name the fields a saved version changed, in the reader's language."""
    return ", ".join(
        str(SHEET_FIELD_NAMES.get(name, name.replace("_", " "))) for name in revision.changed_fields
    )


def _list_url(raw: str | None) -> str:
    """Return the catalogue list a compare request came from: a path of this site only."""
    if raw and raw.startswith("/practices") and "\\" not in raw:
        return raw
    return url_for("practices.index")


def _list_with_ticked(raw: str | None, slugs: list[str]) -> str:
    """Return the catalogue list a compare request came from, with these sheets ticked again."""
    parts = urlsplit(_list_url(raw))
    if parts.path.rstrip("/") != url_for("practices.index"):
        parts = urlsplit(url_for("practices.index"))
    args = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ticked"]
    args += [("ticked", slug) for slug in slugs[: COMPARE_MAX + 1]]
    return urlunsplit(("", "", parts.path, urlencode(args), "compare"))


@bp.get("/")
@access(PUBLIC)
def home() -> ResponseReturnValue:
    """Send visitors to the catalogue, the front door of the product for now."""
    return redirect(url_for("practices.index"))


@bp.get("/practices")
@access(PUBLIC)
@cached_page("practices.index", version=catalogue_version, query=list_variant)
def index() -> ResponseReturnValue:
    """Browse the catalogue: facets with counts, full-text search, sort and pages."""
    vocab = vocabularies()
    args = request.args
    problems: dict[str, str] = {}
    try:
        query = search.parse_query(
            args, vocab, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    except search.QueryError as error:
        # A stale shared link should still show the catalogue: drop what is unknown, say so.
        problems = error.problems
        cleaned = MultiDict((k, v) for k, v in args.items(multi=True) if k not in problems)
        query = search.parse_query(
            cleaned, vocab, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
        )
    language = current_language()
    result = search.search_practices(query, vocab, language)
    status = 400 if problems else 200
    names = facet_names()
    return render_template(
        "practices/index.html",
        result=result,
        query=query,
        problems=problems,
        # Sheets ticked for comparing, kept when a comparison was asked with too few or many.
        ticked=set(args.getlist("ticked")),
        compare_min=COMPARE_MIN,
        compare_max=COMPARE_MAX,
        facets=FACETS,
        sorts=SORTS,
        parameter_labels={**PARAMETER_LABELS, **names},
        facet_names=names,
        language_notice=services.SOME_NOT_TRANSLATED[language]
        if any(item.fallback for item in result.shown)
        else None,
        offers=offers_for("list", current_user, result.items) if result.items else [],
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
        # Back to the list, the ticks kept, to tick more or fewer.
        return redirect(_list_with_ticked(request.args.get("from"), slugs), 303)
    practices = services.get_practices(slugs)
    missing = [slug for slug in slugs if slug not in {p.slug for p in practices}]
    if missing:
        abort(
            404, description=_("No practice sheet with slug %(slugs)s.", slugs=", ".join(missing))
        )
    language = current_language()
    shown = services.shown_sheets(practices, language)
    return render_template(
        "practices/compare.html",
        practices=[item.practice for item in shown],
        sheets=[item.sheet for item in shown],
        back_url=back,
        language_notice=services.SOME_NOT_TRANSLATED[language]
        if any(item.practice.fallback for item in shown)
        else None,
    )


@bp.get("/practices/<slug>")
@access(PUBLIC)
@cached_page("practices.detail", version=catalogue_version, query=None)
def detail(slug: str) -> ResponseReturnValue:
    """Show one whole practice sheet."""
    practice = services.get_practice(slug)
    if practice is None:
        abort(404, description=_("There is no practice sheet at this address."))
    language = current_language()
    shown = services.shown_sheets([practice], language)[0]
    return render_template(
        "practices/detail.html",
        practice=shown.practice,
        sheet=shown.sheet,
        # Sanitised when it was saved (see services.apply_sheet and apply_translation); marked
        # with its language, which may not be the page's (an English fallback).
        body_html=Markup('<div lang="%s">%s</div>')
        % (shown.practice.language, Markup(shown.body_html)),  # noqa: S704
        titles=services.related_titles([practice], language),
        can_curate=can_curate(current_user),
        offers=offers_for("sheet", current_user, [practice]),
    )


# --- curating ----------------------------------------------------------------------------------


def _editor(
    practice: Practice | None,
    form: PracticeForm,
    preview: Markup | None = None,
    conflict: EditConflict | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "practices/edit.html", practice=practice, form=form, preview=preview, conflict=conflict
    ), status


def _end_transaction() -> None:
    """End the transaction the sign-in check began, before slow work that needs no database.

    For a POST, SQLite's transaction began with the write lock (BEGIN IMMEDIATE, see
    core/extensions.py): held while a long body is checked and rendered, it would make every
    other writer wait. Nothing has been changed yet, so there is nothing to lose.
    """
    # The request's language is read from the account now, while it is loaded: asked first
    # by a message after the rollback, it would reload the account and begin a transaction.
    get_locale()
    db.session.rollback()


def _submit(slug: str | None) -> ResponseReturnValue:
    """Preview or save the curator's form; on any problem show it again with nothing lost.

    The form is checked and its body rendered first, outside any transaction; only then is
    the database read and written.
    """
    _end_transaction()
    form = PracticeForm()
    if slug is not None:
        form.slug.data = slug  # the address of an existing sheet does not change
    # Both checks run, so that every problem shows at once rather than in rounds.
    form_ok = form.validate_on_submit()
    sheet = form.to_sheet(vocabularies())
    body_html = services.render_body(sheet) if form_ok and sheet is not None else None
    practice = services.get_practice(slug) if slug is not None else None
    if slug is not None and practice is None:
        abort(404)
    if not form_ok or sheet is None or body_html is None:
        return _editor(practice, form, status=400)
    if practice is None and services.get_practice(sheet.slug) is not None:
        form.slug.errors.append(_("Another sheet already has this address name."))
        return _editor(practice, form, status=400)
    listed = services.related_titles_for(sheet.related)
    unknown = [name for name in sheet.related if name not in listed]
    if unknown:
        form.related.errors.append(
            _("No listed sheet has the slug %(slugs)s.", slugs=", ".join(unknown))
        )
        return _editor(practice, form, status=400)
    if form.preview.data:
        return _editor(practice, form, preview=Markup(body_html))  # noqa: S704 - sanitised
    try:
        saved = services.save_sheet(
            practice,
            sheet,
            author=current_user._get_current_object(),
            # An existing sheet's save without a readable version is stale (0), never a reason
            # to skip the conflict check.
            base_version=form_id(form.version.data) or (None if practice is None else 0),
            note=form.note.data or "",
            body_html=body_html,
        )
    except EditConflict as conflict:
        return _editor(practice, form, conflict=conflict, status=409)
    db.session.commit()
    flash(_("The sheet is saved. Its history keeps every version."))
    return redirect(url_for("practices.detail", slug=saved.slug))


@bp.route("/practices/new", methods=["GET", "POST"])
@access(CURATOR)
def create() -> ResponseReturnValue:
    """Write a new practice sheet (curators)."""
    if request.method == "POST":
        return _submit(None)
    return _editor(None, PracticeForm(data=PracticeForm.data_from_sheet(None)))


@bp.route("/practices/<slug>/edit", methods=["GET", "POST"])
@access(CURATOR)
def edit(slug: str) -> ResponseReturnValue:
    """Edit a practice sheet (curators); a save over a newer one is refused."""
    if request.method == "POST":
        return _submit(slug)
    practice = services.get_practice(slug)
    if practice is None:
        abort(404)
    data = PracticeForm.data_from_sheet(services.sheet_from_practice(practice), practice.version)
    return _editor(practice, PracticeForm(data=data))


@bp.get("/practices/<slug>/history")
@access(CURATOR)
def history(slug: str) -> ResponseReturnValue:
    """List every saved version of a sheet: who, when, how and what changed (curators)."""
    practice = services.get_practice(slug)
    if practice is None:
        abort(404)
    return render_template(
        "practices/history.html",
        practice=practice,
        revisions=services.revisions_of(practice),
        changed=changed_names,
    )


def _revision_of(slug: str, number: int) -> tuple[Practice, PracticeRevision]:
    """Load a sheet and one of its saved versions, or answer 404."""
    practice = services.get_practice(slug)
    found = services.get_revision(practice, number) if practice else None
    if practice is None or found is None:
        abort(404)
    return practice, found


@bp.get("/practices/<slug>/history/<int:number>")
@access(CURATOR)
def revision(slug: str, number: int) -> ResponseReturnValue:
    """Show one saved version of a sheet (curators)."""
    practice, found = _revision_of(slug, number)
    return render_template(
        "practices/revision.html",
        practice=practice,
        revision=found,
        sheet=services.sheet_of_revision(found),
        changed=changed_names,
    )


@bp.post("/practices/<slug>/history/<int:number>/restore")
@access(CURATOR)
def restore(slug: str, number: int) -> ResponseReturnValue:
    """Make an older version the current sheet again, as a new version (curators)."""
    practice, found = _revision_of(slug, number)
    sheet = services.sheet_of_revision(found)
    _end_transaction()  # the lock is not held while the old body is rendered
    body_html = services.render_body(sheet)
    practice, found = _revision_of(slug, number)
    services.restore_revision(
        practice, found, author=current_user._get_current_object(), sheet=sheet, body_html=body_html
    )
    db.session.commit()
    flash(_("Version %(number)s is the current sheet again.", number=number))
    return redirect(url_for("practices.detail", slug=slug))
