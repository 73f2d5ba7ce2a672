"""Reads and writes of accounts. Functions add and flush; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import LoginManager
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from app.accounts import emails
from app.accounts.models import (
    ApiToken,
    InstitutionRole,
    Invitation,
    User,
    new_session_token,
)
from app.accounts.passwords import hash_password, verify_password
from app.accounts.tokens import INVITATION_SALT, RESET_SALT, TokenError, make_token, read_token
from app.core.enums import values
from app.core.extensions import aware, db, utcnow
from app.core.i18n import DEFAULT_LANGUAGE, known
from app.core.routing import MAX_ID
from app.core.snapshots import kept
from app.core.urls import external_url
from app.institutions.models import Institution
from app.mail.models import MailKind
from app.mail.services import queue_mail, recent_count
from app.permissions import Role, UnknownValue

log = logging.getLogger(__name__)


def init_login(manager: LoginManager) -> None:
    """Teach Flask-Login how to load a user and what to do for anonymous visitors."""

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        return load_session_user(user_id)


def load_session_user(session_id: str) -> User | None:
    """Return the user a session names, if its token is still the user's current one.

    The account, its roles and their institutions are read by one statement and kept while
    the data version stays the same (app/core/snapshots.py): a role given or taken, an
    account closed or a token rotated by signing out changes the version. This runs on every
    signed-in request, before any page is answered from the store.
    """
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token or int(user_id) > MAX_ID:
        return None

    def read() -> User | None:
        return _read_account(int(user_id))

    user = kept("account", int(user_id), read)
    if user is not None and not hmac.compare_digest(user.session_token, token):
        # Read again before refusing: the version starts anew in a database made again (a
        # restore), where a kept account of the same number may be another one.
        user = kept("account", int(user_id), read, fresh=True)
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _read_account(user_id: int) -> User | None:
    """Read an account with its roles and their institutions, as the kept copy holds it."""
    return (
        db.session.scalars(
            select(User)
            .where(User.id == user_id)
            .options(joinedload(User.roles).joinedload(InstitutionRole.institution))
            # Over a kept copy the session may hold already (see load_user).
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )


def normalise_email(email: str) -> str:
    """Compare addresses without regard to case or surrounding spaces."""
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    """Return the user with this address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user whose password matches, or None (in about the same time)."""
    user = get_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        log.warning("failed sign-in for %s from %s", normalise_email(email), request.remote_addr)
        return None
    if not user.active:
        log.warning("sign-in refused for inactive account %s", user.email)
        return None
    return user


def record_sign_in(user: User) -> None:
    """Note the time of a successful sign-in and log it with the user's institutions."""
    user.last_login_at = utcnow()
    institutions = ", ".join(f"{r.institution.slug}:{r.role}" for r in user.roles) or "-"
    log.info(
        "sign-in user=%s institutions=%s from %s", user.email, institutions, request.remote_addr
    )


def end_sessions(user: User) -> None:
    """Make every session cookie of the user invalid (sign-out, password change)."""
    user.session_token = new_session_token()


def new_feed_addresses(user: User) -> None:
    """Give the user new calendar feed addresses; the old ones stop working at once."""
    user.feed_key = new_session_token()
    log.info("calendar feed addresses of %s renewed", user.email)


def set_password(user: User, password: str) -> None:
    """Store a new password, end every session and revoke every API token of the user.

    Whoever knew the old password may have made a token or kept a session with it; a reset
    or a change is when its owner takes the account back. The view signs the current browser
    in again when the owner changed the password from it.
    """
    user.password_hash = hash_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    end_sessions(user)
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if revoked:
        log.info("%s api token(s) of %s revoked with the password change", revoked, user.email)


def create_user(
    email: str,
    password: str | None = None,
    *,
    name: str = "",
    is_admin: bool = False,
    is_curator: bool = False,
    language: str | None = None,
) -> User:
    """Add a user (an invited one may have no password yet)."""
    user = User(
        email=normalise_email(email),
        name=name,
        is_admin=is_admin,
        is_curator=is_curator,
        language=known(language),
    )
    if password is not None:
        user.password_hash = hash_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    db.session.flush()
    return user


def set_role(user: User, institution: Institution, role: str | None, *, by: str) -> None:
    """Give, change or (with None) remove a user's role in an institution; log the change."""
    if role is not None and role not in values(Role):
        raise UnknownValue("role", role)
    current = next((r for r in user.roles if r.institution_id == institution.id), None)
    before = current.role if current else None
    if role is None and current is not None:
        user.roles.remove(current)
    elif current is not None:
        current.role = role  # type: ignore[assignment]
    elif role is not None:
        user.roles.append(InstitutionRole(institution=institution, role=role))
    log.info(
        "role change institution=%s user=%s %s -> %s by %s",
        institution.slug,
        user.email,
        before or "none",
        role or "none",
        by,
    )


# --- password resets -------------------------------------------------------------------------


def send_password_reset(email: str, asked_in: str | None = None) -> None:
    """Queue a reset link if the account exists; say nothing either way (no enumeration).

    The email is in the account's language, else in `asked_in` (the asking page's), else English.

    The caller answers the same whatever happens here: the email leaves after the commit, by
    the outbox's worker, so neither a slow nor a broken mail server shows in the answer.
    """
    user = get_user_by_email(email)
    if user is None or not user.active:
        log.info("password reset asked for unknown or inactive %s", normalise_email(email))
        return
    # Per account, whatever address asks: the per-address limit of the view does not stop
    # many addresses from filling one person's mailbox. Silent, as the answer must not vary.
    limit = current_app.config["PASSWORD_RESETS_PER_HOUR"]
    if recent_count(user.email, MailKind.PASSWORD_RESET, timedelta(hours=1)) >= limit:
        log.info("password reset for %s not sent: %s sent in the last hour", user.email, limit)
        return
    # The link carries part of the session token, which the reset rotates: it works once.
    token = make_token(RESET_SALT, {"user": user.id, "check": user.session_token[:16]})
    valid = timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"])
    email = emails.password_reset(
        known(user.language) or known(asked_in),
        external_url("accounts.reset_password", token=token),
        valid,
        utcnow() + valid,
    )
    queue_mail(user.email, email.subject, email.body, MailKind.PASSWORD_RESET, email.language)


def user_for_reset(token: str) -> User:
    """Return the user a reset link is for, or raise TokenError."""
    payload = read_token(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if user is None or not hmac.compare_digest(user.session_token[:16], str(payload.get("check"))):
        raise TokenError(_("This link has been used already. Ask for a new one."))
    return user


# --- invitations -----------------------------------------------------------------------------


def invite(
    institution: Institution,
    email: str,
    role: str,
    inviter: User,
    language: str | None = None,
) -> Invitation:
    """Record an invitation and email its link in its language (by default the inviter's)."""
    if role not in values(Role):
        raise UnknownValue("role", role)
    invitation = Invitation(
        institution=institution,
        email=normalise_email(email),
        role=role,
        invited_by=inviter,
        language=known(language) or known(inviter.language) or DEFAULT_LANGUAGE,
    )
    db.session.add(invitation)
    db.session.flush()
    token = make_token(INVITATION_SALT, {"invitation": invitation.id})
    # The institution's name goes into the subject as stored; queue_mail keeps it one line.
    message = emails.invitation(
        invitation.language,
        inviter=inviter.shown_name,
        institution=institution.name,
        role=role,
        link=external_url("accounts.accept_invitation", token=token),
        until=utcnow() + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]),
    )
    queue_mail(
        invitation.email, message.subject, message.body, MailKind.INVITATION, message.language
    )
    log.info(
        "invitation institution=%s email=%s role=%s language=%s by %s",
        institution.slug,
        invitation.email,
        role,
        invitation.language,
        inviter.email,
    )
    return invitation


def invitation_for(token: str) -> Invitation:
    """Return the open invitation a link names, or raise TokenError."""
    payload = read_token(INVITATION_SALT, token, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, payload.get("invitation"))
    if invitation is None or invitation.revoked_at is not None:
        raise TokenError(_("This invitation has been withdrawn."))
    if invitation.accepted_at is not None:
        raise TokenError(_("This invitation has been accepted already. Sign in instead."))
    return invitation


def accept(invitation: Invitation, user: User) -> None:
    """Give the invited role to the user and close the invitation."""
    set_role(user, invitation.institution, invitation.role, by=f"invitation {invitation.id}")
    invitation.accepted_at = utcnow()


def open_invitations(institution: Institution) -> list[Invitation]:
    """Return an institution's invitations that are neither accepted nor withdrawn."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.institution_id == institution.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def member_of(institution: Institution, user_id: int) -> User | None:
    """Return the user with this id if they are a member of the institution."""
    user = db.session.get(User, user_id)
    if user is None or not any(r.institution_id == institution.id for r in user.roles):
        return None
    return user


def open_invitation(institution: Institution, invitation_id: int) -> Invitation | None:
    """Return one of the institution's open invitations by its id."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.institution_id != institution.id or not invitation.open:
        return None
    return invitation


def members(institution: Institution) -> list[InstitutionRole]:
    """Return an institution's members with their users, by email."""
    return list(
        db.session.scalars(
            select(InstitutionRole)
            .join(User)
            .where(InstitutionRole.institution_id == institution.id)
            .options(selectinload(InstitutionRole.user))
            .order_by(User.email)
        )
    )


def leaves_no_manager(institution: Institution, user: User, new_role: str | None) -> bool:
    """Tell whether changing this user's role would leave the institution without a manager."""
    managers = [m for m in members(institution) if m.role == Role.MANAGER]
    return new_role != "manager" and [m.user_id for m in managers] == [user.id]


def revoke(invitation: Invitation) -> None:
    """Withdraw an invitation: its link stops working."""
    invitation.revoked_at = utcnow()


# Personal API tokens: a recognisable prefix (secret scanners and people can spot a leaked one)
# and 256 random bits. The secret is random enough for a fast hash to be safe to store.
API_TOKEN_PREFIX = "scp_"  # noqa: S105 - a public marker, not a secret
# How stale "last used" may get before a request writes it again: not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=10)


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for a user; return it with its secret, which is never stored."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=_token_hash(secret),
        prefix=secret[: len(API_TOKEN_PREFIX) + 6],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    log.info("api token %s (%s) created for %s", token.prefix, name, user.email)
    return token, secret


def api_tokens_of(user: User) -> list[ApiToken]:
    """Return a user's tokens that are not revoked, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; None if the user has no such token."""
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    if token is not None:
        token.revoked_at = utcnow()
        log.info("api token %s revoked by %s", token.prefix, user.email)
    return token


def user_for_api_token(secret: str) -> User | None:
    """Return the active user of a live token, noting when it was last used."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    found = db.session.execute(
        select(ApiToken, User.session_token)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _token_hash(secret))
    ).first()
    now = utcnow()
    if found is None:
        return None
    token, session_token = found
    if token.revoked_at is not None or aware(token.expires_at) <= now:
        return None
    # The account as a signed-in browser's request gets it: kept while the data version
    # stays the same (app/core/snapshots.py), and read again, as load_user does, if the kept
    # one is not the token's (a database made again, where the number is another's).
    user_id = token.user_id

    def read() -> User | None:
        return _read_account(user_id)

    user = kept("account", user_id, read)
    if user is not None and not hmac.compare_digest(user.session_token, session_token):
        user = kept("account", user_id, read, fresh=True)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - aware(token.last_used_at) > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return user
