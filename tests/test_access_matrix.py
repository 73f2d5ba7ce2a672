"""The complete access matrix: every route, method, role and institution, with its status.

Each row of ROUTES is one route of the URL map with one method, and the rule of who may call
it. Every row is tried by six callers (anonymous, a viewer, a planner and a manager of
institution A, a curator who is a viewer of A, a site admin), each on an object of A ("own")
and on the same kind of object of institution B ("other"). B holds the same objects as A, so a
404 there is the permission check speaking, not a missing row (the admin's 200 on B proves it).

Every cell signs in afresh, so cells do not share a session, and every cell also checks the
database: a refused request, and any GET, HEAD or OPTIONS, must change no row. A permitted
change dirties the world, which is built again before the next cell. An unchanged world is
kept for the next route's test, which first checks that every row is as the world was built.

The count of cells is printed at the end of the run (see pytest_terminal_summary in
tests/conftest.py). Bearer tokens on the API are checked by tests/planner/test_api.py; here
the API is called with the browser's session, which reaches the same checks.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import PASSWORD, ROWS_KEPT, _empty_tables, build_app, institution_objects

ROLES = ("anonymous", "viewer", "planner", "manager", "organiser", "curator", "admin")
# Callers that only the routes of hosted events meet: a viewer of A on the selection committee
# of A's event, and an applicant, who has no account but the secret link to their application.
EVENT_ROLES = ("reviewer", "applicant")
OWNERS = ("own", "other")
RANK = {"viewer": 1, "event_organiser": 1, "planner": 2, "manager": 3}
# The role each caller holds in institution A. The curator is a viewer there, so the matrix
# also shows that curating the catalogue gives no extra right over an institution's data; the
# event organiser reads A as a viewer does, and organises its events.
ROLE_IN_A = {
    "viewer": "viewer",
    "planner": "planner",
    "manager": "manager",
    "organiser": "event_organiser",
    "curator": "viewer",
    "reviewer": "viewer",
}
# Callers who are not signed in: the applicant's link opens their application, nothing else.
NOT_SIGNED_IN = ("anonymous", "applicant")
SAFE = {"GET", "HEAD", "OPTIONS"}
BOM = "\ufeff".encode()

# Placeholders and address beginnings of the routes of hosted events, which the event roles
# (EVENT_ROLES) are tried on too.
EVENT_PLACEHOLDERS = {
    "event",
    "draft_event",
    "track",
    "question",
    "criterion",
    "committee_member",
    "application",
    "app_token",
    "offer_token",
    "day",
}
EVENT_PATHS = ("/events", "/applications", "/api/v1/events")
# Placeholders that name something owned by an institution or a person: a route that uses one
# has an "own" and an "other" column; the others (the catalogue, one's account) have one.
OWNED = {
    "slug",
    "plan",
    "plan_version",
    "activity",
    "activity_version",
    "indicator_version",
    "unit",
    "membership",
    "partnership",
    "invitation",
    "member",
    "proposed",
    "indicator",
    "evidence",
    "approval",
    "feed",
    "token_id",
    "invite_token",
    "reset_token",
    "sending",
    "visit_unit",
    "visit_request",
    "visit_token",
    "series",
    "series_member",
    "series_track",
    *EVENT_PLACEHOLDERS,
}

# The outcomes a cell can expect.
OK = "ok"  # 200, 201, 204, or a redirect that is not to the sign-in page
LOGIN = "login"  # 302 to /login?next=…
UNAUTHORISED, FORBIDDEN, NOT_FOUND = "401", "403", "404"

# Who may call a route.
PUBLIC = "public"  # anyone
SIGNED_IN = "signed-in"  # anyone signed in
OWN_TOKEN = "own-token"  # the signed-in owner of an API token
INVITEE = "invitee"  # whoever the invitation is addressed to (or anyone, for a new address)
CURATOR = "curator"
ADMIN = "admin"
VIEWER, PLANNER, MANAGER = "viewer", "planner", "manager"  # that role in the institution
ORGANISER = "organiser"  # organises the institution's events: its managers and organisers
# An event's organisers and the members of its selection committee; the institution's other
# members learn nothing of the applications (404), as outsiders do.
COMMITTEE = "committee"
# The committee's review pages: the same people, and a 403 to the institution's others.
REVIEWER = "reviewer"
# A visit request: the host's office (its managers) and the contacts of the unit it is routed
# to (none of the matrix's callers); every other member learns nothing of it (404).
VISIT_HOST = "visit-host"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    rule: str
    data: dict[str, Any] | str | None = None  # form fields, or a placeholder of them
    json: dict[str, Any] | None = None  # API body
    # What a permitted caller gets when it is not OK: a body left empty on purpose ("400",
    # the form refuses it once the permission check has passed: the feature's own tests send
    # valid ones), or the state of the world's event ("409": its window has closed).
    allowed: str = "ok"

    @property
    def placeholders(self) -> set[str]:
        text = self.path + repr(self.data) + repr(self.json)
        return set(re.findall(r"\{(\w+)\}", text))

    @property
    def owned(self) -> bool:
        return bool(self.placeholders & OWNED)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def events(self) -> bool:
        """Tell whether the route is one of hosted events (tried by the event roles too)."""
        return bool(self.placeholders & EVENT_PLACEHOLDERS) or self.path.startswith(EVENT_PATHS)

    @property
    def roles(self) -> tuple[str, ...]:
        return ROLES + EVENT_ROLES if self.events else ROLES

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


_NEW_PLAN = {"title": "Matrix plan", "period_start": "2028-01-01", "period_end": "2028-12-31"}
# Valid form bodies, so that a permitted cell goes all the way to its change.
_INSTITUTION = {"name": "Renamed", "country": "Finland", "kind": "research-university"}
_UNIT = {"unit-name": "New unit", "unit-kind": "international-office"}
_MEMBERSHIP = {"membership-network": "net-2", "membership-role": "Member"}
_PARTNER = {"partner-partner_name": "New partner"}
_PLAN_EDIT = {**_NEW_PLAN, "status": "active", "version": "{plan_version}"}
_COPY = {"title": "Copy", "period_start": "2029-01-01"}
_ACTIVITY = {"title": "New activity", "format": "online", "status": "idea", "recurrence": ""}
_INDICATOR = {
    "name": "Matrix indicator",
    "activity_id": "",
    "unit": "count",
    "direction": "higher",
    "aggregation": "sum",
    "frequency": "quarterly",
}

_SERIES = {"name": "Matrix series", "cadence": "yearly", "format": "online", "languages": "en"}
_EDITION = {
    "mode": "decentralised",
    "title": "Matrix edition",
    "starts_on": "2028-03-01",
    "ends_on": "2028-03-02",
}

ROUTES: list[Route] = [
    # The catalogue and the site's public pages.
    Route("GET", "/", PUBLIC),
    Route("GET", "/healthz", PUBLIC),
    Route("GET", "/static/style.css", PUBLIC),
    Route("GET", "/charts/plotly-{plotly_version}.min.js", PUBLIC),
    Route("GET", "/practices", PUBLIC),
    Route("GET", "/practices/compare?slugs={practice}&slugs={practice2}", PUBLIC),
    Route("GET", "/practices/{practice}", PUBLIC),
    Route("GET", "/api/v1/openapi.json", PUBLIC),
    Route("GET", "/api/v1/practices", PUBLIC),
    Route("GET", "/api/v1/practices/{practice}", PUBLIC),
    Route("GET", "/institutions", PUBLIC),
    Route("GET", "/institutions/{slug}", PUBLIC),
    Route("GET", "/plans/feed/{feed}.ics", PUBLIC),  # the secret address is the credential
    # Accounts.
    Route("GET", "/login", PUBLIC),
    Route("POST", "/login", PUBLIC, data={"email": "viewer@a.example", "password": PASSWORD}),
    Route("POST", "/logout", PUBLIC),
    Route("POST", "/language", PUBLIC, data={"language": "fi", "next": "/"}),
    Route("GET", "/csrf-token", PUBLIC),
    Route("GET", "/password/forgot", PUBLIC),
    Route("POST", "/password/forgot", PUBLIC, data={"email": "viewer@a.example"}),
    Route("GET", "/password/reset/{reset_token}", PUBLIC),
    Route("POST", "/password/reset/{reset_token}", PUBLIC, data={"password": PASSWORD + "!"}),
    Route("GET", "/invitations/{invite_token}", INVITEE),
    Route("POST", "/invitations/{invite_token}", INVITEE, data={"name": "G", "password": "x"}),
    Route("GET", "/account", SIGNED_IN),
    Route("POST", "/account", SIGNED_IN, data={"name": "Matrix Name"}),
    Route("POST", "/account/language", SIGNED_IN, data={"language": "sv"}),
    Route("GET", "/account/password", SIGNED_IN),
    Route("POST", "/account/password", SIGNED_IN, data={"current_password": "wrong"}),
    Route("GET", "/account/tokens", SIGNED_IN),
    Route("POST", "/account/tokens", SIGNED_IN, data={"name": "matrix", "days": "30"}),
    Route("POST", "/account/tokens/{token_id}/revoke", OWN_TOKEN),
    Route("GET", "/admin/outbox", ADMIN),
    # Curating the catalogue.
    Route("GET", "/practices/new", CURATOR),
    Route("POST", "/practices/new", CURATOR, data="{new_sheet_form}"),
    Route("GET", "/practices/{practice}/edit", CURATOR),
    Route("POST", "/practices/{practice}/edit", CURATOR, data="{edit_sheet_form}"),
    Route("GET", "/practices/{practice}/history", CURATOR),
    Route("GET", "/practices/{practice}/history/1", CURATOR),
    Route("POST", "/practices/{practice}/history/1/restore", CURATOR),
    # An institution's settings and people: its managers.
    Route("GET", "/institutions/{slug}/edit", MANAGER),
    Route("POST", "/institutions/{slug}/edit", MANAGER, data=_INSTITUTION),
    Route("GET", "/institutions/{slug}/units", MANAGER),
    Route("POST", "/institutions/{slug}/units", MANAGER, data=_UNIT),
    Route("GET", "/institutions/{slug}/units/{unit}/delete", MANAGER),
    Route("POST", "/institutions/{slug}/units/{unit}/delete", MANAGER),
    Route("GET", "/institutions/{slug}/memberships", MANAGER),
    Route("POST", "/institutions/{slug}/memberships", MANAGER, data=_MEMBERSHIP),
    Route("GET", "/institutions/{slug}/memberships/{membership}/delete", MANAGER),
    Route("POST", "/institutions/{slug}/memberships/{membership}/delete", MANAGER),
    Route("GET", "/institutions/{slug}/partnerships", MANAGER),
    Route("POST", "/institutions/{slug}/partnerships", MANAGER, data=_PARTNER),
    Route("GET", "/institutions/{slug}/partnerships/{partnership}/delete", MANAGER),
    Route("POST", "/institutions/{slug}/partnerships/{partnership}/delete", MANAGER),
    Route("GET", "/institutions/{slug}/members", MANAGER),
    Route("GET", "/institutions/{slug}/invitations", MANAGER),
    Route(
        "POST",
        "/institutions/{slug}/invitations",
        MANAGER,
        data={"email": "new@example.org", "role": "viewer"},
    ),
    Route("GET", "/institutions/{slug}/invitations/{invitation}/revoke", MANAGER),
    Route("POST", "/institutions/{slug}/invitations/{invitation}/revoke", MANAGER),
    Route("POST", "/institutions/{slug}/members/{member}/role", MANAGER, data={"role": "planner"}),
    Route("GET", "/institutions/{slug}/members/{member}/remove", MANAGER),
    Route("POST", "/institutions/{slug}/members/{member}/remove", MANAGER),
    Route("GET", "/institutions/{slug}/overview", VIEWER),
    Route("GET", "/institutions/{slug}/overview/budget-by-year.csv", VIEWER),
    # Plans and activities.
    Route("GET", "/plans", SIGNED_IN),
    Route("GET", "/institutions/{slug}/plans/new", PLANNER),
    Route("POST", "/institutions/{slug}/plans/new", PLANNER, data=_NEW_PLAN),
    Route("POST", "/practices/{practice}/adopt", PLANNER, data={"plan_id": "{plan}"}),
    Route("GET", "/plans/{plan}", VIEWER),
    Route("GET", "/plans/{plan}/edit", PLANNER),
    Route("POST", "/plans/{plan}/edit", PLANNER, data=_PLAN_EDIT),
    Route("GET", "/plans/{plan}/copy", PLANNER),
    Route("POST", "/plans/{plan}/copy", PLANNER, data=_COPY),
    Route("GET", "/plans/{plan}/import", PLANNER),
    Route("POST", "/plans/{plan}/import", PLANNER, data={"file": "{activities_csv}"}),
    Route("GET", "/plans/{plan}/export.csv", VIEWER),
    Route("GET", "/plans/{plan}/export.xlsx", VIEWER),
    Route("GET", "/plans/{plan}/export.md", VIEWER),
    Route("GET", "/plans/{plan}/export.ics", VIEWER),
    Route("POST", "/plans/{plan}/feed/new", VIEWER),  # one's own feed addresses
    Route("GET", "/plans/{plan}/activities/new", PLANNER),
    Route("POST", "/plans/{plan}/activities/new", PLANNER, data=_ACTIVITY),
    Route("GET", "/plans/{plan}/activities/{activity}/edit", PLANNER),
    Route(
        "POST",
        "/plans/{plan}/activities/{activity}/edit",
        PLANNER,
        data={**_ACTIVITY, "version": "{activity_version}"},
    ),
    Route("GET", "/plans/{plan}/activities/{activity}/delete", PLANNER),
    Route("POST", "/plans/{plan}/activities/{activity}/delete", PLANNER),
    # Indicators, values and their approval.
    Route("GET", "/plans/{plan}/indicators", VIEWER),
    Route("GET", "/plans/{plan}/indicators/new", PLANNER),
    Route("POST", "/plans/{plan}/indicators/new", PLANNER, data=_INDICATOR),
    Route("POST", "/plans/{plan}/indicators/proposed/{proposed}/accept", PLANNER),
    Route("POST", "/plans/{plan}/indicators/proposed/{proposed}/dismiss", PLANNER),
    Route("GET", "/plans/{plan}/indicators/{indicator}", VIEWER),
    Route("GET", "/plans/{plan}/indicators/{indicator}/values.csv", VIEWER),
    Route("GET", "/plans/{plan}/indicators/{indicator}/years.csv", VIEWER),
    Route("GET", "/plans/{plan}/indicators/{indicator}/edit", PLANNER),
    Route(
        "POST",
        "/plans/{plan}/indicators/{indicator}/edit",
        PLANNER,
        data={**_INDICATOR, "version": "{indicator_version}"},
    ),
    Route("GET", "/plans/{plan}/indicators/{indicator}/delete", PLANNER),
    Route("POST", "/plans/{plan}/indicators/{indicator}/delete", PLANNER),
    Route("GET", "/plans/{plan}/values", VIEWER),
    Route("POST", "/plans/{plan}/values", PLANNER),
    Route("GET", "/plans/{plan}/values/import", PLANNER),
    Route("GET", "/plans/{plan}/values/file.csv", VIEWER),
    Route("POST", "/plans/{plan}/values/import", PLANNER, data={"file": "{values_csv}"}),
    Route("GET", "/plans/{plan}/evidence/{evidence}", VIEWER),
    Route("POST", "/plans/{plan}/approvals", MANAGER, data={"window": "2027-Q1"}),
    Route("POST", "/plans/{plan}/approvals/{approval}/reopen", MANAGER, data={"reason": "Fix"}),
    Route("GET", "/plans/{plan}/dashboard", VIEWER),
    Route("GET", "/plans/{plan}/gaps", VIEWER),
    Route("GET", "/plans/{plan}/suggestions", PLANNER),
    Route("POST", "/plans/{plan}/suggestions", PLANNER, data={"practices": "{practice}"}),
    Route("GET", "/plans/{plan}/dashboard/progress.csv", VIEWER),
    Route("GET", "/plans/{plan}/report", VIEWER),
    # The JSON API, with the same rules as the pages.
    Route("GET", "/api/v1/plans", SIGNED_IN),
    Route("POST", "/api/v1/plans", PLANNER, json={**_NEW_PLAN, "institution": "{slug}"}),
    Route("GET", "/api/v1/plans/{plan}", VIEWER),
    Route("PATCH", "/api/v1/plans/{plan}", PLANNER, json={"version": "{plan_version}"}),
    Route("GET", "/api/v1/plans/{plan}/activities", VIEWER),
    Route("POST", "/api/v1/plans/{plan}/activities", PLANNER, json={"title": "API activity"}),
    Route("POST", "/api/v1/plans/{plan}/adoptions", PLANNER, json={"practice": "{practice}"}),
    Route("GET", "/api/v1/plans/{plan}/activities/{activity}", VIEWER),
    Route(
        "PATCH",
        "/api/v1/plans/{plan}/activities/{activity}",
        PLANNER,
        json={"version": "{activity_version}", "notes": "x"},
    ),
    Route("DELETE", "/api/v1/plans/{plan}/activities/{activity}", PLANNER),
    # Hosted events in the API: the published calls are public, applications are not.
    Route("GET", "/api/v1/events", PUBLIC),
    Route("GET", "/api/v1/events/{event}", PUBLIC),
    Route("GET", "/api/v1/events/{event}/applications", COMMITTEE),
    # Hosted events: the public calls, and applying by a link with a secret (the credential).
    Route("GET", "/events", PUBLIC),
    Route("GET", "/events/{event}", PUBLIC),
    Route("GET", "/events/feed.ics", PUBLIC),
    Route("GET", "/events/feed.atom", PUBLIC),
    Route("GET", "/events/{event}/apply", PUBLIC),
    Route("POST", "/events/{event}/apply", PUBLIC, data={"email": "x@y.org"}, allowed="409"),
    Route("GET", "/applications/{app_token}", PUBLIC),
    Route("POST", "/applications/{app_token}", PUBLIC, data={"action": "erase"}),
    Route("POST", "/applications/{offer_token}/place", PUBLIC, data={"answer": "confirm"}),
    Route("GET", "/applications/{app_token}/certificate.pdf", PUBLIC),
    Route("GET", "/applications/{app_token}/feedback", PUBLIC),
    Route("POST", "/applications/{app_token}/feedback", PUBLIC),  # shown again, unsaved
    Route("GET", "/applications/{app_token}/participants", PUBLIC),
    # Sending staff to another institution's event: the one step from the call's page (the
    # world's caller names no plan of theirs, so the form refuses it), and the sending's page.
    Route("POST", "/events/{event}/send", SIGNED_IN, allowed="400"),
    Route("GET", "/plans/{plan}/sendings/{sending}", VIEWER),
    Route("POST", "/plans/{plan}/sendings/{sending}", PLANNER, data={"people": "3"}),
    # The organisers' pages of an institution's events.
    Route("GET", "/institutions/{slug}/events", ORGANISER),
    Route("GET", "/institutions/{slug}/events/new", ORGANISER),
    Route("POST", "/institutions/{slug}/events/new", ORGANISER, allowed="400"),
    Route("GET", "/institutions/{slug}/events/{event}", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/edit", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/edit", ORGANISER, allowed="400"),
    Route("POST", "/institutions/{slug}/events/{event}/status", ORGANISER, allowed="400"),
    Route("POST", "/institutions/{slug}/events/{event}/next-edition", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{draft_event}/invitation", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/tracks", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/tracks", ORGANISER, allowed="400"),
    Route("GET", "/institutions/{slug}/events/{event}/tracks/{track}/edit", ORGANISER),
    Route(
        "POST", "/institutions/{slug}/events/{event}/tracks/{track}/edit", ORGANISER, allowed="400"
    ),
    Route("POST", "/institutions/{slug}/events/{event}/tracks/{track}/move", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/tracks/{track}/delete", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/tracks/{track}/questions", ORGANISER),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/tracks/{track}/questions",
        ORGANISER,
        allowed="400",
    ),
    Route(
        "GET",
        "/institutions/{slug}/events/{event}/tracks/{track}/questions/{question}/edit",
        ORGANISER,
    ),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/tracks/{track}/questions/{question}/edit",
        ORGANISER,
        allowed="400",
    ),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/tracks/{track}/questions/{question}/move",
        ORGANISER,
    ),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/tracks/{track}/questions/{question}/delete",
        ORGANISER,
    ),
    Route("GET", "/institutions/{slug}/events/{event}/committee", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/committee", ORGANISER, allowed="400"),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/committee/{committee_member}/delete",
        ORGANISER,
    ),
    # Selecting: the rubric, decisions and their emails (organisers), reviews (the committee).
    Route("GET", "/institutions/{slug}/events/{event}/rubric", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/rubric", ORGANISER, allowed="422"),
    Route("GET", "/institutions/{slug}/events/{event}/rubric/{criterion}", ORGANISER),
    Route(
        "POST", "/institutions/{slug}/events/{event}/rubric/{criterion}", ORGANISER, allowed="422"
    ),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/rubric/{criterion}/move",
        ORGANISER,
        data={"direction": "up"},
    ),
    Route("POST", "/institutions/{slug}/events/{event}/rubric/{criterion}/remove", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/review", REVIEWER),
    Route("GET", "/institutions/{slug}/events/{event}/review/{application}", REVIEWER),
    # The world's decisions are sent: a review is read, no longer taken (303 back to it).
    Route("POST", "/institutions/{slug}/events/{event}/review/{application}", REVIEWER),
    Route("GET", "/institutions/{slug}/events/{event}/selection", ORGANISER),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/selection/tracks/{track}",
        ORGANISER,
        allowed="422",
    ),
    Route("POST", "/institutions/{slug}/events/{event}/selection/send", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/templates", ORGANISER),
    Route("POST", "/institutions/{slug}/events/{event}/templates", ORGANISER, allowed="422"),
    # Taking part: participants, their exports and certificates, check-in, feedback.
    Route("GET", "/institutions/{slug}/events/{event}/participants", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/participants.csv", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/participants.xlsx", ORGANISER),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/participants/shared",
        ORGANISER,
        data={"shared": "0"},
    ),
    Route(
        "GET",
        "/institutions/{slug}/events/{event}/participants/{application}/certificate.pdf",
        ORGANISER,
    ),
    Route("GET", "/institutions/{slug}/events/{event}/checkin", ORGANISER),
    Route("GET", "/institutions/{slug}/events/{event}/checkin/{day}", ORGANISER),
    Route(
        "POST",
        "/institutions/{slug}/events/{event}/checkin/{day}/{application}",
        ORGANISER,
        data={"present": "0"},
    ),
    Route("GET", "/institutions/{slug}/events/{event}/feedback", ORGANISER),
    # Individual visits: the public offers and request form, the visitor's link (the
    # credential), and the host's pages. The world's request is routed and not yet answered.
    Route("GET", "/institutions/{slug}/visits", PUBLIC),
    Route("GET", "/institutions/{slug}/visits/request", PUBLIC),
    Route("POST", "/institutions/{slug}/visits/request", PUBLIC, allowed="400"),
    Route("GET", "/visits/{visit_token}", PUBLIC),
    Route("POST", "/visits/{visit_token}", PUBLIC, data={"action": "bogus"}, allowed="400"),
    Route("GET", "/institutions/{slug}/visits/units", MANAGER),
    Route("GET", "/institutions/{slug}/visits/units/{visit_unit}", MANAGER),
    Route("POST", "/institutions/{slug}/visits/units/{visit_unit}", MANAGER, data={"accepts": "y"}),
    Route("GET", "/institutions/{slug}/visits/requests", VIEWER),
    Route("GET", "/institutions/{slug}/visits/requests/{visit_request}", VISIT_HOST),
    Route(
        "POST",
        "/institutions/{slug}/visits/requests/{visit_request}/route",
        VISIT_HOST,
        allowed="400",
    ),
    Route(
        "POST",
        "/institutions/{slug}/visits/requests/{visit_request}/answer",
        VISIT_HOST,
        allowed="400",
    ),
    Route(
        "POST",
        "/institutions/{slug}/visits/requests/{visit_request}/programme",
        VISIT_HOST,
        allowed="409",
    ),
    Route(
        "POST",
        "/institutions/{slug}/visits/requests/{visit_request}/record",
        VISIT_HOST,
        allowed="409",
    ),
    Route("GET", "/institutions/{slug}/visits/figures", MANAGER),
    Route("POST", "/institutions/{slug}/visits/figures", MANAGER, allowed="400"),
    # Series of co-hosted events: the members' people see them (the series of B is A's
    # people's "other"); the coordinator's organisers change them.
    Route("GET", "/institutions/{slug}/series", VIEWER),
    Route("GET", "/institutions/{slug}/series/new", ORGANISER),
    Route("POST", "/institutions/{slug}/series/new", ORGANISER, data=_SERIES),
    Route("GET", "/series/{series}", VIEWER),
    Route("GET", "/series/{series}/edit", ORGANISER),
    Route("POST", "/series/{series}/edit", ORGANISER, data=_SERIES),
    Route("POST", "/series/{series}/members", ORGANISER, data={"member-institution": "{guest}"}),
    Route(
        "POST",
        "/series/{series}/members/{series_member}/move",
        ORGANISER,
        data={"direction": "down"},
    ),
    Route("POST", "/series/{series}/members/{series_member}/leave", ORGANISER),
    Route(
        "POST",
        "/series/{series}/tracks",
        ORGANISER,
        data={"track-title": "Shared track", "track-capacity": "10"},
    ),
    Route("POST", "/series/{series}/tracks/{series_track}/delete", ORGANISER),
    Route("GET", "/series/{series}/editions/new", ORGANISER),
    Route("POST", "/series/{series}/editions/new", ORGANISER, data=_EDITION),
]


def _with_automatic_methods(routes: list[Route]) -> list[Route]:
    """Add the HEAD of every GET and the OPTIONS of every address, which Flask answers too.

    Flask answers OPTIONS itself, before any view, with the allowed methods and no data: it is
    the same for everyone, and tells nothing about the object.
    """
    cells = list(routes)
    cells += [Route("HEAD", r.path, r.rule) for r in routes if r.method == "GET"]
    paths = dict.fromkeys(r.path for r in routes)
    cells += [Route("OPTIONS", path, PUBLIC) for path in paths]
    return cells


CELL_ROUTES = _with_automatic_methods(ROUTES)

# Filled as the cells run; tests/conftest.py prints it at the end of the run.
TALLY: Counter[str] = Counter()


def expected(route: Route, role: str, owner: str) -> str:
    """The outcome the rules of the product promise for one cell."""
    permitted = _permission(route, role, owner)
    return route.allowed if permitted == OK else permitted


def _permission(route: Route, role: str, owner: str) -> str:
    """The answer of the permission check for one cell: OK if it lets the caller through."""
    if route.rule == PUBLIC:
        return OK
    if route.rule == INVITEE:
        # The link alone lets a new person join. An account that exists signs in first, and a
        # signed-in person may accept only an invitation addressed to them.
        if role in NOT_SIGNED_IN:
            return OK if owner == "own" else LOGIN
        return OK if owner == "own" else FORBIDDEN
    if role in NOT_SIGNED_IN:
        return UNAUTHORISED if route.api else LOGIN
    if route.rule == SIGNED_IN:
        return OK
    if route.rule == OWN_TOKEN:
        return OK if owner == "own" else NOT_FOUND
    if route.rule == CURATOR:
        return OK if role in ("curator", "admin") else FORBIDDEN
    if route.rule == ADMIN:
        return OK if role == "admin" else FORBIDDEN
    # An institution's data: admins act as its managers, outsiders learn nothing of it.
    if role == "admin":
        return OK
    if owner == "other":
        return NOT_FOUND
    if route.rule == ORGANISER:
        return OK if role in ("manager", "organiser") else FORBIDDEN
    if route.rule == COMMITTEE:
        return OK if role in ("manager", "organiser", "reviewer") else NOT_FOUND
    if route.rule == REVIEWER:
        return OK if role in ("manager", "organiser", "reviewer") else FORBIDDEN
    if route.rule == VISIT_HOST:
        return OK if role == "manager" else NOT_FOUND
    return OK if RANK[ROLE_IN_A[role]] >= RANK[route.rule] else FORBIDDEN


def outcome(response: Any) -> str:
    """Name what a response did, in the terms of expected()."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status in (301, 302, 303, 307, 308):
        return LOGIN if location.startswith("/login?next=") else OK
    if status in (200, 201, 204):
        return OK
    return str(status)


# --- the world: two institutions holding the same objects ----------------------------------


@dataclass
class World:
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)  # "own"/"other" → ids
    shared: dict[str, Any] = field(default_factory=dict)  # the catalogue's, the same for all
    personal: dict[str, dict[str, Any]] = field(default_factory=dict)  # role → own/other ids

    def values(self, role: str, owner: str) -> dict[str, Any]:
        return {**self.shared, **self.ids[owner], **self.personal[role][owner]}


def _sheet_form(sheet: Any, version: int | None = None, **changes: Any) -> dict[str, Any]:
    """The body the sheet editor posts for a sheet."""
    from tests.practices.test_curation import form_data

    return {**form_data(sheet, version, **changes), "save": "Save"}


def event_objects(institution: Any, reviewer: Any, tag: str) -> dict[str, Any]:
    """Give an institution an event held last week (its window closed, decisions sent, the
    participants' list shared), with a track, a question, a rubric criterion, a committee
    member, a participant who attended and an applicant whose offer lapsed, and a draft;
    return their ids and the applicants' secret links."""
    from datetime import UTC, date, datetime, timedelta

    from app.applications.models import Applicant, Application
    from app.events.models import (
        CommitteeMember,
        Event,
        Question,
        RubricCriterion,
        Track,
        token_digest,
    )
    from app.participation.models import Attendance

    now, today = datetime.now(UTC), date.today()

    def event(status: str) -> Event:
        return Event(
            institution=institution,
            title=f"Staff week {tag} ({status})",
            status=status,
            starts_on=today - timedelta(days=4),
            ends_on=today - timedelta(days=2),
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=30),
            decisions_sent_at=now - timedelta(days=29),
            list_shared=True,
        )

    published, draft = event("published"), event("draft")
    track = Track(event=published, title="Mobility", capacity=2, topics=["networks"])
    question = Question(track=track, prompt="Why?", kind="short_text", required=True)
    criterion = RubricCriterion(event=published, title="Fit", weight=2)

    def application(name: str, place: str, deadline: datetime | None) -> Application:
        applicant = Applicant(
            event=published,
            email=f"{name}@elsewhere-{tag}.org",  # not the reviewers' own domain
            token_digest=token_digest(f"matrix-{name}-{tag}"),
            verified_at=now,
        )
        return Application(
            event=published,
            applicant=applicant,
            track=track,
            name=f"{name} {tag}",
            email=applicant.email,
            country="SE",
            list_consent=True,
            decision="accepted",
            decided_at=now - timedelta(days=31),
            decision_sent_at=now - timedelta(days=29),
            place=place,
            offered_at=now - timedelta(days=29),
            offer_deadline=deadline,
        )

    participant = application("participant", "confirmed", None)
    lapsed = application("lapsed", "offered", now - timedelta(days=1))
    db.session.add_all([published, draft, track, question, criterion, participant, lapsed])
    db.session.flush()
    member = CommitteeMember(event_id=published.id, track=track, user=reviewer)
    db.session.add_all([member, Attendance(application_id=participant.id, day=published.starts_on)])
    db.session.flush()
    return {
        "event": published.id,
        "draft_event": draft.id,
        "track": track.id,
        "question": question.id,
        "criterion": criterion.id,
        "committee_member": member.id,
        "application": participant.id,
        "app_token": f"matrix-participant-{tag}",
        "offer_token": f"matrix-lapsed-{tag}",
        "day": published.starts_on.isoformat(),
    }


def sending_object(plan_id: int, event_id: int) -> int:
    """Give a plan an activity that sends staff to another institution's event; return the
    sending's id."""
    from app.planner.models import Activity
    from app.sending.models import Sending

    activity = Activity(plan_id=plan_id, title="Job shadowing")
    sending = Sending(plan_id=plan_id, event_id=event_id, activity=activity, people=2)
    db.session.add_all([activity, sending])
    db.session.flush()
    return sending.id


def visit_objects(institution: Any, tag: str) -> dict[str, Any]:
    """Give an institution a unit that accepts visits and a visit request routed to it;
    return their ids and the visitor's secret link."""
    from datetime import UTC, date, datetime

    from app.events.models import token_digest
    from app.institutions.models import Unit
    from app.visits.models import VisitRequest, VisitUnit

    unit = Unit(institution=institution, name="Language Centre", kind="language-centre")
    offer = VisitUnit(
        unit=unit, accepts_visits=True, topics=["teaching"], languages=["English"], months=[5]
    )
    visit = VisitRequest(
        institution=institution,
        unit=unit,
        suggested_unit=unit,
        state="routed",
        email=f"visitor@elsewhere-{tag}.org",
        name=f"Visitor {tag}",
        home_institution="Elsewhere",
        role="Teacher",
        topic="Teaching",
        preferred_start=date(2030, 5, 6),
        preferred_end=date(2030, 5, 8),
        token_digest=token_digest(f"matrix-visit-{tag}"),
        verified_at=datetime.now(UTC),
    )
    db.session.add_all([unit, offer, visit])
    db.session.flush()
    return {"visit_unit": unit.id, "visit_request": visit.id, "visit_token": f"matrix-visit-{tag}"}


def series_objects(institution: Any, guest: Any) -> dict[str, Any]:
    """Give an institution a series it coordinates, with itself as its one member and a
    shared track; return their ids, and the slug of the institution it may add (guest)."""
    from app.series import services

    series = services.create_series(institution, name=f"Series of {institution.slug}")
    track = services.add_track(series, title="Shared", capacity=10)
    return {
        "series": series.id,
        "series_member": series.members[0].id,
        "series_track": track.id,
        "guest": guest.slug,
    }


def build_world(sheet: dict[str, Any]) -> World:
    """Build both institutions, their people, two catalogue sheets with revisions, and tokens."""
    from flask import current_app

    from app.accounts import services as accounts
    from app.accounts.tokens import INVITATION_SALT, RESET_SALT, make_token
    from app.core.vocabularies import load_vocabularies
    from app.institutions.models import Institution, Network
    from app.practices.schemas import PracticeSheet
    from app.practices.services import save_sheet

    def institution(slug: str) -> Institution:
        made = Institution(slug=slug, name=slug.title(), country="Finland", kind="other")
        db.session.add(made)
        return made

    a, b = institution("uni-a"), institution("uni-b")
    users = {}
    for role in ("viewer", "planner", "manager", "organiser", "curator", "reviewer"):
        email = f"{role}@a.example"
        users[role] = accounts.create_user(email, PASSWORD, is_curator=role == "curator")
        accounts.set_role(users[role], a, ROLE_IN_A[role], by="matrix")
    users["admin"] = accounts.create_user("admin@example.org", PASSWORD, is_admin=True)
    b_people = {}
    for role in ("viewer", "manager"):
        b_people[role] = accounts.create_user(f"{role}@b.example", PASSWORD)
        accounts.set_role(b_people[role], b, role, by="matrix")
    network = Network(slug="net", name="A network", kind="research-network")
    db.session.add(Network(slug="net-2", name="Another network", kind="research-network"))
    vocab = load_vocabularies(current_app.config["VOCABULARY_FILE"])
    parsed = PracticeSheet.model_validate(sheet, context={"vocab": vocab})
    practice = save_sheet(None, parsed, author=users["admin"])
    second = parsed.model_copy(update={"slug": "second-sheet", "title": "A second sheet"})
    save_sheet(None, second, author=users["admin"])
    third = parsed.model_copy(update={"slug": "third-sheet", "title": "A third sheet"})
    with current_app.test_request_context():
        world = World(
            ids={
                "own": institution_objects(
                    a, users["manager"], network, guest="guest@uni-a.example"
                ),
                "other": institution_objects(
                    b, b_people["manager"], network, guest="guest@uni-b.example"
                ),
            },
            shared={
                "practice": parsed.slug,
                "practice2": second.slug,
                "new_sheet_form": _sheet_form(third),
                "edit_sheet_form": _sheet_form(parsed, practice.version, summary="Better."),
                "activities_csv": b"title\nImported activity\n",
            },
        )
        world.ids["own"]["member"] = users["viewer"].id
        world.ids["other"]["member"] = b_people["viewer"].id
        world.ids["own"] |= event_objects(a, users["reviewer"], "a")
        world.ids["other"] |= event_objects(b, b_people["viewer"], "b")
        # Each institution's plan sends staff to the other's event.
        world.ids["own"]["sending"] = sending_object(
            world.ids["own"]["plan"], world.ids["other"]["event"]
        )
        world.ids["other"]["sending"] = sending_object(
            world.ids["other"]["plan"], world.ids["own"]["event"]
        )
        world.ids["own"] |= visit_objects(a, "a")
        world.ids["other"] |= visit_objects(b, "b")
        world.ids["own"] |= series_objects(a, guest=b)
        world.ids["other"] |= series_objects(b, guest=a)
        for owner in OWNERS:
            indicator = world.ids[owner]["indicator"]
            world.ids[owner]["values_csv"] = f"indicator_id,period,value\n{indicator},2027-Q2,5\n"
        # Invitations to B addressed to each signed-in caller: their "own" invitation. A
        # caller's "other" invitation is one to a stranger; the anonymous visitor's own one is
        # to a new address, and their "other" one to somebody who has an account.
        addressed = {
            role: accounts.invite(b, user.email, "viewer", b_people["manager"])
            for role, user in users.items()
        }
        db.session.flush()
        tokens = {
            role: accounts.create_api_token(user, "matrix", 30)[0] for role, user in users.items()
        }
        stranger_token = accounts.create_api_token(b_people["manager"], "matrix", 30)[0]
        db.session.flush()

        def invitation_link(invitation_id: int) -> str:
            return make_token(INVITATION_SALT, {"invitation": invitation_id})

        def reset_link(user: Any) -> str:
            return make_token(RESET_SALT, {"user": user.id, "check": user.session_token[:16]})

        stranger_invite = invitation_link(world.ids["own"]["invitation"])
        for role in ROLES + EVENT_ROLES:
            user = users.get(role, users["viewer"])
            signed_in = role not in NOT_SIGNED_IN
            own_invite = invitation_link(addressed[role].id) if signed_in else stranger_invite
            other_invite = stranger_invite if signed_in else invitation_link(addressed["viewer"].id)
            token = tokens.get(role, tokens["viewer"])
            world.personal[role] = {
                "own": {
                    "token_id": token.id,
                    "invite_token": own_invite,
                    "reset_token": reset_link(user),
                },
                "other": {
                    "token_id": stranger_token.id,
                    "invite_token": other_invite,
                    "reset_token": reset_link(b_people["viewer"]),
                },
            }
    db.session.commit()
    return world


# --- one database fingerprint per cell -----------------------------------------------------

# Signing in notes its time; that is the one change a cell's sign-in may make. The data
# versions (app/core/data_version.py) follow that and every other write: a change this test
# looks for shows in its own table.
IGNORED_COLUMNS = {
    ("users", "last_login_at"),
    ("data_state", "version"),
    ("data_state", "unscoped"),
    ("data_scopes", "version"),
}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order."""
    rows = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
        statement = select(*columns).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(statement)]
    db.session.rollback()  # end the read, so that requests see a fresh database
    return rows


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# --- the matrix ----------------------------------------------------------------------------


def _fill(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole:  # a placeholder alone keeps its type (an int stays an int in JSON)
            return values[whole.group(1)]
        return value.format(**values)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def _sign_in(client: Any, role: str) -> None:
    if role in NOT_SIGNED_IN:
        return
    email = "admin@example.org" if role == "admin" else f"{role}@a.example"
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"{role} could not sign in"


def _cells(route: Route) -> list[tuple[str, str]]:
    """The cells of a route: refused and read-only ones first, so fewer rebuilds are needed."""
    owners = OWNERS if route.owned else ("own",)
    cells = list(itertools.product(route.roles, owners))

    def changes(cell: tuple[str, str]) -> bool:
        return route.method not in SAFE and expected(route, *cell) == OK

    return sorted(cells, key=changes)


@pytest.fixture(autouse=True)
def mid_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the matrix in the middle of the world's plan (2027): its periods have begun, so
    values can be recorded (none can for a period that has not begun)."""
    from datetime import date

    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))


@pytest.fixture
def sheet(sheet_data: Any) -> dict[str, Any]:
    data = sheet_data()
    data["body"] = "## About\n\nA short body."
    return data


@pytest.fixture
def app(migrated_database: str) -> Any:
    """The app of tests/conftest.py, but the world's rows stay for the next route's test
    (tests/conftest.py empties them before any other module's test)."""
    app = build_app(migrated_database)
    # Every cell asks for an application link from the same address: the limits of a person
    # asking again and again would answer the later cells, not the rules of access.
    app.config.update(APPLY_LINKS_PER_IP="10000 per minute", APPLY_LINKS_PER_EMAIL="10000/minute")
    app.config.update(VISIT_REQUESTS_PER_IP="10000 per minute")
    with app.app_context():
        yield app
        db.session.remove()
        ROWS_KEPT["by"] = __name__
        db.engine.dispose()


# The world the last test left in the database, and every row of it as it was built.
_KEPT: dict[str, Any] = {}


def fresh_world(sheet: dict[str, Any]) -> tuple[World, dict[str, list[tuple[Any, ...]]]]:
    """The world as built, and its rows: the one kept if no row of it changed, else a new one.

    Building the world is most of a read-only route's time; comparing every row makes sure a
    test never sees what another left behind.
    """
    rows = snapshot()
    if ROWS_KEPT["by"] == __name__ and _KEPT and rows == _KEPT["rows"]:
        return _KEPT["world"], rows
    _KEPT.clear()
    _empty_tables()
    world = build_world(sheet)
    rows = snapshot()
    _KEPT.update(world=world, rows=rows)
    return world, rows


def _body(route: Route, values: dict[str, Any]) -> dict[str, Any]:
    """The request's body: the route's form fields or JSON, with files as uploads."""
    if route.json is not None:
        return {"json": _fill(route.json, values)}
    data = _fill(route.data, values)
    if data and "file" in data:
        content = data["file"]
        content = content.encode() if isinstance(content, str) else content
        data = {**data, "file": (io.BytesIO(content), "upload.csv", "text/csv")}
    return {"data": data}


@pytest.mark.parametrize("route", CELL_ROUTES, ids=str)
def test_access_matrix(app: Flask, sheet: dict[str, Any], route: Route) -> None:
    from app.charts.assets import plotly_version

    world, before = fresh_world(sheet)
    changed: list[str] = []
    wrong = []
    for role, owner in _cells(route):
        want = expected(route, role, owner)
        if changed:  # only permitted changes run after the first change: see _cells
            world, before = fresh_world(sheet)
        client = app.test_client()
        _sign_in(client, role)  # changes nothing the snapshot keeps
        values = {"plotly_version": plotly_version(), **world.values(role, owner)}
        response = client.open(
            _fill(route.path, values), method=route.method, **_body(route, values)
        )
        got = outcome(response)
        after = snapshot()
        changed = changed_tables(before, after)
        before = after
        TALLY["cells"] += 1
        TALLY[f"expected {want}"] += 1
        if got != want:
            wrong.append(f"{role}/{owner}: expected {want}, got {response.status_code}")
        elif (
            route.method == "GET"
            and response.mimetype == "text/csv"
            and not response.get_data().startswith(BOM)
        ):
            # Every CSV download, wherever it is: Excel reads one without the mark wrongly.
            wrong.append(f"{role}/{owner}: a CSV download without the UTF-8 byte order mark")
        elif changed and (want != OK or route.method in SAFE):
            wrong.append(f"{role}/{owner}: {want}, yet it changed {changed}")
    if not route.owned:
        TALLY["not applicable"] += len(route.roles)  # no "other" object for this route
    assert wrong == [], f"{route}: " + "; ".join(wrong)


ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


def test_the_matrix_covers_every_route_and_method_of_the_url_map(app: Flask) -> None:
    from app.charts.assets import plotly_version

    def choices(rule: Any) -> list[tuple[str, ...]]:
        """Each choice of a rule's any() parts: one address per choice."""
        options = [[o.strip() for o in items.split(",")] for items, _ in ANY.findall(rule.rule)]
        return list(itertools.product(*options))

    # Keyed by the rule's text: OPTIONS answers for an address, whichever endpoints share it.
    in_map = {
        (rule.rule, combo, method)
        for rule in app.url_map.iter_rules()
        for combo in choices(rule)
        for method in rule.methods
    }
    adapter = app.url_map.bind("localhost")
    values = {name: "1" for name in OWNED} | {"plotly_version": plotly_version()}
    values |= {"practice": "x", "practice2": "y"}
    covered = []
    for route in CELL_ROUTES:
        path = _fill(route.path, values).split("?")[0]
        rule, arguments = adapter.match(path, method=route.method, return_rule=True)
        combo = tuple(str(arguments[name]) for _, name in ANY.findall(rule.rule))
        covered.append((rule.rule, combo, route.method))
    assert in_map - set(covered) == set()
    assert len(covered) == len(set(covered))  # no route is listed twice
