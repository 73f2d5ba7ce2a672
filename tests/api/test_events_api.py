"""The events API: published calls with filters, one call, and an event's applications for
its organisers and committee only (everyone else: 404), by session or token."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from app.accounts import services as accounts
from app.applications.models import Decision
from app.core.extensions import db
from app.events.models import EventStatus
from tests.conftest import login
from tests.events.factories import (
    DURING,
    make_applicant,
    make_application,
    make_event,
    make_member,
    make_question,
    make_track,
)

LATER = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def calls(app, make_institution, make_user):
    """Host A with an open call (two tracks, applications), one opening later, one closed
    and a draft; host B with an open call; the people of every role."""
    a, b = make_institution("uni-a"), make_institution("uni-b", name="Uni B")
    people = {
        role: make_user(f"{role}@a.example", institution=a, role=role)
        for role in ("manager", "event_organiser", "planner", "viewer")
    }
    people["reviewer"] = make_user("reviewer@a.example", institution=a, role="viewer")
    people["outsider"] = make_user("manager@b.example", institution=b, role="manager")
    people["admin"] = make_user("admin@example.org", is_admin=True)
    open_call = make_event(a, title="Staff Week A")
    mobility = make_track(open_call, "Global mobility networks", topics=["Mobility networks"])
    comms = make_track(open_call, "Communications", topics=["Social media analytics", "Intranet"])
    make_question(comms, "Which channels do you run?")
    make_member(comms, people["reviewer"])
    applications = {
        "mobility": make_application(mobility, "aino@uni.example", name="Aino Mobility"),
        "comms": make_application(
            comms, "bea@uni.example", name="Bea Comms", decision=Decision.ACCEPTED
        ),
        # From the reviewer's own institution: not theirs to read.
        "own": make_application(
            comms, "cai@a.example", name="Cai Colleague", home_institution_id=a.id
        ),
    }
    soon = make_event(
        a, title="Language days", opens_at=LATER, closes_at=datetime(2026, 4, 1, tzinfo=UTC)
    )
    make_track(soon, "Language teaching", topics=["Kieli ja viestintä"])
    closed = make_event(
        a,
        title="Staff Week 2025",
        starts_on=date(2025, 5, 7),
        ends_on=date(2025, 5, 9),
        opens_at=datetime(2025, 1, 1, tzinfo=UTC),
        closes_at=datetime(2025, 2, 1, tzinfo=UTC),
    )
    draft = make_event(a, title="Secret draft", status=EventStatus.DRAFT)
    other = make_event(b, title="Staff Week B")
    make_track(other, "Libraries", topics=["Learning spaces"])
    ids = {
        "open": open_call.id,
        "soon": soon.id,
        "closed": closed.id,
        "draft": draft.id,
        "other": other.id,
        "comms": comms.id,
        "mobility": mobility.id,
    }
    return people, ids, applications


def _as(client, user):
    """Sign the client in as someone else (signing out whoever was)."""
    client.post("/logout")
    login(client, user.email)


def _titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["title"] for item in answer.get_json()["items"]]


@freeze_time(DURING)
def test_the_list_filters_by_window_institution_and_topic(client, calls):
    every = _titles(client.get("/api/v1/events"))
    assert sorted(every) == ["Language days", "Staff Week 2025", "Staff Week A", "Staff Week B"]
    assert _titles(client.get("/api/v1/events?window=open")) == ["Staff Week A", "Staff Week B"]
    assert _titles(client.get("/api/v1/events?window=soon")) == ["Language days"]
    assert _titles(client.get("/api/v1/events?window=closed")) == ["Staff Week 2025"]
    assert _titles(client.get("/api/v1/events?window=open&institution=uni-b")) == ["Staff Week B"]
    assert _titles(client.get("/api/v1/events?topic=SOCIAL%20media")) == ["Staff Week A"]
    assert _titles(client.get("/api/v1/events?topic=viestint%C3%A4")) == ["Language days"]
    assert _titles(client.get("/api/v1/events?topic=100%25")) == []


@freeze_time(DURING)
def test_the_list_has_the_listings_filters_and_orders(client, calls):
    from app.events.models import Event
    from app.institutions.models import Institution, Network, NetworkMembership

    _people, ids, _applications = calls
    uni_b = db.session.scalar(db.select(Institution).where(Institution.slug == "uni-b"))
    uni_b.country = "Sweden"
    network = Network(slug="una-europa", name="Una Europa", kind="alliance")
    uni_b.memberships.append(NetworkMembership(network=network, role="Member"))
    other = db.session.get(Event, ids["other"])
    other.format, other.languages = "online", ["en", "sv"]
    db.session.commit()
    listed = "/api/v1/events?"
    assert _titles(client.get(listed + "network=una-europa")) == ["Staff Week B"]
    assert _titles(client.get(listed + "country=sweden")) == ["Staff Week B"]
    assert _titles(client.get(listed + "format=online")) == ["Staff Week B"]
    assert _titles(client.get(listed + "language=sv")) == ["Staff Week B"]
    assert _titles(client.get(listed + "target_group=libraries")) == []
    assert _titles(client.get(listed + "start=2025-01-01&end=2025-12-31")) == ["Staff Week 2025"]
    # Closing within the week: none of these (their window closes on 13 February).
    assert _titles(client.get(listed + "window=closing")) == []
    newest = _titles(client.get(listed + "sort=newest"))
    assert newest[0] == "Staff Week B" and len(newest) == 4
    # The listing's checks answer, with the field and the reason.
    for query, field in [
        ("country=Atlantis", "country"),
        ("network=no-such-network", "network"),
        ("format=by-pigeon", "format"),
        ("start=2026-13-01", "start"),
        ("start=2026-05-01&end=2026-04-01", "end"),
        ("language=finnish", "language"),
        ("sort=random", "sort"),
        ("institution=not%20a%20slug", "institution"),
        ("window=tomorrow", "window"),
    ]:
        answer = client.get(listed + query)
        assert answer.status_code == 400, query
        assert field in answer.get_json()["error"]["fields"], (query, answer.get_json())


@freeze_time(DURING)
def test_every_refused_filter_is_named_at_once(client, calls):
    answer = client.get("/api/v1/events?country=Atlantis&window=x&format=zzz&network=nope")
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]["fields"]) == {"country", "window", "format", "network"}


@freeze_time(DURING)
def test_the_list_is_paged_and_bounded(app, client, calls):
    first = client.get("/api/v1/events?per_page=3").get_json()
    second = client.get("/api/v1/events?per_page=3&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"])) == (4, 2, 3)
    assert len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    limit = app.config["MAX_PAGE_SIZE"]
    too_many = client.get(f"/api/v1/events?per_page={limit + 1}")
    assert too_many.status_code == 400
    assert too_many.get_json()["error"]["fields"] == {"per_page": f"at most {limit}"}
    assert client.get("/api/v1/events?window=tomorrow").status_code == 400
    assert client.get("/api/v1/events?topic=a%00b").status_code == 400


@freeze_time(DURING)
def test_a_call_has_its_tracks_and_window_and_never_its_applicants(client, calls):
    people, ids, applications = calls
    call = client.get(f"/api/v1/events/{ids['open']}").get_json()
    assert [t["title"] for t in call["tracks"]] == ["Global mobility networks", "Communications"]
    assert call["tracks"][1]["questions"][0]["prompt"] == "Which channels do you run?"
    assert call["window"]["state"] == "open"
    assert call["window"]["opens_local"].startswith("2026-01-14T00:00:00+02:00")
    assert call["window"]["closes_at"].startswith("2026-02-13T22:00:00")
    _as(client, people["manager"])  # even to its organiser
    for text in (
        client.get(f"/api/v1/events/{ids['open']}").get_data(as_text=True),
        client.get("/api/v1/events").get_data(as_text=True),
    ):
        for application in applications.values():
            assert application.email not in text and application.name not in text


def test_a_draft_is_found_only_by_its_organisers(client, calls):
    people, ids, _ = calls
    assert client.get(f"/api/v1/events/{ids['draft']}").status_code == 404
    assert "Secret draft" not in client.get("/api/v1/events").get_data(as_text=True)
    for who, status in (("viewer", 404), ("outsider", 404), ("event_organiser", 200)):
        _as(client, people[who])
        assert client.get(f"/api/v1/events/{ids['draft']}").status_code == status, who


def _applications(client, event_id, headers=None):
    return client.get(f"/api/v1/events/{event_id}/applications", headers=headers or {})


@freeze_time(DURING)
def test_organisers_read_every_application_with_its_prepared_decision(client, calls):
    people, ids, _ = calls
    for who in ("manager", "event_organiser", "admin"):
        _as(client, people[who])
        answer = _applications(client, ids["open"])
        assert answer.status_code == 200, who
        items = {i["name"]: i for i in answer.get_json()["items"]}
        assert set(items) == {"Aino Mobility", "Bea Comms", "Cai Colleague"}
        # Before the close too: the organiser prepares decisions.
        assert items["Bea Comms"]["decision"] == "accepted"
        assert items["Bea Comms"]["email"] == "bea@uni.example"


@freeze_time(DURING)
def test_committee_members_read_their_tracks_but_not_their_colleagues(client, calls):
    people, ids, _ = calls
    _as(client, people["reviewer"])
    answer = _applications(client, ids["open"])
    assert answer.status_code == 200
    assert [i["name"] for i in answer.get_json()["items"]] == ["Bea Comms"]
    # Not on the committee of the host's other calls.
    assert _applications(client, ids["soon"]).status_code == 404


@freeze_time(DURING)
def test_everyone_else_finds_no_applications(client, calls):
    people, ids, _ = calls
    assert _applications(client, ids["open"]).status_code == 401
    for who in ("viewer", "planner", "outsider"):
        _as(client, people[who])
        answer = _applications(client, ids["open"])
        assert answer.status_code == 404, who
        assert "Aino" not in answer.get_data(as_text=True)
    _as(client, people["manager"])
    # Another institution's event is as if it did not exist, to its manager too.
    assert _applications(client, ids["other"]).status_code == 404


@freeze_time(DURING)
def test_token_callers_have_the_same_rights(client, calls):
    people, ids, _ = calls
    headers = {}
    for who in ("event_organiser", "viewer", "reviewer", "outsider"):
        _, secret = accounts.create_api_token(people[who], "tests", 30)
        headers[who] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()
    assert _applications(client, ids["open"], headers["event_organiser"]).status_code == 200
    reviewed = _applications(client, ids["open"], headers["reviewer"]).get_json()["items"]
    assert [i["name"] for i in reviewed] == ["Bea Comms"]
    assert _applications(client, ids["open"], headers["viewer"]).status_code == 404
    assert _applications(client, ids["open"], headers["outsider"]).status_code == 404
    # An applicant's link token is no API token.
    _, link = make_applicant(
        db.session.get(type(calls[2]["comms"].event), ids["open"]), "dan@x.org"
    )
    answer = _applications(client, ids["open"], {"Authorization": f"Bearer {link}"})
    assert answer.status_code == 401


@freeze_time(DURING)
def test_applications_are_paged(client, calls):
    people, ids, _ = calls
    _as(client, people["manager"])
    page = client.get(f"/api/v1/events/{ids['open']}/applications?per_page=2&page=2").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert client.get(f"/api/v1/events/{ids['open']}/applications?page=0").status_code == 400
