"""A host institution with an event of two tracks, its organiser, a committee, and applicants
from other institutions: what the selection tests share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import get_domain

from app.accounts import services as accounts
from app.core.extensions import db
from tests.events.factories import (
    make_applicant,
    make_application,
    make_criterion,
    make_event,
    make_member,
    make_track,
)


@dataclass
class Scene:
    """The rows a selection test starts from."""

    host: Any
    other: Any
    event: Any
    mobility: Any  # track 1, two places
    teaching: Any  # track 2
    organiser: Any
    member: Any  # on the committee of `mobility`, also a member of `other`
    teaching_member: Any  # on the committee of `teaching`
    bystander: Any  # a viewer of the host, on no committee
    outsider: Any  # a manager of another institution
    fit: Any  # criterion, weight 3
    motivation: Any  # criterion, weight 1


@pytest.fixture
def scene(app: Flask, make_institution, make_user) -> Scene:
    """Build the host, the event and its people (no applications)."""
    host = make_institution("uni-a", name="University of Helsinki")
    other = make_institution("uni-b", name="Universität Anderswo")
    third = make_institution("uni-c", name="Third University")
    organiser = make_user("organiser@helsinki.fi", institution=host, role="event_organiser")
    member = make_user("member@helsinki.fi", institution=host, role="viewer")
    accounts.set_role(member, other, "viewer", by="test")
    teaching_member = make_user("teacher@helsinki.fi", institution=host, role="planner")
    bystander = make_user("bystander@helsinki.fi", institution=host, role="viewer")
    outsider = make_user("outsider@third.example", institution=third, role="manager")
    db.session.commit()
    event = make_event(host, programme="Day 1: networks\nDay 2: visits", confirm_days=7)
    mobility = make_track(event, "Global mobility networks", capacity=2)
    teaching = make_track(event, "Language and communication teaching", capacity=2)
    make_member(mobility, member)
    make_member(teaching, teaching_member)
    fit = make_criterion(event, "Fit with the track", weight=3)
    motivation = make_criterion(event, "Motivation", weight=1)
    return Scene(
        host,
        other,
        event,
        mobility,
        teaching,
        organiser,
        member,
        teaching_member,
        bystander,
        outsider,
        fit,
        motivation,
    )


def apply(track: Any, email: str, **overrides: Any) -> Any:
    """Add an application to a track by a new applicant of that address."""
    language = overrides.pop("language", "en")
    applicant, _token = make_applicant(track.event, email, language=language)
    return make_application(track, email, applicant=applicant, language=language, **overrides)


def apply_with_token(track: Any, email: str, **overrides: Any) -> tuple[Any, str]:
    """Add an application and return it with the secret token of its link."""
    language = overrides.pop("language", "en")
    applicant, token = make_applicant(track.event, email, language=language)
    application = make_application(
        track, email, applicant=applicant, language=language, **overrides
    )
    return application, token


PARTS = Path(__file__).resolve().parents[2] / "i18n-parts"


@pytest.fixture
def catalogues(app: Flask, tmp_path: Path) -> Iterator[None]:
    """Let the app read this part's Finnish and Swedish translations, compiled for the test."""
    for language in ("fi", "sv"):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (PARTS / f"h4.{language}.po").open("rb") as source:
            catalog = read_po(source, locale=language)
        with (folder / "messages.mo").open("wb") as target:
            write_mo(target, catalog)
    babel = app.extensions["babel"]
    before = list(babel.translation_directories)
    # What BABEL_TRANSLATION_DIRECTORIES would say, set after the app read its configuration.
    babel.translation_directories = [*before, str(tmp_path)]
    get_domain().cache.clear()  # translations are cached per locale, whichever directories
    yield
    babel.translation_directories = before
    get_domain().cache.clear()
