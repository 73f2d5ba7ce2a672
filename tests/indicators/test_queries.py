"""Pages load only what they show: the dashboard's statements, counted."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.extensions import db
from app.indicators import views
from app.planner.models import Activity, ChecklistItem
from tests.indicators.test_views import _as, _grid, _plan_indicator

# Before issue 12 the dashboard ran 19 statements, 10 of them the planner's eager loads of
# what its pages show (units, networks, partners, checklists, ...): now 11, one more since
# issue 14 for the values of computed indicators with their record counts, and one more
# since issue 16 for the plan's own data version (app/core/data_version.py), read besides
# the version of all that the account is kept under.
MOST = 13
# Tables the dashboard shows nothing of.
UNSHOWN = (
    "units",
    "network_memberships",
    "networks",
    "strategic_partnerships",
    "activity_checklist_items",
    "activity_proposed_indicators",
    "activity_status_changes",
)


@pytest.fixture(autouse=True)
def mid_2027(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))


def _dashboard(client, ids, count_queries):
    with count_queries() as counted:
        response = client.get(f"/plans/{ids['plan']}/dashboard")
    assert response.status_code == 200
    return counted.statements


def test_the_dashboard_runs_a_few_statements_however_many_rows(client, setup, count_queries):
    people, ids = setup
    _as(client, people, "planner")
    first = _plan_indicator(client, ids)
    client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid({f"value-{first.id}-2027-Q1": "5"}),
    )
    _as(client, people, "viewer")
    few = _dashboard(client, ids, count_queries)
    assert len(few) <= MOST, "\n".join(few)
    assert not [s for s in few if any(f"FROM {table} " in s for table in UNSHOWN)]

    _as(client, people, "planner")
    for n in range(8):
        indicator = _plan_indicator(client, ids, name=f"Indicator {n}")
        client.post(
            f"/plans/{ids['plan']}/values?window=2027-Q2",
            data=_grid({f"value-{indicator.id}-2027-Q2": str(n)}),
        )
    plan_activity = db.session.get(Activity, ids["activity"])
    for n in range(6):
        db.session.add(
            Activity(
                plan_id=plan_activity.plan_id,
                title=f"Workshop {n}",
                checklist=[ChecklistItem(text="Book a room", position=1)],
            )
        )
    db.session.commit()
    _as(client, people, "viewer")
    many = _dashboard(client, ids, count_queries)
    assert len(many) == len(few), "\n".join(many)
