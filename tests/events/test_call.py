"""The public call page and the list of calls: the window's edges in the event's time zone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from app.events.models import EventStatus
from tests.conftest import login
from tests.events.factories import AFTER, CLOSES, DURING, OPENS, make_event, make_track

SECOND = timedelta(seconds=1)


def _page(client, event) -> str:
    response = client.get(f"/events/{event.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_one_second_before_opening_says_when_it_opens_in_the_event_time(
    client, people, apply_route
):
    event = make_event(people["host"])
    make_track(event)
    with freeze_time(OPENS - SECOND):
        page = _page(client, event)
    assert "Applications open on 14 January 2026, 00:00 (Finland Time)." in page
    assert f"/events/{event.id}/apply" not in page


def test_at_the_opening_second_the_apply_link_appears(client, people, apply_route):
    event = make_event(people["host"])
    make_track(event)
    with freeze_time(OPENS):
        page = _page(client, event)
    assert f'href="/events/{event.id}/apply"' in page
    assert "Applications are open until 13 February 2026, 24:00 (Finland Time)." in page


def test_one_second_before_closing_it_is_still_open(client, people, apply_route):
    event = make_event(people["host"])
    with freeze_time(CLOSES - SECOND):
        page = _page(client, event)
    assert f'href="/events/{event.id}/apply"' in page


def test_at_and_after_the_closing_second_the_link_is_gone(client, people, apply_route):
    event = make_event(people["host"])
    for moment in (CLOSES, CLOSES + SECOND):
        with freeze_time(moment):
            page = _page(client, event)
        assert f"/events/{event.id}/apply" not in page
        assert "Applications closed on 13 February 2026, 24:00 (Finland Time)." in page


def test_the_window_follows_the_event_time_zone_not_utc(client, people, apply_route):
    # 09:00 in New York on 1 March is 14:00 UTC.
    event = make_event(
        people["host"],
        timezone="America/New_York",
        opens_at=OPENS.replace(month=3, day=1, hour=14),
        closes_at=OPENS.replace(month=3, day=20, hour=14),
    )
    with freeze_time(event.opens_at - SECOND):
        page = _page(client, event)
    assert "Applications open on 1 March 2026, 09:00" in page
    with freeze_time(event.opens_at + SECOND):
        assert f'href="/events/{event.id}/apply"' in _page(client, event)


def test_an_invitation_only_call_has_no_apply_link(client, people, apply_route):
    event = make_event(people["host"], invitation_only=True)
    with freeze_time(DURING):
        page = _page(client, event)
    assert "This call is by invitation" in page
    assert f"/events/{event.id}/apply" not in page


def test_the_call_shows_tracks_languages_and_texts(client, people):
    event = make_event(
        people["host"],
        languages=["en", "fi"],
        description="**Three days** of workshops",
        audience="Non-academic staff",
        programme="Day one: *welcome*",
        accommodation="Hotels nearby",
    )
    make_track(event, "Global mobility networks", topics=["Nordplus", "Funding"], capacity=12)
    with freeze_time(DURING):
        page = _page(client, event)
    assert "<strong>Three days</strong>" in page
    assert "<em>welcome</em>" in page
    assert "English, Finnish" in page
    assert "Nordplus" in page and "12 places" in page
    assert re.search(r"6\s*–\s*8 May 2026", page)


def test_languages_and_dates_are_named_in_the_reader_language(client, people):
    event = make_event(people["host"], languages=["en", "fi"])
    page = client.get(f"/events/{event.id}", headers={"Accept-Language": "fi"}).get_data(
        as_text=True
    )
    assert "englanti, suomi" in page
    assert "toukokuuta 2026" in page


@pytest.mark.parametrize("status", [EventStatus.DRAFT, EventStatus.CANCELLED])
def test_a_draft_or_cancelled_call_is_404_to_the_public(client, people, status):
    event = make_event(people["host"], status=status)
    assert client.get(f"/events/{event.id}").status_code == 404
    for who in ("viewer@a.example", "planner@a.example", "manager@b.example"):
        other = client.application.test_client()
        login(other, who)
        assert other.get(f"/events/{event.id}").status_code == 404, who


def test_a_draft_is_shown_to_its_organisers_with_a_banner(client, people):
    event = make_event(people["host"], status=EventStatus.DRAFT)
    login(client, "event_organiser@a.example")
    page = _page(client, event)
    assert "This call is a draft" in page


def test_an_unknown_event_is_404(client, people):
    assert client.get("/events/999999").status_code == 404
    assert client.get("/events/99999999999").status_code == 404


def test_the_list_shows_calls_by_closing_date_then_past_calls(client, people):
    host = people["host"]
    open_now = make_event(host, title="Open now")
    soon = make_event(
        host,
        title="Opening later",
        opens_at=AFTER + timedelta(days=10),
        closes_at=AFTER + timedelta(days=40),
    )
    past = make_event(
        host,
        title="Closed call",
        opens_at=OPENS - timedelta(days=400),
        closes_at=OPENS - timedelta(days=300),
    )
    draft = make_event(host, title="Draft call", status=EventStatus.DRAFT)
    with freeze_time(DURING):
        page = client.get("/events").get_data(as_text=True)
    # Open now closes first, the one opening later closes after it; the closed call comes last.
    assert page.index(open_now.title) < page.index(soon.title) < page.index(past.title)
    assert draft.title not in page
