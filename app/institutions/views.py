"""Pages of institutions and networks, and their management by the institution's managers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.accounts import services as accounts
from app.accounts.models import Invitation, User
from app.core.extensions import db
from app.institutions import services
from app.institutions.forms import InstitutionForm, InviteForm, RoleForm, UnitForm
from app.institutions.models import Institution
from app.permissions import PUBLIC, SIGNED_IN, access, can_manage_institution, require_role

bp = Blueprint("institutions", __name__)


def _managed(slug: str) -> Institution:
    """Load an institution the current user manages: 404 to outsiders, 403 to other members."""
    institution = services.get_institution(slug)
    if institution is None:
        abort(404)
    require_role(current_user, institution, "manager")
    return institution


@bp.get("/institutions")
@access(PUBLIC)
def index() -> ResponseReturnValue:
    """List the institutions and the networks they belong to."""
    return render_template(
        "institutions/index.html",
        institutions=services.list_institutions(),
        networks=services.list_networks(),
    )


@bp.get("/institutions/<slug>")
@access(PUBLIC)
def detail(slug: str) -> ResponseReturnValue:
    """Show an institution: its units, network memberships and strategic partners."""
    institution = services.get_institution(slug)
    if institution is None:
        abort(404, description="There is no institution at this address.")
    return render_template(
        "institutions/detail.html",
        institution=institution,
        can_manage=can_manage_institution(current_user, institution),
    )


@bp.route("/institutions/<slug>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit(slug: str) -> ResponseReturnValue:
    """Edit an institution's profile and units (managers)."""
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
        flash("The institution's profile is saved.")
        return redirect(url_for("institutions.detail", slug=slug))
    return render_template(
        "institutions/edit.html",
        institution=institution,
        form=form,
        unit_form=UnitForm(prefix="unit"),
    )


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
            flash(f"Unit “{unit.name}” added.")
            return redirect(url_for("institutions.edit", slug=slug))
        unit_form.name.errors.append("The institution already has a unit of this name.")
    return render_template(
        "institutions/edit.html",
        institution=institution,
        form=InstitutionForm(obj=institution),
        unit_form=unit_form,
    ), 400


@bp.post("/institutions/<slug>/units/<int:unit_id>/delete")
@access(SIGNED_IN)
def remove_unit(slug: str, unit_id: int) -> ResponseReturnValue:
    """Remove a unit of the institution (managers)."""
    institution = _managed(slug)
    unit = services.remove_unit(institution, unit_id)
    if unit is None:
        abort(404)
    db.session.commit()
    flash(f"Unit “{unit.name}” removed.")
    return redirect(url_for("institutions.edit", slug=slug))


@bp.get("/institutions/<slug>/members")
@access(SIGNED_IN)
def members(slug: str) -> ResponseReturnValue:
    """List the institution's members and open invitations (managers)."""
    institution = _managed(slug)
    return render_template(
        "institutions/members.html",
        institution=institution,
        members=accounts.members(institution),
        invitations=accounts.open_invitations(institution),
        invite_form=InviteForm(),
        role_form=RoleForm(),
    )


@bp.post("/institutions/<slug>/invitations")
@access(SIGNED_IN)
def invite(slug: str) -> ResponseReturnValue:
    """Invite someone to the institution with a role (managers)."""
    institution = _managed(slug)
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        existing = accounts.get_user_by_email(email)
        if existing is not None and any(r.institution_id == institution.id for r in existing.roles):
            form.email.errors.append("This person is already a member; change their role below.")
        else:
            accounts.invite(
                institution, email, form.role.data or "viewer", current_user._get_current_object()
            )
            db.session.commit()
            flash(f"Invitation sent to {email}.")
            return redirect(url_for("institutions.members", slug=slug))
    return render_template(
        "institutions/members.html",
        institution=institution,
        members=accounts.members(institution),
        invitations=accounts.open_invitations(institution),
        invite_form=form,
        role_form=RoleForm(),
    ), 400


def _member(institution: Institution, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not any(r.institution_id == institution.id for r in user.roles):
        abort(404)
    return user


@bp.post("/institutions/<slug>/members/<int:user_id>/role")
@access(SIGNED_IN)
def change_role(slug: str, user_id: int) -> ResponseReturnValue:
    """Change a member's role (managers); the last manager stays a manager."""
    institution = _managed(slug)
    user = _member(institution, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, description="Choose one of the roles.")
    if accounts.leaves_no_manager(institution, user, form.role.data):
        flash("An institution needs at least one manager: make someone else manager first.")
    else:
        accounts.set_role(user, institution, form.role.data, by=current_user.email)
        db.session.commit()
        flash(f"{user.email} is now {form.role.data}.")
    return redirect(url_for("institutions.members", slug=slug))


@bp.post("/institutions/<slug>/members/<int:user_id>/remove")
@access(SIGNED_IN)
def remove_member(slug: str, user_id: int) -> ResponseReturnValue:
    """Remove a member from the institution (managers); the last manager stays."""
    institution = _managed(slug)
    user = _member(institution, user_id)
    if accounts.leaves_no_manager(institution, user, None):
        flash("An institution needs at least one manager: make someone else manager first.")
    else:
        accounts.set_role(user, institution, None, by=current_user.email)
        db.session.commit()
        flash(f"{user.email} no longer belongs to {institution.name}.")
    return redirect(url_for("institutions.members", slug=slug))


@bp.post("/institutions/<slug>/invitations/<int:invitation_id>/revoke")
@access(SIGNED_IN)
def revoke_invitation(slug: str, invitation_id: int) -> ResponseReturnValue:
    """Withdraw an open invitation (managers)."""
    institution = _managed(slug)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.institution_id != institution.id or not invitation.open:
        abort(404)
    accounts.revoke(invitation)
    db.session.commit()
    flash(f"The invitation to {invitation.email} is withdrawn.")
    return redirect(url_for("institutions.members", slug=slug))
