"""The records feed the plan: an event's figures as computed indicators of its activity,
equal to the records, following them, never typed, and shown with their counts."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.applications.models import ApplicationStatus, Decision, PlaceStatus
from app.core.extensions import db, utcnow
from app.indicators import measurements, views
from app.indicators.computed import Computed
from app.indicators.models import Indicator, Measurement, PeriodApproval
from app.indicators.periods import period_of
from app.institutions.models import Network, NetworkMembership, StrategicPartnership
from app.participation import records
from app.participation.figures import SOURCES as EVENT_SOURCES
from app.participation.models import Attendance, Feedback
from app.participation.records import add_event_indicators
from app.participation.services import mark_attendance
from app.planner.models import Activity
from app.selection.decisions import lock_track
from tests.conftest import login
from tests.events.factories import make_application, make_event, make_participant, make_track

# Each applicant of the world below: track, country, home institution (slug or None), the
# institution typed, networks named, status, place, days attended, overall feedback.
PEOPLE = [
    ("t1", "DE", "partner-u", "", ["UNICA"], "submitted", "confirmed", 2, 5),
    ("t1", "FR", None, "Typed Partner College", ["una europa"], "submitted", "confirmed", 1, 4),
    ("t1", "de", None, "Somewhere Else", ["Nordplus"], "submitted", "confirmed", 0, None),
    ("t2", "ES", None, "Elsewhere", [], "submitted", None, 0, None),
    ("t2", "IT", None, "Elsewhere", [], "withdrawn", None, 0, None),
    ("t2", "SE", "other-u", "", [], "submitted", "offered", 0, None),
]
CAPACITY = {"t1": 3, "t2": 2}
PARTNERS = {"Partner University", "typed partner college"}  # as the host listed them


def _figures(indicators: list[Indicator]) -> dict[str, tuple[Decimal, dict]]:
    """Return each computed indicator's one value and counts, by source key."""
    found = {}
    for indicator in indicators:
        rows = list(
            db.session.scalars(select(Measurement).where(Measurement.indicator_id == indicator.id))
        )
        assert len(rows) <= 1, indicator.source
        if rows:
            found[indicator.source] = (rows[0].value, rows[0].basis)
    return found


def _indicators(activity_id: int) -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).where(Indicator.activity_id == activity_id)))


@pytest.fixture
def world(app, make_institution, make_plan, make_user):
    """A host with a plan, an activity, an event linked to it and applicants of every kind."""
    host = make_institution("uni-h", name="Host University")
    partner = make_institution("partner-u", name="Partner University")
    other = make_institution("other-u", name="Other University")
    for name in PARTNERS:
        db.session.add(StrategicPartnership(institution=host, partner_name=name))
    una = Network(slug="una-europa", name="Una Europa", kind="alliance")
    unica = Network(slug="unica", name="UNICA", kind="network")
    db.session.add_all([una, unica, NetworkMembership(institution=partner, network=una)])
    db.session.commit()
    plan = make_plan(
        host, title="Plan 2026", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    activity = Activity(plan=plan, title="Staff training days", start_date=date(2026, 5, 6))
    db.session.add(activity)
    db.session.commit()
    event = make_event(host, activity_id=activity.id)
    tracks = {name: make_track(event, name, capacity=c) for name, c in CAPACITY.items()}
    homes = {"partner-u": partner, "other-u": other}
    applications = []
    for n, (track, country, home, typed, nets, status, place, days, overall) in enumerate(PEOPLE):
        application = make_application(
            tracks[track],
            f"person{n}@uni.example",
            country=country,
            institution_name=typed,
            home_institution_id=homes[home].id if home else None,
            networks=nets,
            status=status,
            decision=Decision.ACCEPTED if place else None,
            place=place,
        )
        for day in event.days()[:days]:
            db.session.add(Attendance(application_id=application.id, day=day))
        if overall:
            db.session.add(Feedback(application_id=application.id, overall=overall, track_rating=3))
        db.session.commit()
        applications.append(application)
    viewer = make_user("viewer@h.example", institution=host, role="viewer")
    planner = make_user("planner@h.example", institution=host, role="planner")
    return {
        "host": host,
        "plan": plan,
        "activity": activity,
        "event": event,
        "tracks": tracks,
        "applications": applications,
        "viewer": viewer,
        "planner": planner,
    }


def _expected() -> dict[str, Decimal]:
    """Count the figures of PEOPLE by hand, apart from the code under test."""
    standing = [p for p in PEOPLE if p[5] == "submitted"]
    confirmed = [p for p in standing if p[6] == "confirmed"]
    homes = [
        p[3] if p[2] is None else {"partner-u": "Partner University"}.get(p[2], p[2])
        for p in confirmed
    ]
    listed = {x.lower() for x in PARTNERS}
    partners = {n.lower() for n in homes if n.lower() in listed}
    from_partners = [n for n in homes if n.lower() in listed]
    networks = set()
    for p in confirmed:
        networks |= {n.lower().replace(" ", "-") for n in p[4]}
        if p[2] == "partner-u":
            networks.add("una-europa")
    ratings = [p[8] for p in PEOPLE if p[8]]
    places = sum(CAPACITY.values())
    return {
        "event.applications": Decimal(len(standing)),
        "event.applications_per_track": round(Decimal(len(standing)) / len(CAPACITY), 2),
        "event.places_filled": Decimal(len(confirmed)),
        "event.attended": Decimal(len([p for p in PEOPLE if p[7] > 0])),
        "event.countries": Decimal(len({p[1].upper() for p in confirmed})),
        "event.partner_institutions": Decimal(len(partners)),
        "event.networks": Decimal(len(networks)),
        "event.partner_share": round(Decimal(len(from_partners)) * 100 / len(confirmed), 2),
        "event.satisfaction": round(Decimal(sum(ratings)) / len(ratings), 2),
        "event.applications_per_place": round(Decimal(len(standing)) / places, 2),
    }


def test_linking_an_event_adds_every_computed_indicator_once(world):
    indicators = _indicators(world["activity"].id)
    assert sorted(i.source for i in indicators) == sorted(s.key for s in EVENT_SOURCES)
    assert all(i.frequency == "yearly" for i in indicators)
    # Asking again adds nothing: the activity has them all.
    assert add_event_indicators(world["activity"]) == []


def test_computed_figures_equal_the_records(world):
    expected = _expected()
    # The hand count of the world, written out, so that a mistake in both would show.
    assert expected == {
        "event.applications": 5,
        "event.applications_per_track": Decimal("2.50"),
        "event.places_filled": 3,
        "event.attended": 2,
        "event.countries": 2,
        "event.partner_institutions": 2,
        "event.networks": 3,
        "event.partner_share": Decimal("66.67"),
        "event.satisfaction": Decimal("4.50"),
        "event.applications_per_place": Decimal("1.00"),
    }
    found = _figures(_indicators(world["activity"].id))
    assert {key: value for key, (value, _) in found.items()} == expected
    assert found["event.applications"][1] == {
        "applications": 5,
        "withdrawn": 1,
        "events": [world["event"].id],
    }
    assert found["event.applications_per_track"][1]["per_track"] == {"t1": 3, "t2": 2}
    assert found["event.satisfaction"][1]["responses"] == 2
    assert found["event.places_filled"][1]["places"] == 5


def test_each_value_sits_in_the_period_of_the_event(world):
    rows = list(db.session.scalars(select(Measurement)))
    assert rows and {m.period_key for m in rows} == {"2026"}
    assert {m.period_end for m in rows} == {period_of("yearly", date(2026, 5, 6)).end}


def test_figures_follow_the_records(world):
    first, _second, third, declined = world["applications"][:4]
    first.status = ApplicationStatus.WITHDRAWN  # a participant withdraws
    db.session.commit()
    found = _figures(_indicators(world["activity"].id))
    assert found["event.applications"][0] == 4
    assert found["event.places_filled"][0] == 2
    assert found["event.partner_institutions"][0] == 1
    declined.place = PlaceStatus.CONFIRMED  # the waiting list fills the place
    db.session.add(Attendance(application_id=third.id, day=world["event"].starts_on))
    db.session.add(Feedback(application_id=third.id, overall=1, track_rating=1))
    db.session.commit()
    found = _figures(_indicators(world["activity"].id))
    assert found["event.places_filled"][0] == 3
    assert found["event.countries"][0] == 3  # FR, DE, ES
    assert found["event.attended"][0] == 3
    assert found["event.satisfaction"][0] == Decimal("3.33")  # (5 + 4 + 1) / 3
    db.session.delete(db.session.scalar(select(Feedback).where(Feedback.overall == 5)))
    db.session.commit()
    assert _figures(_indicators(world["activity"].id))["event.satisfaction"][0] == Decimal("2.50")


def test_a_track_more_changes_the_places(world):
    make_track(world["event"], "t3", capacity=5)
    found = _figures(_indicators(world["activity"].id))
    assert found["event.applications_per_place"][0] == Decimal("0.50")
    assert found["event.applications_per_track"][1]["per_track"] == {"t1": 3, "t2": 2, "t3": 0}


def test_unlinking_the_event_takes_its_values_away(world):
    event = world["event"]
    event.activity_id = None
    db.session.commit()
    assert db.session.scalars(select(Measurement)).all() == []
    event.activity_id = world["activity"].id
    db.session.commit()
    assert _figures(_indicators(world["activity"].id))["event.applications"][0] == 5


def test_an_approved_period_keeps_its_computed_values(world):
    db.session.add(
        PeriodApproval(
            plan=world["plan"],
            period_key="2026",
            window_start=date(2026, 1, 1),
            window_end=date(2026, 12, 31),
            approved_by="manager@h.example",
        )
    )
    db.session.commit()
    world["applications"][0].status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    assert _figures(_indicators(world["activity"].id))["event.applications"][0] == 5


def test_erased_data_leaves_the_figures_as_they_were(world):
    first = world["applications"][0]
    first.erased_at = datetime(2026, 9, 1, tzinfo=UTC)
    first.country = ""
    db.session.commit()
    assert _figures(_indicators(world["activity"].id))["event.countries"][0] == 2


def test_computed_values_are_never_typed(world, client):
    indicator = next(
        i for i in _indicators(world["activity"].id) if i.source == "event.applications"
    )
    with pytest.raises(Computed):
        measurements.record_value(
            indicator,
            period_of("yearly", date(2026, 5, 6)),
            Decimal(99),
            existing=None,
            note="",
            evidence_url=None,
            evidence=None,
            by="x",
            approvals=[],
            today=date(2026, 7, 1),
            base_version=0,
        )
    login(client, "planner@h.example")
    plan_id = world["plan"].id
    page = client.get(f"/plans/{plan_id}/values?window=2026")
    assert "records; it cannot be typed." in page.text
    assert f'name="rows-0-indicator" type="hidden" value="{indicator.id}"' not in page.text
    # A crafted row for it changes nothing.
    client.post(
        f"/plans/{plan_id}/values?window=2026",
        data={
            "rows-0-indicator": str(indicator.id),
            "rows-0-period": "2026",
            "rows-0-version": "1",
            "rows-0-shown": "",
            "rows-0-value": "99",
        },
    )
    assert _figures([indicator])["event.applications"][0] == 5
    upload = io.BytesIO(f"indicator_id,period,value,version\n{indicator.id},2026,99,1\n".encode())
    answer = client.post(
        f"/plans/{plan_id}/values/import",
        data={"file": (upload, "values.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "records; its values cannot be imported" in answer.text
    assert _figures([indicator])["event.applications"][0] == 5
    # The values file to fill in offers no row of a computed indicator.
    assert f"\n{indicator.id}," not in client.get(f"/plans/{plan_id}/values/file.csv").text


@pytest.fixture
def mid_2026(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: date(2026, 7, 1))


def test_dashboard_and_report_mark_computed_values_with_their_counts(world, client, mid_2026):
    login(client, "viewer@h.example")
    for page in ("dashboard", "report"):
        text = client.get(f"/plans/{world['plan'].id}/{page}").text
        assert "Computed from event records" in text
        assert "(computed)" in text
        assert "5 applications; 1 withdrawn" in text
        assert "3 participants (confirmed places); 5 places" in text
        assert "2 feedback responses" in text
        assert "t1: 3; t2: 2" in text
    index = client.get(f"/plans/{world['plan'].id}/indicators").text
    assert index.count("(computed)") == len(EVENT_SOURCES)


def test_computed_names_follow_the_reader_unless_renamed(world, client, mid_2026):
    """A computed indicator is named in the language of whoever linked the event; each reader
    sees its source's name in their own language, and a planner's own name as typed."""
    from tests.participation.conftest import translated

    by_source = {i.source: i for i in _indicators(world["activity"].id)}
    applications = by_source["event.applications"]
    places = by_source["event.places_filled"]
    english, finnish_name = applications.name, translated("fi", applications.name)
    applications.name = finnish_name  # linked by a Finnish-speaking planner
    places.name = "Paikat täytetty (oma nimi)"
    db.session.commit()
    login(client, "viewer@h.example")
    url = f"/plans/{world['plan'].id}/indicators"
    read = {
        language: client.get(url, headers={"Accept-Language": language}).text
        for language in ("en", "fi", "sv")
    }
    assert f">{english}</a>" in read["en"]
    assert f">{finnish_name}</a>" in read["fi"]
    assert f">{translated('sv', english)}</a>" in read["sv"]
    assert all(">Paikat täytetty (oma nimi)</a>" in page for page in read.values())
    detail = client.get(
        f"/plans/{world['plan'].id}/indicators/{applications.id}",
        headers={"Accept-Language": "en"},
    ).text
    assert f"<h1>{english}</h1>" in detail


def test_past_events_keep_their_figures_and_chart_across_years(world, client, make_plan, mid_2026):
    host = world["host"]
    old_plan = make_plan(
        host, title="Plan 2025", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
    )
    old_activity = Activity(plan=old_plan, title="Staff training days", start_date=date(2025, 5, 7))
    db.session.add(old_activity)
    db.session.commit()
    old_event = make_event(
        host,
        title="Staff Training Days 2025",
        activity_id=old_activity.id,
        starts_on=date(2025, 5, 7),
        ends_on=date(2025, 5, 9),
        opens_at=datetime(2025, 1, 13, 22, tzinfo=UTC),
        closes_at=datetime(2025, 2, 13, 22, tzinfo=UTC),
    )
    old_track = make_track(old_event, "Only track", capacity=4)
    for n in range(2):
        make_application(old_track, f"old{n}@uni.example")
    before = _figures(_indicators(old_activity.id))
    assert before["event.applications_per_place"][0] == Decimal("0.50")
    # This year's records change; last year's figure stays at its date.
    world["applications"][3].status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    assert _figures(_indicators(old_activity.id)) == before
    per_place = next(
        i for i in _indicators(world["activity"].id) if i.source == "event.applications_per_place"
    )
    login(client, "viewer@h.example")
    page = client.get(f"/plans/{world['plan'].id}/indicators/{per_place.id}").text
    assert "Applications per place: across years" in page
    assert "2025 · Plan 2025" in page and "2026 · Plan 2026" in page
    csv = client.get(f"/plans/{world['plan'].id}/indicators/{per_place.id}/years.csv")
    assert csv.status_code == 200
    lines = csv.text.strip().splitlines()
    assert len(lines) == 3 and "0.5" in lines[1] and "0.8" in lines[2]


def test_a_copied_plan_keeps_its_indicators_computed(world):
    from app.planner.services import copy_plan

    copy = copy_plan(
        world["plan"], title="Plan 2027", period_start=date(2027, 1, 1), by=world["planner"]
    )
    db.session.commit()
    copied = [i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == copy.id))]
    assert sorted(i.source for i in copied) == sorted(s.key for s in EVENT_SOURCES)
    # Its values wait for next year's event: this year's stay with this year's plan.
    assert not [m for i in copied for m in i.measurements]


def test_a_bulk_change_of_records_is_counted_too(world):
    from sqlalchemy import update

    from app.applications.models import Application

    db.session.execute(
        update(Application)
        .where(Application.event_id == world["event"].id)
        .values(status=ApplicationStatus.WITHDRAWN)
    )
    db.session.commit()
    found = _figures(_indicators(world["activity"].id))
    assert found["event.applications"][0] == 0
    assert found["event.applications"][1]["withdrawn"] == len(PEOPLE)


def test_concurrent_commits_of_one_event_both_count(app, world):
    """Two applications committed at the same instant, in two tracks: the later recomputation
    waits for the earlier one and counts both (PostgreSQL's lock; SQLite writes one at a time)."""
    import threading

    from app.events.models import Track

    tracks = [world["tracks"]["t1"].id, world["tracks"]["t2"].id]
    ready = threading.Barrier(2)
    failures: list[BaseException] = []

    def apply(n: int) -> None:
        # As a request that writes: SQLite's transaction then takes the write lock first.
        with app.test_request_context(method="POST"):
            try:
                ready.wait(timeout=10)
                track = db.session.get(Track, tracks[n])
                make_application(track, f"racer{n}@uni.example")
            except BaseException as error:
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=apply, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    db.session.rollback()  # end this test's own read, to see what the threads committed
    found = _figures(_indicators(world["activity"].id))
    assert found["event.applications"][0] == 5 + 2
    assert found["event.applications_per_track"][1]["per_track"] == {"t1": 4, "t2": 3}


def test_locking_a_tracks_places_and_unmarking_a_day_are_no_bulk_change_of_records(
    make_institution,
):
    """A track's seats lock and an unmarked day never ask the hook to recompute every
    computed activity there is (the flag a bulk change of counted rows sets)."""
    track = make_track(make_event(make_institution("lock-host")))
    application, _token = make_participant(track)
    lock_track(track.id)
    assert not db.session.info.get(records.EVERYTHING)
    db.session.commit()
    day, now = date(2026, 5, 6), utcnow()
    assert mark_attendance(application, day, True, "test", now)
    db.session.commit()
    assert mark_attendance(application, day, False, "test", now)
    assert not db.session.info.get(records.EVERYTHING)
    db.session.commit()
    assert not mark_attendance(application, day, False, "test", now)
