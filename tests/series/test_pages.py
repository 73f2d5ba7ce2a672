"""The series' pages: the coordinator creates a series and its next edition (the template
and shared tracks copied into a draft event of the host), members see it, outsiders get 404,
and each member's plan shows the series with its role in each edition."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.events.models import Event, EventStatus
from app.series import services
from app.series.models import Series
from tests.conftest import login


def test_an_organiser_creates_a_series_coordinated_by_their_institution(client, network_people):
    login(client, "event_organiser@a.example")
    response = client.post(
        "/institutions/uni-a/series/new",
        data={
            "name": "EURAXESS workshops",
            "cadence": "twice_a_year",
            "central_place": "Bonn",
            "format": "on-site",
            "description": "Workshops for **advisors**.",
            "audience": "Research and academic staff advisors",
            "contact_email": "workshops@a.example",
            "languages": "de, en",
            "timezone": "Europe/Berlin",
            "network_id": "",
        },
    )
    assert response.status_code == 302
    series = db.session.scalar(select(Series))
    assert series.coordinator == network_people["uni-a"]
    assert (series.languages, series.timezone, series.central_place) == (
        ["de", "en"],
        "Europe/Berlin",
        "Bonn",
    )
    assert [m.institution for m in series.members] == [network_people["uni-a"]]


def test_a_bad_template_is_shown_again_with_its_problems(client, network_people):
    login(client, "manager@a.example")
    response = client.post(
        "/institutions/uni-a/series/new",
        data={"name": "", "cadence": "yearly", "format": "on-site", "languages": "xx"},
    )
    assert response.status_code == 400
    assert "ISO 639-1" in response.text
    assert db.session.scalar(select(Series)) is None


def test_the_next_edition_copies_the_template_and_the_shared_tracks_at_the_next_host(
    client, network_people, make_series
):
    a, b = network_people["uni-a"], network_people["uni-b"]
    series = make_series(
        a,
        b,
        description="## Advising mobile researchers",
        audience="Staff advisors",
        contact_email="workshops@a.example",
        languages=["de", "en"],
        timezone="Europe/Berlin",
        format="hybrid",
    )
    services.add_track(
        series, title="Welcome services", capacity=25, topics=["Visa"], target_group="Advisors"
    )
    services.add_track(series, title="Dual careers", capacity=10)
    db.session.commit()
    services.create_edition(
        series,
        centralised=False,
        title="Spring",
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 3, 2),
        by=None,
    )  # a hosted the first one; b is next
    db.session.commit()

    login(client, "event_organiser@a.example")
    page = client.get(f"/series/{series.id}/editions/new")
    assert "University B" in page.text
    response = client.post(
        f"/series/{series.id}/editions/new",
        data={
            "mode": "decentralised",
            "title": "Autumn workshop 2027",
            "starts_on": "2027-09-14",
            "ends_on": "2027-09-15",
        },
    )
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.title == "Autumn workshop 2027"))
    assert event.institution == b
    assert event.status == EventStatus.DRAFT
    assert event.series_id == series.id and not event.centralised
    assert (event.description, event.audience, event.contact_email) == (
        "## Advising mobile researchers",
        "Staff advisors",
        "workshops@a.example",
    )
    assert (event.languages, event.timezone, event.format, event.place) == (
        ["de", "en"],
        "Europe/Berlin",
        "hybrid",
        "University B",
    )
    assert [(t.title, t.capacity, t.topics, t.target_group) for t in event.tracks] == [
        ("Welcome services", 25, ["Visa"], "Advisors"),
        ("Dual careers", 10, [], ""),
    ]
    # Copies, not the series' rows: the template changes, the edition stays.
    series.tracks[0].topics.append("Housing")
    assert event.tracks[0].topics == ["Visa"]


def test_an_edition_ending_before_it_starts_is_refused(client, network_people, make_series):
    series = make_series(network_people["uni-a"])
    login(client, "manager@a.example")
    response = client.post(
        f"/series/{series.id}/editions/new",
        data={
            "mode": "centralised",
            "title": "X",
            "starts_on": "2027-09-14",
            "ends_on": "2027-09-01",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Event)) is None


def test_the_host_runs_its_edition_as_any_of_its_events(client, network_people, make_series):
    a, b = network_people["uni-a"], network_people["uni-b"]
    series = make_series(a, b)
    services.add_member(series, b)
    db.session.commit()
    services.create_edition(
        series,
        centralised=False,
        title="One",
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 3, 1),
        by=None,
    )
    edition = services.create_edition(
        series,
        centralised=False,
        title="Two",
        starts_on=date(2027, 9, 1),
        ends_on=date(2027, 9, 1),
        by=None,
    )
    db.session.commit()
    assert edition.institution == b
    login(client, "organiser@b.example")
    assert client.get(f"/institutions/uni-b/events/{edition.id}/edit").status_code == 200
    # Its page leads back to the series it is an edition of.
    page = client.get(f"/institutions/uni-b/events/{edition.id}").get_data(as_text=True)
    assert f'href="/series/{series.id}"' in page
    # ... but the series is the coordinator's to change.
    assert client.get(f"/series/{series.id}/edit").status_code == 403
    assert client.post(f"/series/{series.id}/editions/new", data={}).status_code == 403


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("viewer@a.example", 200),  # the coordinator's members
        ("viewer@b.example", 200),  # a member institution's
        ("manager@d.example", 404),  # outsiders learn nothing of it
        ("admin@example.org", 200),
    ],
)
def test_members_see_the_series_and_outsiders_get_404(
    client, network_people, make_series, email, status
):
    series = make_series(network_people["uni-a"], network_people["uni-b"])
    login(client, email)
    assert client.get(f"/series/{series.id}").status_code == status
    assert client.get(f"/series/{series.id + 1}").status_code == 404


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("viewer@a.example", 403),
        ("planner@a.example", 403),
        ("organiser@b.example", 403),  # a member, not the coordinator
        ("manager@d.example", 404),
        ("manager@a.example", 302),
    ],
)
def test_only_the_coordinator_changes_the_rotation(
    client, network_people, make_series, email, status
):
    series = make_series(network_people["uni-a"], network_people["uni-b"])
    member = series.members[1]
    login(client, email)
    response = client.post(f"/series/{series.id}/members/{member.id}/leave")
    assert response.status_code == status
    db.session.expire_all()
    assert (member.left_at is not None) == (status == 302)


def test_the_coordinator_adds_and_moves_members_and_shared_tracks(
    client, network_people, make_series
):
    series = make_series(network_people["uni-a"], network_people["uni-b"])
    login(client, "manager@a.example")
    client.post(f"/series/{series.id}/members", data={"member-institution": "uni-c"})
    client.post(
        f"/series/{series.id}/members/{series.members[0].id}/move", data={"direction": "down"}
    )
    client.post(
        f"/series/{series.id}/tracks",
        data={"track-title": "Welcome", "track-capacity": "15", "track-topics": "Visa\nHousing"},
    )
    db.session.expire_all()
    assert [m.institution.slug for m in series.rotation] == ["uni-b", "uni-a", "uni-c"]
    assert [(t.title, t.capacity, t.topics) for t in series.tracks] == [
        ("Welcome", 15, ["Visa", "Housing"])
    ]
    client.post(f"/series/{series.id}/tracks/{series.tracks[0].id}/delete")
    db.session.expire_all()
    assert series.tracks == []


def test_each_members_plan_shows_the_series_as_organiser_or_sender(
    client, network_people, make_series, make_plan
):
    a, b = network_people["uni-a"], network_people["uni-b"]
    series = make_series(a, b, name="EURAXESS workshops")
    for title, day in (("Spring 2027", date(2027, 3, 1)), ("Autumn 2027", date(2027, 9, 1))):
        services.create_edition(
            series, centralised=False, title=title, starts_on=day, ends_on=day, by=None
        )
    services.create_edition(
        series,
        centralised=False,
        title="Spring 2028",
        starts_on=date(2028, 3, 1),
        ends_on=date(2028, 3, 1),
        by=None,
    )
    db.session.commit()
    plan_b = make_plan(b)
    login(client, "viewer@b.example")
    page = client.get(f"/plans/{plan_b.id}").text
    assert "Series of co-hosted events" in page
    assert "EURAXESS workshops" in page
    spring, autumn = page.index("Spring 2027"), page.index("Autumn 2027")
    assert "sender" in page[spring:autumn]  # a hosts the spring edition
    assert "organiser" in page[autumn:]  # b hosts the autumn one
    assert "Spring 2028" not in page  # outside the plan's period
    # An institution in no series sees no such section.
    plan_d = make_plan(network_people["uni-d"])
    login(client, "manager@d.example")
    assert "Series of co-hosted events" not in client.get(f"/plans/{plan_d.id}").text


def test_the_institutions_list_of_series_shows_those_it_takes_part_in(
    client, network_people, make_series
):
    make_series(network_people["uni-a"], network_people["uni-b"], name="Shared series")
    make_series(network_people["uni-d"], name="Someone else's")
    login(client, "viewer@b.example")
    page = client.get("/institutions/uni-b/series").text
    assert "Shared series" in page and "Someone else" not in page
    assert client.get("/institutions/uni-a/series").status_code == 404


def test_the_coordinators_button_takes_a_member_out_of_the_rotation_in_words_of_an_action(
    client, network_people, make_series
):
    """A button says what it does, as "Move up" does: not "Leaves the rotation"."""
    series = make_series(network_people["uni-a"], network_people["uni-b"])
    login(client, "manager@a.example")
    page = client.get(f"/series/{series.id}").get_data(as_text=True)
    assert "Leaves the rotation" not in page
    name = network_people["uni-b"].name
    assert f'Remove from the rotation<span class="visually-hidden">: {name}</span></button>' in page
