"""The public listing of every institution's calls (/events): each filter, filters together,
the order, pages, and refused input answered with a message, never a server error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.extensions import db
from app.events.listing import PER_PAGE_CHOICES
from tests.events.factories import make_event
from tests.events.listing_world import build, within

TITLES = (
    "International Staff Training Days",
    "Digital credentials workshop",
    "Semaine internationale",
)


@pytest.fixture
def world(app: Flask, make_institution) -> dict[str, Any]:
    """Three institutions' calls and a draft."""
    return build(make_institution)


def listed(client: FlaskClient, query: str = "", status: int = 200) -> list[str]:
    """Return the titles of the calls a listing address shows, in order."""
    response = client.get(f"/events{query}")
    assert response.status_code == status, response.text[:500]
    return [t for t in re.findall(r'<h3><a href="/events/\d+">([^<]+)</a></h3>', response.text)]


def test_every_institutions_published_calls_are_listed_closing_first(client, world) -> None:
    assert listed(client) == [
        "International Staff Training Days",  # closes in 3 days
        "Digital credentials workshop",  # closes in 40 days
        "Semaine internationale",  # closed
    ]


def test_a_draft_is_not_listed(client, world) -> None:
    assert "A draft nobody sees" not in listed(client)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?topic=mobility", ["International Staff Training Days"]),
        ("?topic=ty%C3%B6hyvinvointi", ["International Staff Training Days"]),
        ("?topic=MICRO", ["Digital credentials workshop"]),
        ("?target_group=registrars", ["Digital credentials workshop"]),
        ("?country=Estonia", ["Digital credentials workshop"]),
        ("?country=france", ["Semaine internationale"]),
        (
            "?network=una-europa",
            ["International Staff Training Days", "Digital credentials workshop"],
        ),
        ("?network=unica", ["International Staff Training Days"]),
        ("?state=open", ["International Staff Training Days"]),
        ("?state=soon", ["Digital credentials workshop"]),
        ("?state=closing", ["International Staff Training Days"]),
        ("?state=closed", ["Semaine internationale"]),
        ("?format=online", ["Digital credentials workshop"]),
        ("?language=fr", ["Semaine internationale"]),
        ("?language=et", ["Digital credentials workshop"]),
    ],
)
def test_each_filter_chooses_its_calls(client, world, query: str, expected: list[str]) -> None:
    assert listed(client, query) == expected


def test_a_date_range_keeps_events_taking_place_within_it(client, world) -> None:
    today = world["today"]
    assert listed(client, f"?start={within(today, 61)}&end={within(today, 70)}") == [
        "International Staff Training Days"
    ]
    assert listed(client, f"?end={within(today, -1)}") == ["Semaine internationale"]
    assert listed(client, f"?start={within(today, 80)}") == ["Digital credentials workshop"]


def test_the_practice_category_of_the_linked_activity_filters(
    client, world, make_plan, make_practice
) -> None:
    from app.planner.models import Activity

    practice = make_practice(slug="staff-weeks", categories=["networking"])
    plan = make_plan(world["helsinki"])
    activity = Activity(plan=plan, practice_id=practice.id, title="Staff week")
    db.session.add(activity)
    db.session.flush()
    world["staff_week"].activity_id = activity.id
    db.session.commit()
    assert listed(client, "?category=networking") == ["International Staff Training Days"]


def test_filters_combine(client, world) -> None:
    assert listed(client, "?network=una-europa&format=online") == ["Digital credentials workshop"]
    assert listed(client, "?network=una-europa&state=closed") == []
    assert listed(client, "?country=Finland&topic=mobility&state=closing&language=en") == [
        "International Staff Training Days"
    ]


def test_sorts(client, world) -> None:
    assert listed(client, "?sort=starting") == [
        "Semaine internationale",
        "International Staff Training Days",
        "Digital credentials workshop",
    ]


def test_pages_are_bounded_and_link_to_each_other(client, world, make_institution) -> None:
    host = world["tartu"]
    for number in range(12):
        make_event(host, title=f"Extra call {number:02d}")
    first = client.get("/events?per_page=10&network=una-europa")
    assert first.status_code == 200
    assert first.text.count('class="practice-card"') == 10
    assert "14 calls" in first.text
    assert 'rel="next" href="/events?network=una-europa&amp;per_page=10&amp;page=2"' in first.text
    second = listed(client, "?per_page=10&network=una-europa&page=2")
    assert len(second) == 4
    assert listed(client, "?per_page=10&network=una-europa&page=9") == []
    assert max(PER_PAGE_CHOICES) <= 50


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?network=no-such-network", "network"),
        ("?country=Atlantis", "country"),
        ("?state=tomorrow", "state"),
        ("?format=telepathy", "format"),
        ("?language=english", "language"),
        ("?category=nonsense", "category"),
        ("?start=2026-13-45", "start"),
        ("?start=9999-01-01", "start"),
        ("?start=2026-05-10&end=2026-05-01", "end"),
        ("?sort=random", "sort"),
        ("?page=0", "page"),
        ("?page=abc", "page"),
        ("?page=%C2%B2", "page"),
        ("?network=una%00europa", "network"),
        ("?page=99999999999999999999", "page"),
        ("?per_page=100000", "per_page"),
        ("?topic=" + "x" * 201, "topic"),
        ("?topic=a%00b", "topic"),
        ("?target_group=%1b%5B31m", "target_group"),
        ("?country=Fin%00land", "country"),
        ("?topic=%ff%fe", None),
    ],
)
def test_refused_values_are_named_and_left_out(
    client, world, query: str, field: str | None
) -> None:
    response = client.get(f"/events{query}")
    if field is None:  # odd but harmless input: no error, nothing found
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert f'href="#f-{field}"' in response.text
    # The rest of the listing still shows, without the refused filter.
    assert "International Staff Training Days" in response.text


def test_the_form_works_without_javascript_and_keeps_the_choices(client, world) -> None:
    page = client.get("/events?network=una-europa&state=open&topic=mobility").text
    assert '<form class="filters event-filters" method="get" action="/events"' in page
    assert '<option value="una-europa" selected>' in page
    assert '<option value="open" selected>' in page
    assert 'value="mobility"' in page


def test_the_listing_links_to_both_feeds_of_its_filters(client, world) -> None:
    page = client.get("/events?network=una-europa&format=online").text
    assert 'href="/events/feed.ics?network=una-europa&amp;format=online"' in page
    assert 'href="/events/feed.atom?network=una-europa&amp;format=online"' in page


def test_the_listing_makes_a_fixed_number_of_queries(client, world, count_queries) -> None:
    client.get("/events")
    with count_queries() as few:
        client.get("/events")
    for number in range(10):
        make_event(world["tartu"], title=f"Extra call {number}")
    with count_queries() as many:
        client.get("/events")
    assert len(many) == len(few)
