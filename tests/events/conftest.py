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
    """Make sure the application form's endpoint exists (it is the applications package's).

    On a branch without it, a stand-in answers at the same address, so that the call page's
    link can be checked either way.
    """
    if "applications.request_link" not in app.view_functions:
        app.add_url_rule(
            "/events/<int:event_id>/apply",
            endpoint="applications.request_link",
            view_func=lambda event_id: "apply",
        )
    return "/events/{id}/apply"
