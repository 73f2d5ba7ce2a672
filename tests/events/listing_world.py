"""A small world of calls across institutions and networks, shared by the listing, feed and
institution page tests: Helsinki (Una Europa) hosts an open staff week, Tartu (Una Europa)
an online workshop that opens later, Lyon (no network) a closed event in French, and a draft.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.core.extensions import db, utcnow
from app.events.models import EventStatus
from app.institutions.models import Network, NetworkMembership
from tests.events.factories import make_event, make_track


def build(make_institution: Any) -> dict[str, Any]:
    """Add the institutions, networks and events; return them by name."""
    now = utcnow().replace(microsecond=0)
    today = now.date()
    helsinki = make_institution("university-of-helsinki", name="University of Helsinki")
    tartu = make_institution("university-of-tartu", name="University of Tartu")
    lyon = make_institution("universite-de-lyon", name="Université de Lyon")
    tartu.country, lyon.country = "Estonia", "France"
    una = Network(slug="una-europa", name="Una Europa", kind="alliance")
    unica = Network(slug="unica", name="UNICA", kind="network")
    db.session.add_all([una, unica])
    db.session.flush()
    db.session.add_all(
        [
            NetworkMembership(institution=helsinki, network=una),
            NetworkMembership(institution=tartu, network=una),
            NetworkMembership(institution=helsinki, network=unica),
        ]
    )
    db.session.commit()
    staff_week = make_event(
        helsinki,
        title="International Staff Training Days",
        starts_on=today + timedelta(days=60),
        ends_on=today + timedelta(days=62),
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=3),
        languages=["en"],
    )
    make_track(
        staff_week,
        "Global mobility networks",
        target_group="International office staff",
        topics=["Mobility networks", "Työhyvinvointi"],
    )
    workshop = make_event(
        tartu,
        title="Digital credentials workshop",
        starts_on=today + timedelta(days=90),
        ends_on=today + timedelta(days=90),
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=40),
        format="online",
        languages=["en", "et"],
        timezone="Europe/Tallinn",
    )
    make_track(workshop, "Credentials", target_group="Registrars", topics=["Micro-credentials"])
    closed = make_event(
        lyon,
        title="Semaine internationale",
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=28),
        opens_at=now - timedelta(days=120),
        closes_at=now - timedelta(days=60),
        languages=["fr"],
        timezone="Europe/Paris",
    )
    make_track(closed, "Accueil", target_group="Library staff", topics=["Libraries"])
    draft = make_event(
        helsinki,
        title="A draft nobody sees",
        status=EventStatus.DRAFT,
        starts_on=today + timedelta(days=100),
        ends_on=today + timedelta(days=100),
    )
    return {
        "now": now,
        "today": today,
        "helsinki": helsinki,
        "tartu": tartu,
        "lyon": lyon,
        "staff_week": staff_week,
        "workshop": workshop,
        "closed": closed,
        "draft": draft,
        "una": una,
        "unica": unica,
    }


def within(today: date, days: int) -> str:
    """Return a date some days from today, as the form sends it."""
    return (today + timedelta(days=days)).isoformat()
