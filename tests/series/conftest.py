"""Fixtures of the series tests: four institutions, three of them in a series that
EURAXESS-Germany-like workshops rotate among, with a member of each role, and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.core.extensions import db


@pytest.fixture
def network_people(app: Flask, make_institution, make_user) -> dict[str, Any]:
    """The coordinator uni-a and members uni-b, uni-c; uni-d is outside. People of each."""
    found: dict[str, Any] = {}
    for slug in ("uni-a", "uni-b", "uni-c", "uni-d"):
        found[slug] = make_institution(slug, name=f"University {slug[-1].upper()}")
    for role in ("manager", "event_organiser", "planner", "viewer"):
        found[role] = make_user(f"{role}@a.example", institution=found["uni-a"], role=role)
    found["b-organiser"] = make_user(
        "organiser@b.example", institution=found["uni-b"], role="event_organiser"
    )
    found["b-viewer"] = make_user("viewer@b.example", institution=found["uni-b"], role="viewer")
    found["outsider"] = make_user("manager@d.example", institution=found["uni-d"], role="manager")
    found["admin"] = make_user("admin@example.org", is_admin=True)
    return found


@pytest.fixture
def make_series(app: Flask):
    """Return a factory: make_series(coordinator, *members, **fields), committed."""
    from app.series import services

    def make(coordinator: Any, *members: Any, **fields: Any):
        fields.setdefault("name", "EURAXESS workshop for staff advisors")
        series = services.create_series(coordinator, **fields)
        for member in members:
            services.add_member(series, member)
        db.session.commit()
        return series

    return make
