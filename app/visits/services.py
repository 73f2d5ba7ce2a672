"""Queries and changes of individual visits: units' offers, requests and their steps, who may
see which request, the figures per unit and year and the plan indicators they feed."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import InstitutionRole, User
from app.accounts.services import normalise_email
from app.core.extensions import db
from app.core.urls import external_url
from app.events.models import token_digest
from app.indicators import computed
from app.indicators.measurements import approvals_of, lock_for
from app.indicators.models import Indicator, Measurement
from app.indicators.services import add_computed_indicators
from app.institutions.models import Institution, Unit
from app.mail.services import queue_mail
from app.permissions import has_role, role_in
from app.planner.models import Plan
from app.visits import emails
from app.visits.figures import PREFIX, SOURCES, VisitCounts
from app.visits.models import (
    NotAllowed,
    VisitActor,
    VisitContact,
    VisitDay,
    VisitFeedback,
    VisitRequest,
    VisitState,
    VisitUnit,
)

log = logging.getLogger(__name__)
TOKEN_MAX = 100
# A visit may be asked for at most this far ahead.
AHEAD_MAX = timedelta(days=2 * 366)

# --- units that host visits ---------------------------------------------------------------------


def visit_unit(unit: Unit) -> VisitUnit:
    """Return a unit's offer to host visits, made (not accepting) when it has none yet."""
    found = db.session.scalar(select(VisitUnit).where(VisitUnit.unit_id == unit.id))
    if found is None:
        found = VisitUnit(unit=unit, accepts_visits=False, topics=[], languages=[], months=[])
        db.session.add(found)
        db.session.flush()
    return found


def offers(institution: Institution, *, accepting_only: bool) -> list[VisitUnit]:
    """Return the visit offers of an institution's units, by unit name."""
    query = (
        select(VisitUnit)
        .join(Unit, Unit.id == VisitUnit.unit_id)
        .where(Unit.institution_id == institution.id)
        .options(selectinload(VisitUnit.unit), selectinload(VisitUnit.contacts))
        .order_by(Unit.name)
    )
    if accepting_only:
        query = query.where(VisitUnit.accepts_visits.is_(True))
    return list(db.session.scalars(query))


def accepting_units(institution: Institution) -> list[Unit]:
    return [offer.unit for offer in offers(institution, accepting_only=True)]


def members(institution: Institution) -> list[User]:
    """Return the users with a role in the institution, who may be named unit contacts."""
    return list(
        db.session.scalars(
            select(User)
            .join(InstitutionRole, InstitutionRole.user_id == User.id)
            .where(InstitutionRole.institution_id == institution.id)
            .order_by(User.email)
        )
    )


def set_offer(
    offer: VisitUnit,
    *,
    accepts: bool,
    topics: list[str],
    languages: list[str],
    months: list[int],
    contact_ids: list[int],
    allowed_ids: set[int],
) -> None:
    """Change a unit's offer and contacts (contacts only among the institution's members)."""
    offer.accepts_visits = accepts
    offer.topics, offer.languages, offer.months = topics, languages, sorted(set(months))
    wanted = [i for i in dict.fromkeys(contact_ids) if i in allowed_ids]
    offer.contacts = [c for c in offer.contacts if c.user_id in wanted]
    have = {c.user_id for c in offer.contacts}
    offer.contacts += [VisitContact(user_id=i) for i in wanted if i not in have]


def contact_units(user: Any, institution: Institution) -> set[int]:
    """Return the ids of the institution's units whose requests a user handles."""
    if not user.is_authenticated or role_in(user, institution) is None:
        return set()
    return set(
        db.session.scalars(
            select(VisitUnit.unit_id)
            .join(VisitContact, VisitContact.visit_unit_id == VisitUnit.id)
            .join(Unit, Unit.id == VisitUnit.unit_id)
            .where(VisitContact.user_id == user.id, Unit.institution_id == institution.id)
        )
    )


def is_office(user: Any, institution: Institution) -> bool:
    """The host's international office: the institution's managers (and site admins)."""
    return has_role(user, institution, "manager")


# --- requests -------------------------------------------------------------------------------


def issue_link(request: VisitRequest) -> str:
    """Give the visitor a new secret link and return its address; the old one stops working."""
    token = secrets.token_urlsafe(32)
    request.token_digest = token_digest(token)
    return external_url("visits.own", token=token)


def request_visit(
    institution: Institution, fields: dict[str, Any], language: str, now: datetime
) -> VisitRequest:
    """Record a visit request (not yet visible to the host) and mail the link to confirm it."""
    unit_id = fields.pop("suggested_unit_id", None)
    allowed = {u.id for u in accepting_units(institution)}
    request = VisitRequest(
        institution=institution,
        suggested_unit_id=unit_id if unit_id in allowed else None,
        state=VisitState.UNVERIFIED,
        language=language,
        **{**fields, "email": normalise_email(fields["email"])},
    )
    link = issue_link(request)
    db.session.add(request)
    db.session.flush()
    message = emails.verify(request, link)
    queue_mail(request.email, message.subject, message.body, language=message.language)
    log.info("visit request %s to %s asked, link mailed", request.id, institution.slug)
    return request


def request_for(token: str) -> VisitRequest | None:
    """Return the request a visitor's secret link opens."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalar(
        select(VisitRequest).where(VisitRequest.token_digest == token_digest(token))
    )


def verify(request: VisitRequest, now: datetime) -> bool:
    """Confirm the visitor's address on the first opening of their link."""
    if request.state != VisitState.UNVERIFIED:
        return False
    request.move("verify", VisitActor.VISITOR)
    request.verified_at = now
    return True


def require_request(user: Any, institution: Institution, request_id: int) -> VisitRequest:
    """Load a request of the institution that the user may see, or answer 404: the office sees
    every confirmed request, a unit contact those routed to their unit."""
    found = db.session.get(VisitRequest, request_id)
    if found is None or found.institution_id != institution.id:
        abort(404)
    if found.state == VisitState.UNVERIFIED:
        abort(404)
    if is_office(user, institution):
        return found
    if found.unit_id is not None and found.unit_id in contact_units(user, institution):
        return found
    abort(404)


def visible_requests(user: Any, institution: Institution) -> list[VisitRequest]:
    """Return the requests a user may see, newest first."""
    query = (
        select(VisitRequest)
        .where(
            VisitRequest.institution_id == institution.id,
            VisitRequest.state != VisitState.UNVERIFIED,
        )
        .options(selectinload(VisitRequest.unit), selectinload(VisitRequest.suggested_unit))
        .order_by(VisitRequest.created_at.desc(), VisitRequest.id.desc())
    )
    if not is_office(user, institution):
        units = contact_units(user, institution)
        if not units:
            return []
        query = query.where(VisitRequest.unit_id.in_(units))
    return list(db.session.scalars(query))


def actor_for(user: Any, request: VisitRequest) -> set[VisitActor]:
    """Return the roles a signed-in user acts in on a request: the office acts as a unit too."""
    roles: set[VisitActor] = set()
    if is_office(user, request.institution):
        roles |= {VisitActor.OFFICE, VisitActor.UNIT}
    elif request.unit_id in contact_units(user, request.institution):
        roles.add(VisitActor.UNIT)
    return roles


def _tell_visitor(request: VisitRequest) -> None:
    link = issue_link(request)
    message = emails.decision(request, link)
    queue_mail(request.email, message.subject, message.body, language=message.language)


def host_step(
    request: VisitRequest, action: str, actor: VisitActor, by: str, **data: Any
) -> VisitRequest:
    """Take a step of the host (route, accept, propose, call, decline, record); raise NotAllowed
    for a step the table refuses. Decisions are mailed to the visitor."""
    if action == "route":
        unit = data.get("unit")
        if unit is None or unit.institution_id != request.institution_id:
            raise NotAllowed(request.state, action, actor)
        request.move(action, actor)
        request.unit_id = unit.id
        return request
    if action == "record":
        if request.ends_on is None or request.ends_on >= data["today"]:
            raise NotAllowed(request.state, action, actor)
        request.move(action, actor)
        present = set(data.get("days", []))
        for one in list(request.days):
            if one.day not in present:
                request.days.remove(one)
        have = {d.day for d in request.days}
        for one in sorted(present - have):
            if request.starts_on and request.starts_on <= one <= request.ends_on:
                request.days.append(VisitDay(day=one, marked_by=by))
        return request
    request.move(action, actor)
    if action == "propose":
        request.proposed_start, request.proposed_end = data["start"], data["end"]
    if action == "decline":
        request.decline_reason = data["reason"]
    if action in ("accept", "propose", "call"):
        request.host_note = data.get("note", "")
    _tell_visitor(request)
    return request


def visitor_step(request: VisitRequest, action: str) -> VisitRequest:
    """Take a step of the visitor (confirm the offered dates, or withdraw)."""
    if action == "confirm":
        start, end = request.offered_dates
        request.move(action, VisitActor.VISITOR)
        request.starts_on, request.ends_on = start, end
        return request
    request.move(action, VisitActor.VISITOR)
    return request


def write_programme(request: VisitRequest, text: str, *, tell: bool) -> None:
    """Write the visit's programme (Markdown); tell the visitor when asked to."""
    if VisitState(request.state) not in (
        VisitState.ACCEPTED,
        VisitState.PROPOSED,
        VisitState.CONFIRMED,
    ):
        raise NotAllowed(request.state, "programme", VisitActor.UNIT)
    request.programme = text
    if tell:
        _tell_visitor(request)


def give_feedback(request: VisitRequest, fields: dict[str, Any]) -> None:
    """Save the visitor's feedback on a recorded visit (given again, it replaces the first)."""
    if request.state != VisitState.RECORDED:
        raise NotAllowed(request.state, "feedback", VisitActor.VISITOR)
    if request.feedback is None:
        request.feedback = VisitFeedback(**fields)
    else:
        for key, value in fields.items():
            setattr(request.feedback, key, value)


def visit_days(request: VisitRequest) -> list[date]:
    """Return the days of a confirmed visit."""
    if request.starts_on is None or request.ends_on is None:
        return []
    span = (request.ends_on - request.starts_on).days
    return [request.starts_on + timedelta(days=n) for n in range(span + 1)]


# --- figures --------------------------------------------------------------------------------


def _year_of(request: VisitRequest) -> int:
    return (request.starts_on or request.preferred_start).year


def _counted(institution_id: int) -> list[tuple[VisitRequest, int]]:
    """Return the host's confirmed requests with the days present of each."""
    rows = db.session.execute(
        select(VisitRequest, func.count(VisitDay.id))
        .outerjoin(VisitDay, VisitDay.request_id == VisitRequest.id)
        .where(
            VisitRequest.institution_id == institution_id,
            VisitRequest.state != VisitState.UNVERIFIED,
        )
        .group_by(VisitRequest.id)
    ).all()
    return [(request, int(days)) for request, days in rows]


def _counts(rows: list[tuple[VisitRequest, int]]) -> VisitCounts:
    recorded = [(r, d) for r, d in rows if r.state == VisitState.RECORDED]
    return VisitCounts(requests=len(rows), hosted=len(recorded), days=sum(d for _r, d in recorded))


@dataclass(frozen=True)
class UnitYear:
    unit: str
    year: int
    counts: VisitCounts


def figures(institution: Institution) -> list[UnitYear]:
    """Return requests, visits hosted and days per unit (routed, else suggested) and year."""
    groups: dict[tuple[str, int], list[tuple[VisitRequest, int]]] = {}
    for request, days in _counted(institution.id):
        unit = request.unit or request.suggested_unit
        name = unit.name if unit else ""
        groups.setdefault((name, _year_of(request)), []).append((request, days))
    return [
        UnitYear(unit, year, _counts(rows))
        for (unit, year), rows in sorted(groups.items(), key=lambda g: (-g[0][1], g[0][0]))
    ]


def visit_indicators(institution_id: int) -> list[Indicator]:
    """Return the computed indicators of visits in the institution's plans."""
    return list(
        db.session.scalars(
            select(Indicator)
            .join(Plan, Plan.id == Indicator.plan_id)
            .where(Plan.institution_id == institution_id, Indicator.source.like(PREFIX + "%"))
            .order_by(Indicator.id)
        )
    )


def add_visit_indicators(plan: Plan) -> list[Indicator]:
    """Give a plan the computed indicators of visits it lacks (yearly, of the plan as a whole)."""
    have = {i.source for i in visit_indicators(plan.institution_id) if i.plan_id == plan.id}
    return add_computed_indicators(plan, SOURCES, have)


def refresh_indicators(institution_id: int) -> int:
    """Recompute the host's visit indicators from its requests; return the values changed.
    Approved (locked) periods stay as approved."""
    db.session.flush()
    indicators = visit_indicators(institution_id)
    if not indicators:
        return 0
    rows = _counted(institution_id)
    changed = 0
    approvals: dict[int, Any] = {}
    for indicator in indicators:
        source = computed.source_of(indicator)
        if source is None:
            continue
        if indicator.plan_id not in approvals:
            approvals[indicator.plan_id] = approvals_of(indicator.plan)
        groups: dict[str, tuple[Any, list[tuple[VisitRequest, int]]]] = {}
        for request, days in rows:
            start = request.starts_on or request.preferred_start
            end = request.ends_on or request.preferred_end
            period = computed.period_for(indicator, start, end)
            groups.setdefault(period.key, (period, []))[1].append((request, days))
        existing = {
            m.period_key: m
            for m in db.session.scalars(
                select(Measurement).where(Measurement.indicator_id == indicator.id)
            )
        }
        for key, (period, group) in groups.items():
            if lock_for(approvals[indicator.plan_id], period.end):
                continue
            value, basis = source.compute(_counts(group))
            changed += computed.write_value(indicator, period, existing.get(key), value, basis)
        for key, measurement in existing.items():
            if key not in groups and not lock_for(
                approvals[indicator.plan_id], measurement.period_end
            ):
                db.session.delete(measurement)
                changed += 1
    db.session.flush()
    return changed
