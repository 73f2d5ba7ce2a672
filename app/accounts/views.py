"""Sign in and out, one's own account, and the members of an institution and invitations."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import services
from app.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    EmailForm,
    InviteForm,
    LanguageForm,
    LoginForm,
    NameForm,
    PasswordChangeForm,
    ResetPasswordForm,
    RoleForm,
)
from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.accounts.tokens import DEVICE_SALT, TokenError, make_token, read_token
from app.core.extensions import db, limiter
from app.core.i18n import SESSION_KEY
from app.core.urls import safe_next
from app.institutions import services as institutions
from app.institutions.models import Institution
from app.permissions import PUBLIC, SIGNED_IN, access

bp = Blueprint("accounts", __name__)

THROTTLED = "Too many sign-in attempts. Wait a minute, then try again."
DEVICE_COOKIE = "known_device"
DEVICE_MAX_AGE = 365 * 24 * 60 * 60


def _account_key() -> str:
    """Count sign-in attempts per account, whichever address they come from.

    Except from a browser that proved to be the owner's (the device cookie): its attempts
    count on their own, so a stranger who keeps the account locked does not lock the owner
    out of the browser they use (README, "Security").
    """
    email = services.normalise_email(request.form.get("email", ""))
    device = _known_device(email)
    return f"login-device:{device}" if device else f"login-account:{email}"


def _email_mark(email: str) -> str:
    """Name an account in a cookie without writing its address there."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def _known_device(email: str) -> str | None:
    """Return the id of this browser if it proved to be the owner's of the account."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    if not cookie or len(cookie) > 300:
        return None
    try:
        payload = read_token(DEVICE_SALT, cookie, DEVICE_MAX_AGE)
    except TokenError:
        return None
    if not hmac.compare_digest(str(payload.get("account")), _email_mark(email)):
        return None
    return str(payload.get("device"))


def _remember_device(response: Response, email: str) -> Response:
    """Mark this browser as the account owner's: after a sign-in or a completed reset."""
    device = _known_device(email) or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        make_token(DEVICE_SALT, {"account": _email_mark(email), "device": device}),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
    return response


def _failed(response: object) -> bool:
    """Count only failed attempts: a success redirects."""
    return getattr(response, "status_code", 200) != 302


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=THROTTLED,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    error_message=THROTTLED,
)
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    target = safe_next(request.args.get("next"), url_for("practices.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            # A fresh session: nothing set before sign-in carries over into it.
            session.clear()
            login_user(user)
            services.record_sign_in(user)
            db.session.commit()
            return _remember_device(redirect(target), user.email)
        form.password.errors.append("The email or the password is wrong.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@access(PUBLIC)
def logout() -> ResponseReturnValue:
    """Sign out: this cookie, and any copy of it, stops working."""
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    # The language chosen with the switcher stays: the next page is in it too.
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language
    flash("You are signed out.")
    return redirect(url_for("practices.index"))


@bp.post("/language")
@access(PUBLIC)
def language() -> ResponseReturnValue:
    """Switch the interface's language: saved on the account when signed in, else this session."""
    form = LanguageForm()
    back = safe_next(form.next.data, url_for("practices.index"))
    if not form.validate_on_submit():
        flash(_("That language is not available."), "error")
        return redirect(back)
    session[SESSION_KEY] = form.language.data
    if current_user.is_authenticated:
        current_user.language = form.language.data
        db.session.commit()
    return redirect(back)


@bp.route("/account", methods=["GET", "POST"])
@access(SIGNED_IN)
def account() -> ResponseReturnValue:
    """Show one's own account and roles, and change one's name."""
    user = current_user._get_current_object()
    form = NameForm(obj=user)
    if form.validate_on_submit():
        user.name = (form.name.data or "").strip()
        db.session.commit()
        flash("Your name is saved.")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form), 400 if form.errors else 200


@bp.route("/account/tokens", methods=["GET", "POST"])
@access(SIGNED_IN)
def api_tokens() -> ResponseReturnValue:
    """List one's API tokens and make a new one, whose secret is shown this once."""
    user = current_user._get_current_object()
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        _, secret = services.create_api_token(user, form.name.data or "", form.days.data)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    # Shown on this response rather than after a redirect: the secret must never be stored,
    # not even in the session cookie that would carry it across a redirect.
    return render_template(
        "accounts/tokens.html", form=form, secret=secret, tokens=services.api_tokens_of(user)
    ), 400 if form.errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@access(SIGNED_IN)
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own API tokens."""
    token = services.revoke_api_token(current_user, token_id)
    if token is None:
        abort(404)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked; it no longer works.")
    return redirect(url_for("accounts.api_tokens"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(SIGNED_IN)
def change_password() -> ResponseReturnValue:
    """Change one's password; every other session of the account ends."""
    user = current_user._get_current_object()  # the proxy cannot be signed in again
    form = PasswordChangeForm(user.email)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("This is not your current password.")
        else:
            services.set_password(user, form.password.data or "")
            db.session.commit()
            # The token changed: sign this browser in again with the new one.
            session.clear()
            login_user(user)
            flash(
                "Your password is changed. Other sessions of your account have ended, and "
                "your API tokens are revoked: make new ones if you need them."
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link by email."""
    form = EmailForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data or "")
        db.session.commit()
        # The same answer whether or not the account exists.
        flash("If an account uses this address, a link to reset its password is on its way.")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password through an emailed link (it works once)."""
    try:
        user = services.user_for_reset(token)
    except TokenError as error:
        return render_template(
            "errors/error.html",
            status=400,
            title="Link not usable",
            detail=str(error),
            back_url=url_for("accounts.forgot_password"),
            back_label="Ask for a new link",
        ), 400
    form = ResetPasswordForm(user.email)
    if form.validate_on_submit():
        services.set_password(user, form.password.data or "")
        db.session.commit()
        flash("Your password is set. Sign in with it.")
        # Opening the emailed link proved this browser is the owner's: it may sign in even
        # while a stranger keeps the account locked.
        return _remember_device(redirect(url_for("accounts.login")), user.email)
    return render_template("accounts/reset.html", form=form, user=user)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str) -> ResponseReturnValue:
    """Join an institution through an invitation link."""
    try:
        invitation = services.invitation_for(token)
    except TokenError as error:
        return render_template(
            "errors/error.html", status=400, title="Invitation not usable", detail=str(error)
        ), 400
    existing = services.get_user_by_email(invitation.email)
    if current_user.is_authenticated and current_user.email != invitation.email:
        return render_template(
            "errors/error.html",
            status=403,
            title="Invitation for someone else",
            detail=f"This invitation is for {invitation.email}. Sign out, then open it again.",
        ), 403
    if existing is not None and existing.password_hash:
        if not current_user.is_authenticated:
            flash("Sign in to accept the invitation.")
            return redirect(url_for("accounts.login", next=request.path))
        if request.method == "POST":
            services.accept(invitation, current_user._get_current_object())
            db.session.commit()
            flash(f"You joined {invitation.institution.name} as {invitation.role}.")
            return redirect(url_for("institutions.detail", slug=invitation.institution.slug))
        return render_template("accounts/accept.html", invitation=invitation, form=None)
    form = AcceptInvitationForm(invitation.email)
    if form.validate_on_submit():
        user = existing or services.create_user(invitation.email, name=form.name.data or "")
        services.set_password(user, form.password.data or "")
        services.accept(invitation, user)
        db.session.commit()
        session.clear()
        login_user(user)
        flash(f"Welcome! You joined {invitation.institution.name} as {invitation.role}.")
        return redirect(url_for("institutions.detail", slug=invitation.institution.slug))
    return render_template("accounts/accept.html", invitation=invitation, form=form)


# --- an institution's members and invitations (its managers) ---------------------------------


@bp.get("/institutions/<slug>/members")
@access(SIGNED_IN)
def members(slug: str) -> ResponseReturnValue:
    """List the institution's members and open invitations (managers)."""
    institution = institutions.require_institution(slug, current_user, "manager")
    return render_template(
        "accounts/members.html",
        institution=institution,
        members=services.members(institution),
        invitations=services.open_invitations(institution),
        invite_form=InviteForm(),
        role_form=RoleForm(),
    )


@bp.get("/institutions/<slug>/invitations")
@access(SIGNED_IN)
def members_again(slug: str) -> ResponseReturnValue:
    """Send a reload of the invitation form's address to the members page."""
    institutions.require_institution(slug, current_user, "manager")
    return redirect(url_for("accounts.members", slug=slug))


@bp.post("/institutions/<slug>/invitations")
@access(SIGNED_IN)
def invite(slug: str) -> ResponseReturnValue:
    """Invite someone to the institution with a role (managers)."""
    institution = institutions.require_institution(slug, current_user, "manager")
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        existing = services.get_user_by_email(email)
        if existing is not None and any(r.institution_id == institution.id for r in existing.roles):
            form.email.errors.append("This person is already a member; change their role above.")
        else:
            services.invite(
                institution, email, form.role.data or "viewer", current_user._get_current_object()
            )
            db.session.commit()
            flash(f"Invitation sent to {email.strip().lower()}.")
            return redirect(url_for("accounts.members", slug=slug))
    return render_template(
        "accounts/members.html",
        institution=institution,
        members=services.members(institution),
        invitations=services.open_invitations(institution),
        invite_form=form,
        role_form=RoleForm(),
    ), 400


def _member(institution: Institution, user_id: int) -> User:
    """Load a member of the institution, or answer 404."""
    user = services.member_of(institution, user_id)
    if user is None:
        abort(404)
    return user


def _change_membership(
    institution: Institution, user: User, role: str | None, done: str
) -> ResponseReturnValue:
    """Give a member another role (None removes them) unless no manager would be left."""
    if services.leaves_no_manager(institution, user, role):
        flash(
            "An institution needs at least one manager: make someone else manager first.", "error"
        )
    else:
        services.set_role(user, institution, role, by=current_user.email)
        db.session.commit()
        flash(done)
    return redirect(url_for("accounts.members", slug=institution.slug))


@bp.post("/institutions/<slug>/members/<int:user_id>/role")
@access(SIGNED_IN)
def change_role(slug: str, user_id: int) -> ResponseReturnValue:
    """Change a member's role (managers); the last manager stays a manager."""
    institution = institutions.require_institution(slug, current_user, "manager")
    user = _member(institution, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, description="Choose one of the roles.")
    return _change_membership(
        institution, user, form.role.data, f"{user.name or user.email} is now {form.role.data}."
    )


@bp.route("/institutions/<slug>/members/<int:user_id>/remove", methods=["GET", "POST"])
@access(SIGNED_IN)
def remove_member(slug: str, user_id: int) -> ResponseReturnValue:
    """Ask, then remove a member from the institution (managers); the last manager stays."""
    institution = institutions.require_institution(slug, current_user, "manager")
    user = _member(institution, user_id)
    if request.method != "POST":  # GET and HEAD ask; HEAD skips the CSRF check, so never acts
        return render_template("accounts/remove_member.html", institution=institution, user=user)
    return _change_membership(
        institution,
        user,
        None,
        f"{user.name or user.email} no longer belongs to {institution.name}.",
    )


@bp.route("/institutions/<slug>/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@access(SIGNED_IN)
def revoke_invitation(slug: str, invitation_id: int) -> ResponseReturnValue:
    """Ask, then withdraw an open invitation (managers)."""
    institution = institutions.require_institution(slug, current_user, "manager")
    invitation = services.open_invitation(institution, invitation_id)
    if invitation is None:
        abort(404)
    if request.method != "POST":  # GET and HEAD ask; HEAD skips the CSRF check, so never acts
        return render_template(
            "institutions/confirm_remove.html",
            institution=institution,
            title=f"Withdraw the invitation to {invitation.email}?",
            consequence="The link in the invitation email stops working. You can invite them "
            "again later.",
            button="Withdraw the invitation",
            keep="Keep it",
            back_url=url_for("accounts.members", slug=slug),
        )
    services.revoke(invitation)
    db.session.commit()
    flash(f"The invitation to {invitation.email} is withdrawn.")
    return redirect(url_for("accounts.members", slug=slug))
