"""Fixtures of the participation tests: a hosted event with two tracks, its organiser, members
of other roles and institutions, and participants from several countries and scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask_babel import get_domain

from app.applications.models import Application, Decision
from app.core.extensions import db
from tests.conftest import login
from tests.events.factories import (
    make_applicant,
    make_application,
    make_event,
    make_participant,
    make_track,
)

PARTS = Path(__file__).resolve().parents[2] / "i18n-parts"
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


@pytest.fixture
def catalogues(app, tmp_path):
    """Let the app read this part's Finnish and Swedish translations, compiled for the test."""
    for language in ("fi", "sv"):
        part = PARTS / f"h5.{language}.po"
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with part.open("rb") as source, (folder / "messages.mo").open("wb") as target:
            write_mo(target, read_po(source, locale=language))

    def forget() -> None:
        g.pop("_flask_babel", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)
    babel = app.extensions["babel"]
    before = list(babel.translation_directories)
    babel.translation_directories = [*before, str(tmp_path)]
    get_domain().cache.clear()
    yield
    babel.translation_directories = before
    get_domain().cache.clear()
    app.before_request_funcs[None].remove(forget)


def translated(language: str, english: str) -> str:
    """Return what this part's catalogue says for an English message."""
    with (PARTS / f"h5.{language}.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    message = catalog.get(english)
    assert message is not None and message.string, f"{english!r} not translated in {language}"
    return message.string if isinstance(message.string, str) else message.string[0]
