"""The listing's feeds (/events/feed.ics, /events/feed.atom): parsed back, for the filter the
listing shows, with every link from PUBLIC_BASE_URL and none from the request's host."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from icalendar import Calendar

from tests.events.listing_world import build

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://planner.example.org"


@pytest.fixture
def world(app: Flask, make_institution) -> dict[str, Any]:
    """Three institutions' calls and a draft, the links under a configured public address."""
    app.config["PUBLIC_BASE_URL"] = BASE
    return build(make_institution)


def calendar(client, query: str = "") -> Calendar:
    """Fetch and parse the iCalendar feed."""
    response = client.get(f"/events/feed.ics{query}", headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def atom(client, query: str = "") -> ET.Element:
    """Fetch and parse the Atom feed."""
    response = client.get(f"/events/feed.atom{query}", headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_the_calendar_has_an_all_day_entry_per_published_call(client, world) -> None:
    entries = {str(e["summary"]): e for e in calendar(client).walk("VEVENT")}
    assert set(entries) == {
        "International Staff Training Days",
        "Digital credentials workshop",
        "Semaine internationale",
    }
    week = entries["International Staff Training Days"]
    event = world["staff_week"]
    assert week.decoded("dtstart") == event.starts_on
    assert week.decoded("dtend") == event.ends_on + timedelta(days=1)
    assert str(week["url"]) == f"{BASE}/events/{event.id}"
    assert str(week["uid"]) == f"event-{event.id}@planner.example.org"
    assert "University of Helsinki" in str(week["description"])


def test_the_calendar_applies_the_filter(client, world) -> None:
    titles = [
        str(e["summary"])
        for e in calendar(client, "?network=una-europa&format=online").walk("VEVENT")
    ]
    assert titles == ["Digital credentials workshop"]
    assert calendar(client, "?country=France&state=open").walk("VEVENT") == []


def test_the_atom_feed_lists_the_newest_calls_of_the_filter(client, world) -> None:
    feed = atom(client, "?network=una-europa")
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert sorted(titles) == ["Digital credentials workshop", "International Staff Training Days"]
    # The newest call first.
    assert titles[0] == "Digital credentials workshop"
    workshop = world["workshop"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id") == f"{BASE}/events/{workshop.id}"
    assert entry.find(f"{ATOM}link").get("href") == f"{BASE}/events/{workshop.id}"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "University of Tartu"
    assert entry.findtext(f"{ATOM}updated")
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == f"{BASE}/events/feed.atom?network=una-europa"


def test_no_feed_link_names_the_requests_host(client, world) -> None:
    for kind in ("ics", "atom"):
        body = client.get(f"/events/feed.{kind}", headers={"Host": "evil.example"}).data
        assert b"evil.example" not in body
        assert BASE.encode() in body


def test_a_draft_never_reaches_a_feed(client, world) -> None:
    assert b"A draft nobody sees" not in client.get("/events/feed.ics").data
    assert b"A draft nobody sees" not in client.get("/events/feed.atom").data


@pytest.mark.parametrize("kind", ["ics", "atom"])
def test_a_refused_filter_is_a_400_with_its_reason(client, world, kind: str) -> None:
    response = client.get(f"/events/feed.{kind}?network=nowhere&page=0")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "network:" in response.text


def test_non_ascii_text_survives_both_feeds(client, world) -> None:
    assert "Université de Lyon" in str(
        next(
            e for e in calendar(client).walk("VEVENT") if e["summary"] == "Semaine internationale"
        )["description"]
    )
    names = [e.findtext(f"{ATOM}author/{ATOM}name") for e in atom(client).findall(f"{ATOM}entry")]
    assert "Université de Lyon" in names
