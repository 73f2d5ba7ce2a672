"""Fixtures of the events tests: an institution with a member of every role, and another."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask


@pytest.fixture
def people(app: Flask, make_institution, make_user) -> dict[str, Any]:
    """The host institution uni-a with a member per role, another institution, an admin."""
    host = make_institution("uni-a", name="University A")
    other = make_institution("uni-b", name="University B")
    found: dict[str, Any] = {"host": host, "other": other}
    for role in ("manager", "event_organiser", "planner", "viewer"):
        found[role] = make_user(f"{role}@a.example", institution=host, role=role)
    found["outsider"] = make_user("manager@b.example", institution=other, role="manager")
    found["admin"] = make_user("admin@example.org", is_admin=True)
    return found


@pytest.fixture
def apply_route(app: Flask) -> str:
    """Return the address pattern of the application form (the applications package's)."""
    assert "applications.request_link" in app.view_functions
    return "/events/{id}/apply"
