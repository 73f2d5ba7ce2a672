"""Fixtures of the visits tests: a host with two units that accept visits, each with its
contact, its international office (a manager), a member who is no contact, and an outsider."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.extensions import db
from app.institutions.models import Unit
from app.mail.models import OutboxMessage
from app.visits.models import VisitContact, VisitRequest, VisitUnit
from tests.conftest import login

# Requests are made on 1 March 2027 for a visit of 10 to 12 May 2027.
BEFORE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
AFTER = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)
START, END = date(2027, 5, 10), date(2027, 5, 12)
LINK = re.compile(r"/visits/([A-Za-z0-9_-]{20,})")


@dataclass
class Host:
    slug: str
    institution: Any
    units: dict[str, Any]
    people: dict[str, Any] = field(default_factory=dict)

    def url(self, tail: str = "") -> str:
        return f"/institutions/{self.slug}/visits{tail}"


@pytest.fixture
def host(app, make_institution, make_user) -> Host:
    institution = make_institution("uni-a", name="University of Helsinki")
    other = make_institution("uni-b")
    language = Unit(institution=institution, name="Language Centre", kind="language-centre")
    office = Unit(institution=institution, name="Student Services", kind="other")
    closed = Unit(institution=institution, name="Library", kind="other")
    db.session.add_all([language, office, closed])
    db.session.commit()
    people = {
        "manager": make_user("manager@a.example", institution=institution, role="manager"),
        "contact": make_user("contact@a.example", institution=institution, role="viewer"),
        "other_contact": make_user("other@a.example", institution=institution, role="viewer"),
        "viewer": make_user("viewer@a.example", institution=institution, role="viewer"),
        "outsider": make_user("manager@b.example", institution=other, role="manager"),
    }
    for unit, person in ((language, "contact"), (office, "other_contact")):
        offer = VisitUnit(
            unit=unit,
            accepts_visits=True,
            topics=["language teaching"],
            languages=["English", "Finnish"],
            months=[5, 9],
        )
        offer.contacts = [VisitContact(user_id=people[person].id)]
        db.session.add(offer)
    db.session.add(VisitUnit(unit=closed, accepts_visits=False, topics=[], languages=[], months=[]))
    db.session.commit()
    return Host(
        "uni-a",
        institution,
        {"language": language, "office": office, "closed": closed},
        people,
    )


def request_form(host: Host, **changes: Any) -> dict[str, Any]:
    data = {
        "email": "Visitor@Elsewhere.example",
        "name": "Vera Visitor",
        "home_institution": "Universidad de Ejemplo",
        "role": "Language teacher",
        "topic": "Observing language teaching",
        "message": "I teach Finnish as a foreign language.",
        "preferred_start": START.isoformat(),
        "preferred_end": END.isoformat(),
        "suggested_unit": str(host.units["language"].id),
        "call_first": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def latest_link(email: str = "visitor@elsewhere.example") -> str:
    """Return the token of the newest email to an address."""
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, "no email"
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def as_user(client, person) -> None:
    client.post("/logout")
    login(client, person.email)


def make_request(client, host: Host, *, verify: bool = True, **changes: Any) -> tuple[Any, str]:
    """Request a visit through the public form (on BEFORE); return the request and token."""
    with freeze_time(BEFORE):
        response = client.post(host.url("/request"), data=request_form(host, **changes))
        assert response.status_code == 302, response.get_data(as_text=True)
        email = (changes.get("email") or "visitor@elsewhere.example").lower()
        token = latest_link(email)
        if verify:
            assert client.get(f"/visits/{token}").status_code == 200
    visit = db.session.scalars(select(VisitRequest).order_by(VisitRequest.id.desc())).first()
    return visit, token
