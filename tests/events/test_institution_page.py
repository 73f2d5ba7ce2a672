"""An institution's public page: its upcoming calls, its past events with their figures
(places, participants, countries, satisfaction, counted as the plan's indicators count them),
and the practice sheets that name it as a good example."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.core.extensions import db
from app.participation.models import Feedback
from tests.events.factories import make_participant
from tests.events.listing_world import build


@pytest.fixture
def world(app: Flask, make_institution) -> dict[str, Any]:
    """The listing's world."""
    return build(make_institution)


def section(page: str, heading_id: str) -> str:
    """Return the part of a page in the section of the given heading."""
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_upcoming_calls_are_listed_without_drafts(client, world) -> None:
    page = client.get("/institutions/university-of-helsinki").text
    upcoming = section(page, "calls-heading")
    assert "International Staff Training Days" in upcoming
    assert "A draft nobody sees" not in page
    assert "No past events recorded yet." in section(page, "past-heading")


def test_past_events_show_places_countries_and_satisfaction(client, world) -> None:
    closed = world["closed"]
    track = closed.tracks[0]
    track.capacity = 12
    db.session.commit()
    for number, (country, rating) in enumerate([("DE", 5), ("DE", 4), ("SE", None)]):
        application, _token = make_participant(track, f"p{number}@uni.example", country=country)
        if rating is not None:
            db.session.add(Feedback(application=application, overall=rating, track_rating=4))
    db.session.commit()
    page = client.get("/institutions/universite-de-lyon").text
    past = section(page, "past-heading")
    assert "Semaine internationale" in past
    cells = [cell.strip() for cell in past.split("<td>")[1:]]
    assert cells[2].startswith("12<")  # places
    assert cells[3].startswith("3<")  # participants
    assert cells[4].startswith("2<")  # countries
    assert "4.50" in cells[5] and "2 responses" in cells[5]
    assert "No upcoming events announced." in section(page, "calls-heading")


def test_the_page_makes_a_bounded_number_of_queries(client, world, count_queries) -> None:
    from tests.events.factories import make_event

    client.get("/institutions/universite-de-lyon")
    with count_queries() as one:
        client.get("/institutions/universite-de-lyon")
    for number in range(15):
        make_event(
            world["lyon"],
            title=f"Old event {number}",
            starts_on=world["closed"].starts_on,
            ends_on=world["closed"].ends_on,
        )
    with count_queries() as many:
        client.get("/institutions/universite-de-lyon")
    # At most ten past events are counted, each in a fixed number of queries.
    assert len(many) <= len(one) + 9 * 10


def test_sheets_naming_it_a_good_example_are_listed(client, world, make_practice) -> None:
    example = {
        "name": "A staff week",
        "institution": "University of Helsinki",
        "description": "They host one.",
    }
    make_practice(
        slug="hosting-a-staff-week", title="Hosting a staff week", good_examples=[example]
    )
    make_practice(
        slug="other-sheet",
        title="Something else",
        good_examples=[{**example, "institution": "University of Helsinki Alumni"}],
    )
    page = client.get("/institutions/university-of-helsinki").text
    examples = section(page, "examples-heading")
    assert 'href="/practices/hosting-a-staff-week"' in examples
    assert "Something else" not in examples
    assert "No practice sheet names it" in section(
        client.get("/institutions/university-of-tartu").text, "examples-heading"
    )
