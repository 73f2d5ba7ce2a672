"""The note on a call's page that tells a signed-in reader how their institution stands to
the host: strategic partners (either names the other), fellow network members (which
networks), or neither; nothing for an anonymous reader nor for the host's own members."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.core.extensions import db
from app.institutions.models import StrategicPartnership
from tests.conftest import login
from tests.events.listing_world import build

NOTE = 'class="ties-note"'


@pytest.fixture
def world(app: Flask, make_institution, make_user) -> dict[str, Any]:
    """The listing's world with a planner at Tartu, at Lyon, and at Helsinki (the host)."""
    found = build(make_institution)
    for name in ("tartu", "lyon", "helsinki"):
        make_user(f"planner@{name}.example", institution=found[name], role="planner")
    return found


def call_page(client, world) -> str:
    """Return the staff week's public page as the signed-in reader sees it."""
    response = client.get(f"/events/{world['staff_week'].id}")
    assert response.status_code == 200
    return response.text


def test_anonymous_readers_see_no_note(client, world) -> None:
    assert NOTE not in call_page(client, world)


def test_a_fellow_network_member_is_told_the_shared_networks(client, world) -> None:
    login(client, "planner@tartu.example")
    page = call_page(client, world)
    assert NOTE in page
    assert (
        "University of Tartu and University of Helsinki are fellow members of Una Europa." in page
    )
    assert "UNICA" not in page.split(NOTE)[1].split("</aside>")[0]


def test_a_strategic_partner_is_told_so_whichever_side_names_the_other(client, world) -> None:
    db.session.add(
        StrategicPartnership(institution=world["helsinki"], partner_name="université  de LYON")
    )
    db.session.commit()
    login(client, "planner@lyon.example")
    assert "Université de Lyon and University of Helsinki are strategic partners." in call_page(
        client, world
    )


def test_partner_and_network_member_at_once(client, world) -> None:
    db.session.add(
        StrategicPartnership(institution=world["tartu"], partner_name="University of Helsinki")
    )
    db.session.commit()
    login(client, "planner@tartu.example")
    assert (
        "University of Tartu and University of Helsinki are strategic partners, and fellow "
        "members of Una Europa." in call_page(client, world)
    )


def test_no_tie_is_said_plainly(client, world) -> None:
    login(client, "planner@lyon.example")
    assert (
        "Université de Lyon is neither a strategic partner of University of Helsinki nor a "
        "member of any of its networks." in call_page(client, world)
    )


def test_the_hosts_own_members_see_no_note(client, world) -> None:
    login(client, "planner@helsinki.example")
    assert NOTE not in call_page(client, world)
