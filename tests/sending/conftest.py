"""Fixtures of sending staff: Helsinki hosts a staff week; Jyväskylä's planner sends staff to
it; a third institution (Tampere) has a plan of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from app.core.extensions import db
from tests.events.factories import make_event, make_track


@dataclass
class Sendings:
    host: Any
    sender: Any
    third: Any
    event: Any
    track: Any
    plan: Any  # the sender's plan for 2026
    host_plan: Any
    third_plan: Any
    people: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def sendings(app, make_institution, make_user, make_plan, catalogue) -> Sendings:
    host = make_institution("helsinki", name="University of Helsinki")
    sender = make_institution("jyu", name="University of Jyväskylä")
    third = make_institution("tuni", name="Tampere University")
    people = {
        "planner": make_user("planner@jyu.example", institution=sender, role="planner"),
        "viewer": make_user("viewer@jyu.example", institution=sender, role="viewer"),
        "host_planner": make_user("planner@helsinki.example", institution=host, role="planner"),
        "host_organiser": make_user(
            "organiser@helsinki.example", institution=host, role="event_organiser"
        ),
        "third_planner": make_user("planner@tuni.example", institution=third, role="planner"),
    }
    event = make_event(host, title="Helsinki Staff Week 2026")
    track = make_track(event)
    period = {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)}
    plan = make_plan(sender, title="JYU staff development 2026", **period)
    host_plan = make_plan(host, title="Helsinki plan 2026", **period)
    third_plan = make_plan(third, title="Tampere plan 2026", **period)
    db.session.commit()
    return Sendings(host, sender, third, event, track, plan, host_plan, third_plan, people)
