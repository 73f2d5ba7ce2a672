"""Fixtures of the participation tests: a hosted event with two tracks, its organiser, members
of other roles and institutions, and participants from several countries and scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.applications.models import Application, Decision
from app.core.extensions import db
from app.mail.models import OutboxMessage
from tests.catalogues import catalogue_path
from tests.conftest import login
from tests.events.factories import (
    make_applicant,
    make_application,
    make_event,
    make_participant,
    make_track,
)

# The event of the factories runs 6 to 8 May 2026 in Helsinki (UTC+3 in May).
DURING_EVENT = datetime(2026, 5, 7, 9, 0, tzinfo=UTC)
AFTER_EVENT = datetime(2026, 5, 9, 9, 0, tzinfo=UTC)


@dataclass
class Hosted:
    """An event with its people, as the tests use them."""

    event: Any
    tracks: list[Any]
    slug: str
    people: dict[str, Any] = field(default_factory=dict)
    participants: list[Application] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)

    def url(self, tail: str = "") -> str:
        """Return an organiser address of the event."""
        return f"/institutions/{self.slug}/events/{self.event.id}{tail}"


@pytest.fixture
def hosted(app, make_institution, make_user) -> Hosted:
    """The host uni-a with an organiser, a planner and a manager; uni-b's manager outside;
    an event with two tracks and three participants (one not on the list), one applicant
    on the waiting list."""
    host = make_institution("uni-a", name="University of Helsinki")
    other = make_institution("uni-b")
    people = {
        "organiser": make_user("organiser@a.example", institution=host, role="event_organiser"),
        "manager": make_user("manager@a.example", institution=host, role="manager"),
        "planner": make_user("planner@a.example", institution=host, role="planner"),
        "outsider": make_user("manager@b.example", institution=other, role="manager"),
    }
    event = make_event(
        host,
        meeting_url="https://meet.example/prep",
        signatory_name="Ritva Rehtori",
        signatory_title="Head of International Affairs",
    )
    tracks = [make_track(event), make_track(event, "Communications")]
    world = Hosted(event=event, tracks=tracks, slug=host.slug, people=people)
    for email, name, track, country, language, consent in (
        ("lodz@uni.example", "Łucja Łódź-Ærø", tracks[0], "PL", "en", True),
        ("eleni@uni.example", "Ελένη Παπαδοπούλου", tracks[1], "GR", "fi", True),
        ("chen@uni.example", "陈静", tracks[0], "CN", "sv", False),
    ):
        application, token = make_participant(
            track,
            email,
            name=name,
            country=country,
            language=language,
            list_consent=consent,
            institution_name=f"University of {country}",
        )
        world.participants.append(application)
        world.tokens[application.id] = token
    applicant, token = make_applicant(event, "waiting@uni.example")
    waiting = make_application(
        tracks[0],
        "waiting@uni.example",
        applicant=applicant,
        name="Wanda Waiting",
        decision=Decision.WAITING_LIST,
        waiting_rank=1,
        list_consent=True,
    )
    world.people["waiting"] = waiting
    world.tokens[waiting.id] = token
    db.session.commit()
    return world


def sign_in(client, hosted: Hosted, who: str = "organiser") -> None:
    """Sign a member of the world in."""
    response = login(client, hosted.people[who].email)
    assert response.status_code == 302


def translated(language: str, english: str) -> str:
    """Return what this part's catalogue says for an English message."""
    with catalogue_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    message = catalog.get(english)
    assert message is not None and message.string, f"{english!r} not translated in {language}"
    return message.string if isinstance(message.string, str) else message.string[0]


def mailed_token(address: str) -> str:
    """Return the token of the newest link mailed to an address (a mailed link replaces the
    earlier one)."""
    body = db.session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    found = re.search(r"/applications/([A-Za-z0-9_-]+)", body or "")
    assert found, f"no link mailed to {address}"
    return found.group(1)
