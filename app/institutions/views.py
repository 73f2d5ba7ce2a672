"""Pages of institutions and networks, and their management by the institution's managers."""

from __future__ import annotations

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
from flask_babel import gettext as _
from flask_login import current_user

from app.core.extensions import db
from app.core.i18n import lazy_gettext as _l
from app.core.pagination import read_page
from app.institutions import services
from app.institutions.forms import (
    InstitutionForm,
    MembershipForm,
    PartnershipForm,
    UnitForm,
)
from app.institutions.models import Institution
from app.permissions import (
    PUBLIC,
    SIGNED_IN,
    access,
    can_manage_institution,
    has_role,
)

bp = Blueprint("institutions", __name__)

# How the notice on the list names the request arguments it could not use.
PARAMETER_LABELS = {"page": _l("Page"), "per_page": _l("Results per page")}


def _edit_page(institution: Institution, status: int = 200, **forms: object) -> ResponseReturnValue:
    """Render the edit page with its four forms, keeping the one that was just sent."""
    networks = _joinable(institution)
    defaults = {
        "form": InstitutionForm(obj=institution),
        "unit_form": UnitForm(prefix="unit"),
        "membership_form": MembershipForm(networks, prefix="membership"),
        "partnership_form": PartnershipForm(prefix="partner"),
    }
    return render_template(
        "institutions/edit.html", institution=institution, **{**defaults, **forms}
    ), status


def _joinable(institution: Institution) -> list[tuple[str, str]]:
    """Offer the networks the institution does not belong to yet."""
    joined = {m.network_id for m in institution.memberships}
    return [(n.slug, n.name) for n in services.list_networks() if n.id not in joined]


def _managed(slug: str) -> Institution:
    """Load an institution the current user manages: 404 to outsiders, 403 to other members."""
    return services.require_institution(slug, current_user, "manager")


@bp.get("/institutions")
@access(PUBLIC)
def index() -> ResponseReturnValue:
    """List the institutions, a page at a time, and the networks they belong to."""
    page, per_page, problems = read_page(
        request.args, current_app.config["PAGE_SIZE"], current_app.config["MAX_PAGE_SIZE"]
    )
    institutions, pages = services.page_of_institutions(page, per_page)
    return render_template(
        "institutions/index.html",
        institutions=institutions,
        pages=pages,
        problems=problems,
        parameter_labels=PARAMETER_LABELS,
        networks=services.list_networks(),
    ), 400 if problems else 200


@bp.get("/institutions/<slug>")
@access(PUBLIC)
def detail(slug: str) -> ResponseReturnValue:
    """Show an institution: its units, network memberships and strategic partners."""
    institution = services.get_institution(slug)
    if institution is None:
        abort(404, description=_("There is no institution at this address."))
    return render_template(
        "institutions/detail.html",
        institution=institution,
        can_manage=can_manage_institution(current_user, institution),
        is_member=has_role(current_user, institution, "viewer"),
    )


@bp.route("/institutions/<slug>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit(slug: str) -> ResponseReturnValue:
    """Edit an institution's profile, units, memberships and partners (managers)."""
    institution = _managed(slug)
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        services.apply_profile(
            institution,
            name=form.name.data or "",
            country=form.country.data or "",
            kind=form.kind.data or "",
            website=form.website.data,
            description=form.description.data or "",
        )
        db.session.commit()
        flash(_("The institution's profile is saved."))
        return redirect(url_for("institutions.detail", slug=slug))
    return _edit_page(institution, 400 if form.errors else 200, form=form)


@bp.get("/institutions/<slug>/units")
@bp.get("/institutions/<slug>/memberships")
@bp.get("/institutions/<slug>/partnerships")
@access(SIGNED_IN)
def edit_again(slug: str) -> ResponseReturnValue:
    """Send a reload of a sub-form's address (after an error was shown) to the edit page."""
    _managed(slug)
    return redirect(url_for("institutions.edit", slug=slug))


@bp.post("/institutions/<slug>/units")
@access(SIGNED_IN)
def add_unit(slug: str) -> ResponseReturnValue:
    """Add a unit to the institution (managers)."""
    institution = _managed(slug)
    unit_form = UnitForm(prefix="unit")
    if unit_form.validate_on_submit():
        unit = services.add_unit(
            institution,
            name=unit_form.name.data or "",
            kind=unit_form.kind.data or "",
            description=unit_form.description.data or "",
        )
        if unit is not None:
            db.session.commit()
            flash(_("Unit “%(name)s” added.", name=unit.name))
            return redirect(url_for("institutions.edit", slug=slug))
        unit_form.name.errors.append(_("The institution already has a unit of this name."))
    return _edit_page(institution, 400, unit_form=unit_form)


@bp.post("/institutions/<slug>/memberships")
@access(SIGNED_IN)
def add_membership(slug: str) -> ResponseReturnValue:
    """Add a network membership (managers)."""
    institution = _managed(slug)
    form = MembershipForm(_joinable(institution), prefix="membership")
    if form.validate_on_submit():
        network = services.get_network(form.network.data or "")
        membership = network and services.add_membership(
            institution,
            network,
            role=form.role.data or _("Member"),
            since=form.since_value(),
            note=form.note.data or "",
        )
        if membership:
            db.session.commit()
            flash(_("Membership of %(network)s added.", network=network.name))
            return redirect(url_for("institutions.edit", slug=slug))
        form.network.errors.append(_("The institution already belongs to this network."))
    return _edit_page(institution, 400, membership_form=form)


@bp.post("/institutions/<slug>/partnerships")
@access(SIGNED_IN)
def add_partnership(slug: str) -> ResponseReturnValue:
    """Add a strategic partner with its priority areas (managers)."""
    institution = _managed(slug)
    form = PartnershipForm(prefix="partner")
    if form.validate_on_submit():
        partnership = services.add_partnership(
            institution,
            partner_name=form.partner_name.data or "",
            partner_country=form.partner_country.data or "",
            priority_areas=form.areas(),
        )
        if partnership:
            db.session.commit()
            flash(_("%(partner)s added as a strategic partner.", partner=partnership.partner_name))
            return redirect(url_for("institutions.edit", slug=slug))
        form.partner_name.errors.append(_("This partner is already listed."))
    return _edit_page(institution, 400, partnership_form=form)


# What the removal view says of each kind of an institution's parts: whole sentences, so that
# each language words them its own way.
QUESTIONS = {
    "units": _l("Remove the unit “%(name)s”?"),
    "memberships": _l("Remove the network membership “%(name)s”?"),
    "partnerships": _l("Remove the strategic partner “%(name)s”?"),
}
BUTTONS = {
    "units": _l("Remove the unit"),
    "memberships": _l("Remove the network membership"),
    "partnerships": _l("Remove the strategic partner"),
}
REMOVED = {
    "units": _l("The unit “%(name)s” is removed."),
    "memberships": _l("The network membership “%(name)s” is removed."),
    "partnerships": _l("The strategic partner “%(name)s” is removed."),
}
# What a removal of each kind means, said on the page that asks.
PART_CONSEQUENCES = {
    "units": _l("Plans keep their activities, but the activities no longer name this unit."),
    "memberships": _l("The institution's page no longer lists this network, its role or note."),
    "partnerships": _l(
        "The institution's page no longer lists this partner or its priority areas."
    ),
}


def _part_name(kind: str, row: object) -> str:
    """Name one unit, membership or partnership as the page lists it."""
    if kind == "memberships":
        return str(row.network.name)  # type: ignore[attr-defined]
    if kind == "partnerships":
        return str(row.partner_name)  # type: ignore[attr-defined]
    return str(row.name)  # type: ignore[attr-defined]


@bp.route(
    "/institutions/<slug>/<any(units, memberships, partnerships):kind>/<int:row_id>/delete",
    methods=["GET", "POST"],
)
@access(SIGNED_IN)
def remove_part(slug: str, kind: str, row_id: int) -> ResponseReturnValue:
    """Ask, then remove a unit, network membership or strategic partner (managers)."""
    institution = _managed(slug)
    row = services.find_child(getattr(institution, kind), row_id)
    if row is None:
        abort(404)
    if request.method != "POST":  # GET and HEAD ask; HEAD skips the CSRF check, so never acts
        return render_template(
            "institutions/confirm_remove.html",
            institution=institution,
            title=QUESTIONS[kind] % {"name": _part_name(kind, row)},
            consequence=str(PART_CONSEQUENCES[kind]),
            button=str(BUTTONS[kind]),
            back_url=url_for("institutions.edit", slug=slug),
        )
    services.remove_child(getattr(institution, kind), row_id)
    db.session.commit()
    flash(REMOVED[kind] % {"name": _part_name(kind, row)})
    return redirect(url_for("institutions.edit", slug=slug))
