"""An event to apply to: two tracks, the first with a question of every kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.events.models import Event, Question, QuestionKind, Track
from tests.events.factories import make_event, make_question, make_track


@dataclass
class Call:
    """The event applied to in these tests, its tracks and the first track's questions."""

    event: Event
    first: Track
    second: Track
    short: Question
    long: Question
    one: Question
    several: Question
    yes_no: Question
    other: Question  # the second track's only question (required)


@pytest.fixture
def call(make_institution: Any) -> Call:
    """A published event in its window's Helsinki dates, with two tracks of questions."""
    return make_call(make_institution)


def make_call(make_institution: Any) -> Call:
    """Add the event of `call` (for tests elsewhere, such as the browser's)."""
    event = make_event(make_institution("helsinki", name="University of Helsinki"))
    first = make_track(event, "Global mobility networks")
    second = make_track(event, "Communications")
    short = make_question(first, "Your mobility role in one line", max_length=40)
    long = make_question(first, "What will you share?", kind=QuestionKind.LONG_TEXT, max_length=300)
    one = make_question(
        first, "Your network", kind=QuestionKind.ONE_CHOICE, choices=["Una Europa", "UNICA"]
    )
    several = make_question(
        first,
        "Topics",
        kind=QuestionKind.SEVERAL_CHOICES,
        choices=["Green mobility", "Inclusion", "Digital"],
    )
    yes_no = make_question(first, "Have you hosted a staff week?", kind=QuestionKind.YES_NO)
    other = make_question(second, "Which channels do you run?")
    return Call(event, first, second, short, long, one, several, yes_no, other)


def form_of(call: Call, **overrides: Any) -> dict[str, Any]:
    """Return a complete, valid application form for the first track."""
    data: dict[str, Any] = {
        "based_on": "",
        "shown_track": str(call.first.id),
        "name": "Aino Applicant",
        "current_role": "Mobility coordinator",
        "background": "Ten years in an international office.",
        "institution_name": "University of Elsewhere",
        "country": "DE",
        "other_networks": "",
        "track": str(call.first.id),
        "consent": "y",
        f"q{call.short.id}": "Incoming staff",
        f"q{call.long.id}": "Our welcome week.",
        f"q{call.one.id}": "UNICA",
        f"q{call.several.id}": ["Inclusion", "Digital"],
        f"q{call.yes_no.id}": "no",
        "submit": "Send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
