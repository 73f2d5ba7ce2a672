"""Every permission decision of the app, shared by pages and API.

Each view declares who may reach it with @access(...); institution-scoped views then ask the
functions below about the object they loaded. An object of another institution is answered as
if it did not exist (404); a lacking role in one's own institution is a 403.

This module sits below every feature and decides over plain arguments (a user, an
institution, a role); loaders that find an object and then check it live with the object
(`planner.services.require_plan`, `institutions.services.require_institution`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.enums import label, label_with
from app.core.i18n import lazy_gettext as _l
from app.core.urls import is_api_request

if TYPE_CHECKING:
    from app.institutions.models import Institution

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])

# The policies a view may declare. The test of the URL map fails on a view without one.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any signed-in user; institution views then check the role
CURATOR = "curator"  # catalogue curators and admins
ADMIN = "admin"  # site admins
POLICIES = (PUBLIC, SIGNED_IN, CURATOR, ADMIN)


class Role(StrEnum):
    """A member's role in an institution, the most allowed first."""

    MANAGER = "manager"
    PLANNER = "planner"
    # Organises the institution's events (calls, committees, decisions, participants) and
    # reads the rest of the institution as a viewer does; plans stay the planners'.
    EVENT_ORGANISER = "event_organiser"
    VIEWER = "viewer"


class UnknownValue(ValueError):
    """A role or access policy the code does not know: a programmer's error, never shown."""

    def __init__(self, kind: str, name: object) -> None:
        super().__init__(f"unknown {kind} {name!r}")


label_with(
    Role,
    {
        "manager": _l("Manager"),
        "planner": _l("Planner"),
        "event_organiser": _l("Event organiser"),
        "viewer": _l("Viewer"),
    },
)

# A role allows what every role ranked lower allows. An event organiser ranks with viewers
# for everything but events, which `can_organise` grants apart.
ROLE_RANK = {"manager": 3, "planner": 2, "event_organiser": 1, "viewer": 1}
# Who may organise an institution's events.
ORGANISER_ROLES = frozenset({"manager", "event_organiser"})


def access(policy: str) -> Callable[[View], View]:
    """Declare and enforce who may reach a view."""
    if policy not in POLICIES:
        raise UnknownValue("access policy", policy)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if policy != PUBLIC:
                if not current_user.is_authenticated:
                    if is_api_request():
                        abort(401, description=_("Sign in or send an API token."))
                    flash(_("Sign in to continue."))
                    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
                if policy == CURATOR and not can_curate(current_user):
                    _refuse(403, _("Only catalogue curators may do this."))
                if policy == ADMIN and not current_user.is_admin:
                    _refuse(403, _("Only site administrators may do this."))
            return view(*args, **kwargs)

        guarded.access_policy = policy  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def can_curate(user: Any) -> bool:
    """Tell whether a user may create and edit practice sheets."""
    return bool(user.is_authenticated and (user.is_curator or user.is_admin))


def role_in(user: Any, institution: Institution) -> str | None:
    """Return the user's role in an institution (admins act as managers everywhere)."""
    if not user.is_authenticated:
        return None
    if user.is_admin:
        return "manager"
    return next((r.role for r in user.roles if r.institution_id == institution.id), None)


def has_role(user: Any, institution: Institution, at_least: str) -> bool:
    """Tell whether a user holds at least the given role in an institution."""
    role = role_in(user, institution)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[at_least]


def can_manage_institution(user: Any, institution: Institution) -> bool:
    """Tell whether a user may edit an institution, its members and their roles."""
    return has_role(user, institution, "manager")


def can_organise(user: Any, institution: Institution) -> bool:
    """Tell whether a user may create and run an institution's events."""
    return role_in(user, institution) in ORGANISER_ROLES


def require_organiser(user: Any, institution: Institution) -> None:
    """Stop the request unless the user organises the institution's events: 404 to
    outsiders, 403 to members of other roles."""
    role = role_in(user, institution)
    if role is None:
        _refuse(404, "", institution)
    elif role not in ORGANISER_ROLES:
        _refuse(
            403,
            _(
                "This needs the role %(role)s in %(institution)s.",
                role=label("event_organiser", Role),
                institution=institution.name,
            ),
            institution,
        )


def can_review(user: Any, institution: Institution, member_of_committee: bool) -> bool:
    """Tell whether a user may read and score an event's applications of a track: a member
    of its committee (an account of the host institution), or an organiser."""
    if not user.is_authenticated:
        return False
    if can_organise(user, institution):
        return True
    return member_of_committee and role_in(user, institution) is not None


def require_role(user: Any, institution: Institution, at_least: str) -> None:
    """Stop the request unless the user holds the role: 404 to outsiders, 403 to members."""
    role = role_in(user, institution)
    if role is None:
        _refuse(404, "", institution)
    elif ROLE_RANK[role] < ROLE_RANK[at_least]:
        _refuse(
            403,
            _(
                "This needs the role %(role)s in %(institution)s.",
                role=label(at_least, Role),
                institution=institution.name,
            ),
            institution,
        )


def _refuse(status: int, description: str, institution: Institution | None = None) -> None:
    """Log a refused request with who, where and what, then answer it."""
    who = current_user.email if current_user.is_authenticated else "anonymous"
    log.warning(
        "access refused (%s) user=%s institution=%s %s %s",
        status,
        who,
        institution.slug if institution else "-",
        request.method,
        request.path,
    )
    abort(status, description=description or None)


def can_see_series(user: Any, institutions: Iterable[Institution]) -> bool:
    """Tell whether a user may see a series of co-hosted events: a member (any role) of its
    coordinator or of one of its member institutions; admins everywhere."""
    return any(role_in(user, institution) is not None for institution in institutions)


def require_series(
    user: Any, institutions: Iterable[Institution], coordinator: Institution, *, coordinate: bool
) -> None:
    """Stop the request unless the user may see the series (404 to outsiders) and, when
    asked, coordinates it: organises the coordinator's events (403 to the other members)."""
    if not can_see_series(user, institutions):
        _refuse(404, "", coordinator)
    elif coordinate and not can_organise(user, coordinator):
        _refuse(
            403,
            _(
                "Only the coordinator of the series, %(institution)s, may do this.",
                institution=coordinator.name,
            ),
            coordinator,
        )
