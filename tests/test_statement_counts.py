"""Signed-in pages run a few SQL statements, and no more when their plan or list grows.

The dashboard's own count is in tests/indicators/test_queries.py; this module holds the other
pages a planner lives in to the same pattern: each page's statements are counted on a small
world and again after it has grown by many activities, indicators, values and events, and
the two counts must be equal (no statement per row) and within the page's bound.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from app.core.extensions import db
from app.events.models import Event
from app.indicators.models import Indicator, IndicatorTarget, Measurement
from app.institutions.models import Institution
from app.planner.models import Activity, ChecklistItem
from tests.conftest import login
from tests.events.factories import make_event, make_track

# Each page and the most statements it may run: what it runs today with one to spare, far
# below one per row (the grown world adds 60 activities, indicators and 15 events). The
# indicators page ran 17 before issue 16: the planner's eager loads of what it does not show.
PAGES = {
    "plan page": ("/plans/{plan}", 12),
    "plan page by month": ("/plans/{plan}?group=month", 12),
    "plan page 2": ("/plans/{plan}?page=2", 12),
    "indicators": ("/plans/{plan}/indicators", 11),
    "overview": ("/institutions/{slug}/overview", 16),
    "activity": ("/plans/{plan}/activities/{activity}/edit", 16),
    "events of an institution": ("/institutions/{slug}/events", 10),
    "event, organiser's page": ("/institutions/{slug}/events/{event}", 15),
}
# Tables the indicators page shows nothing of.
UNSHOWN = (
    "units",
    "network_memberships",
    "strategic_partnerships",
    "activity_checklist_items",
    "activity_status_changes",
)
GROWTH = 60  # more than a page of the plan's activity list (50)


def _grow(ids: dict, event_id: int) -> None:
    """Add many activities (with checklists, units, repeats), indicators with targets and
    values, events and tracks to institution A's plan and event."""
    plan_id = ids["plan"]
    institution = db.session.get(Event, event_id).institution
    for n in range(GROWTH):
        db.session.add(
            Activity(
                plan_id=plan_id,
                title=f"Activity {n}",
                start_date=date(2027, 1 + n % 12, 1 + n % 28),
                recurrence="FREQ=MONTHLY" if n % 7 == 0 else None,
                unit_ids=[ids["unit"]],
                budget_planned=Decimal(100 + n),
                checklist=[ChecklistItem(text="Book a room", position=1)],
            )
        )
        indicator = Indicator(
            plan_id=plan_id,
            name=f"Indicator {n}",
            frequency="monthly",
            target_value=Decimal(12),
            targets=[IndicatorTarget(period_key="2027-03", value=Decimal(1))],
        )
        db.session.add(indicator)
        for month in (1, 2, 3):
            db.session.add(
                Measurement(
                    indicator=indicator,
                    period_key=f"2027-{month:02d}",
                    period_start=date(2027, month, 1),
                    period_end=date(2027, month, 28),
                    value=Decimal(n),
                )
            )
    db.session.commit()
    event = db.session.get(Event, event_id)
    for n in range(GROWTH // 4):
        make_event(
            institution,
            title=f"Event {n}",
            starts_on=date(2026, 6, 1 + n),
            ends_on=date(2026, 6, 2 + n),
        )
        make_track(event, title=f"Track {n}")


def _counts(client: FlaskClient, count_queries, values: dict) -> dict[str, int]:
    counts = {}
    for name, (path, _most) in PAGES.items():
        # As in a worker, each request starts with no transaction open (the tests share one
        # app context): the data version is then read outside the session, not counted here.
        db.session.remove()
        with count_queries() as counted:
            response = client.get(path.format(**values))
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(counted.statements)
    return counts


@pytest.fixture
def world(client, two_institutions):
    people, ids = two_institutions
    institution = db.session.get(Activity, ids["activity"]).plan.institution
    event = make_event(institution)
    make_track(event)
    login(client, people["manager"].email)
    return ids, event.id


def test_signed_in_pages_run_few_statements_however_many_rows(client, world, count_queries):
    ids, event_id = world
    values = {**ids, "event": event_id}
    few = _counts(client, count_queries, values)
    _grow(ids, event_id)
    many = _counts(client, count_queries, values)
    assert many == few, {name: (few[name], many[name]) for name in few if few[name] != many[name]}
    over = {name: n for name, n in many.items() if n > PAGES[name][1]}
    assert not over, over


def test_the_indicators_page_reads_none_of_the_planners_details(client, world, count_queries):
    ids, _event_id = world
    with count_queries() as counted:
        assert client.get(f"/plans/{ids['plan']}/indicators").status_code == 200
    read = [s for s in counted.statements if any(f"FROM {table} " in s for table in UNSHOWN)]
    assert read == []


# --- the public list of institutions -----------------------------------------------------------

# The count, the page's rows, the networks and their parents (4 with networks), and one to spare.
INSTITUTIONS_MOST = 5


def _institutions_page(client: FlaskClient, count_queries) -> list[str]:
    with count_queries() as counted:
        response = client.get("/institutions?page=2&per_page=5")
    assert response.status_code == 200
    return counted.statements


def test_the_institutions_list_reads_one_page_however_many_institutions(
    client, make_institution, count_queries
):
    for n in range(12):
        make_institution(f"uni-{n:03d}")
    few = _institutions_page(client, count_queries)
    for n in range(12, 12 + GROWTH * 5):
        db.session.add(
            Institution(
                slug=f"uni-{n:03d}",
                name=f"Uni {n:03d}",
                country="Finland",
                kind="research-university",
                description="Not shown on the list. " * 50,
            )
        )
    db.session.commit()
    many = _institutions_page(client, count_queries)
    assert len(many) == len(few) <= INSTITUTIONS_MOST, many
    rows = [s for s in many if "FROM institutions" in s and "count(" not in s.lower()]
    assert len(rows) == 1, many
    # Only the page's rows, and only the columns the list shows.
    assert "LIMIT" in rows[0] and "OFFSET" in rows[0]
    assert "institutions.description" not in rows[0]
