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
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

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
    PreferredLanguageForm,
    ResetPasswordForm,
    RoleForm,
)
from app.accounts.models import Invitation, User
from app.accounts.passwords import verify_password
from app.accounts.tokens import DEVICE_SALT, TokenError, make_token, read_token
from app.core.enums import label
from app.core.extensions import csrf, db, limiter
from app.core.i18n import SESSION_KEY, current_language, known, read_page_in
from app.core.urls import safe_page
from app.institutions import services as institutions
from app.institutions.models import Institution
from app.permissions import PUBLIC, SIGNED_IN, Role, access

bp = Blueprint("accounts", __name__)

DEVICE_COOKIE = "known_device"
DEVICE_MAX_AGE = 365 * 24 * 60 * 60


def _throttled() -> str:
    """Say why a sign-in is refused, in the language of the request the limiter refuses."""
    return _("Too many sign-in attempts. Wait a minute, then try again.")


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


def _fresh_session(user: User) -> None:
    """Sign `user` in on a new session: nothing set before sign-in carries over into it.

    Its CSRF secret is made now, so that the cookie sent with the redirect already holds it:
    otherwise the first page after signing in makes one and sends the cookie again.
    """
    session.clear()
    # The sign-in form already made this request's token, from the session just cleared:
    # forget it, or generate_csrf hands it back and puts no secret in the new session.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    login_user(user)
    generate_csrf()


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=_throttled,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    error_message=_throttled,
)
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    target = safe_page(request.args.get("next"), url_for("practices.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            # A language chosen with the switcher before signing in becomes the account's,
            # unless the account has one already: the next page stays in what they read.
            chosen = known(session.get(SESSION_KEY))
            if user.language is None and chosen:
                user.language = chosen
            _fresh_session(user)
            services.record_sign_in(user)
            db.session.commit()
            return _remember_device(redirect(target), user.email)
        form.password.errors.append(_("The email or the password is wrong."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@access(PUBLIC)
def logout() -> ResponseReturnValue:
    """Sign out: this cookie, and any copy of it, stops working."""
    # The language chosen with the switcher, or saved on the account, stays: the next page
    # is in what they were reading.
    language = session.get(SESSION_KEY)
    if current_user.is_authenticated:
        language = known(current_user.language) or language
        services.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    if language:
        session[SESSION_KEY] = language
    flash(_("You are signed out."))
    return redirect(url_for("practices.index"))


@bp.post("/language")
@access(PUBLIC)
@csrf.exempt  # checked by the form below, which asks to confirm rather than refuse
def language() -> ResponseReturnValue:
    """Switch the interface's language: saved on the account when signed in, else this session.

    A page from the store has no CSRF token for a visitor who came without a session
    (app/core/caching.py); sent without JavaScript, its switch lands here without one and is
    asked to confirm, with a token, rather than refused.
    """
    form = LanguageForm()
    back = safe_page(form.next.data, url_for("practices.index"))
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return _confirm_language(form)
        flash(_("That language is not available."), "error")
        return redirect(back)
    session[SESSION_KEY] = form.language.data
    if current_user.is_authenticated:
        current_user.language = form.language.data
        db.session.commit()
    return redirect(back)


def _confirm_language(sent: LanguageForm) -> ResponseReturnValue:
    """Ask to confirm a language switch that came without a valid token."""
    chosen = sent.language.data if known(sent.language.data) else None
    if chosen:
        read_page_in(chosen)  # the question in the language the visitor asked for
    form = LanguageForm(formdata=None, language=chosen, next=sent.next.data)
    back = safe_page(sent.next.data, url_for("practices.index"))
    return render_template("accounts/language.html", form=form, chosen=chosen, back=back), 400


@bp.get("/csrf-token")
@access(PUBLIC)
def csrf_token() -> ResponseReturnValue:
    """Give a form of a page from the store the token it was sent without (static/app.js)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account", methods=["GET", "POST"])
@access(SIGNED_IN)
def account() -> ResponseReturnValue:
    """Show one's own account and roles, and change one's name."""
    user = current_user._get_current_object()
    form = NameForm(obj=user)
    if form.validate_on_submit():
        user.name = (form.name.data or "").strip()
        db.session.commit()
        flash(_("Your name is saved."))
        return redirect(url_for("accounts.account"))
    return _account_page(form, PreferredLanguageForm(formdata=None, language=user.language or ""))


@bp.post("/account/language")
@access(SIGNED_IN)
def preferred_language() -> ResponseReturnValue:
    """Save the language of one's pages and emails, or none to follow the browser."""
    user = current_user._get_current_object()
    form = PreferredLanguageForm()
    if not form.validate_on_submit():
        return _account_page(NameForm(formdata=None, obj=user), form)
    user.language = form.language.data or None
    # The switcher's earlier choice gives way to the saved one (or, with none, the browser's).
    session.pop(SESSION_KEY, None)
    db.session.commit()
    flash(_("Your language is saved."))
    return redirect(url_for("accounts.account"))


def _account_page(name_form: NameForm, language_form: PreferredLanguageForm) -> ResponseReturnValue:
    """Render one's account page with its two forms, as a 400 when either has errors."""
    status = 400 if name_form.errors or language_form.errors else 200
    return render_template(
        "accounts/account.html", form=name_form, language_form=language_form
    ), status


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
    flash(_("The token “%(name)s” is revoked; it no longer works.", name=token.name))
    return redirect(url_for("accounts.api_tokens"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(SIGNED_IN)
def change_password() -> ResponseReturnValue:
    """Change one's password; every other session of the account ends."""
    user = current_user._get_current_object()  # the proxy cannot be signed in again
    form = PasswordChangeForm(user.email)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            services.set_password(user, form.password.data or "")
            db.session.commit()
            # The token changed: sign this browser in again with the new one.
            _fresh_session(user)
            flash(
                _(
                    "Your password is changed. Other sessions of your account have ended, and "
                    "your API tokens are revoked: make new ones if you need them."
                )
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
        services.send_password_reset(form.email.data or "", current_language())
        db.session.commit()
        # The same answer whether or not the account exists.
        flash(_("If an account uses this address, a link to reset its password is on its way."))
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
            title=_("Link not usable"),
            detail=str(error),
            back_url=url_for("accounts.forgot_password"),
            back_label=_("Ask for a new link"),
        ), 400
    form = ResetPasswordForm(user.email)
    if form.validate_on_submit():
        services.set_password(user, form.password.data or "")
        db.session.commit()
        flash(_("Your password is set. Sign in with it."))
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
            "errors/error.html", status=400, title=_("Invitation not usable"), detail=str(error)
        ), 400
    existing = services.get_user_by_email(invitation.email)
    if current_user.is_authenticated and current_user.email != invitation.email:
        return render_template(
            "errors/error.html",
            status=403,
            title=_("Invitation for someone else"),
            detail=_(
                "This invitation is for %(email)s. Sign out, then open it again.",
                email=invitation.email,
            ),
        ), 403
    if existing is not None and existing.password_hash:
        if not current_user.is_authenticated:
            flash(_("Sign in to accept the invitation."))
            return redirect(url_for("accounts.login", next=request.path))
        if request.method == "POST":
            services.accept(invitation, current_user._get_current_object())
            db.session.commit()
            flash(_joined(invitation))
            return redirect(url_for("institutions.detail", slug=invitation.institution.slug))
        return render_template("accounts/accept.html", invitation=invitation, form=None)
    # Someone without an account reads this page in the invitation's language, unless they
    # chose another with the switcher; the rest of their visit is not changed by it.
    if not current_user.is_authenticated and invitation.language and SESSION_KEY not in session:
        read_page_in(invitation.language)
    form = AcceptInvitationForm(invitation.email)
    if form.validate_on_submit():
        user = existing or services.create_user(invitation.email, name=form.name.data or "")
        # The new account starts in the language its owner reads this page in.
        user.language = user.language or known(session.get(SESSION_KEY)) or invitation.language
        services.set_password(user, form.password.data or "")
        services.accept(invitation, user)
        db.session.commit()
        _fresh_session(user)
        flash(
            _(
                "Welcome! You joined %(institution)s with the role: %(role)s.",
                institution=invitation.institution.name,
                role=label(invitation.role, Role),
            )
        )
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
            form.email.errors.append(_("This person is already a member; change their role above."))
        else:
            services.invite(
                institution,
                email,
                form.role.data or "viewer",
                current_user._get_current_object(),
                form.language.data,
            )
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=services.normalise_email(email)))
            return redirect(url_for("accounts.members", slug=slug))
    return render_template(
        "accounts/members.html",
        institution=institution,
        members=services.members(institution),
        invitations=services.open_invitations(institution),
        invite_form=form,
        role_form=RoleForm(),
    ), 400


def _joined(invitation: Invitation) -> str:
    """Say which institution someone joined, with which role."""
    return _(
        "You joined %(institution)s with the role: %(role)s.",
        institution=invitation.institution.name,
        role=label(invitation.role, Role),
    )


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
            _("An institution needs at least one manager: make someone else manager first."),
            "error",
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
        abort(400, description=_("Choose one of the roles."))
    role = form.role.data or ""
    return _change_membership(
        institution,
        user,
        role,
        _(
            "The role of %(name)s is now: %(role)s.",
            name=user.shown_name,
            role=label(role, Role),
        ),
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
        _(
            "%(name)s no longer belongs to %(institution)s.",
            name=user.shown_name,
            institution=institution.name,
        ),
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
            title=_("Withdraw the invitation to %(email)s?", email=invitation.email),
            consequence=_(
                "The link in the invitation email stops working. You can invite them again later."
            ),
            button=_("Withdraw the invitation"),
            keep=_("Keep it"),
            back_url=url_for("accounts.members", slug=slug),
        )
    services.revoke(invitation)
    db.session.commit()
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email))
    return redirect(url_for("accounts.members", slug=slug))
