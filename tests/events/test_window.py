"""Times typed in the event's time zone, stored in UTC, and the close notice sent once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from app.core.extensions import db
from app.events import services
from app.events.models import EventStatus, WindowState
from app.events.schemas import EventFields
from app.mail.models import OutboxMessage
from tests.events.factories import AFTER, CLOSES, DURING, make_event, make_member, make_track


def _fields(**changes) -> EventFields:
    data = {
        "title": "Days",
        "starts_on": date(2026, 5, 6),
        "ends_on": date(2026, 5, 8),
        "opens_at": datetime(2026, 1, 14, 0, 0),
        "closes_at": datetime(2026, 2, 14, 0, 0),
        **changes,
    }
    return EventFields.model_validate(data)


def test_local_times_are_stored_in_utc_winter_and_summer(app, people):
    event = services.create_event(
        people["host"],
        _fields(meeting_at=datetime(2026, 4, 15, 10, 0)),
        by=None,
    )
    assert event.opens_at == datetime(2026, 1, 13, 22, 0, tzinfo=UTC)  # UTC+2 in winter
    assert event.meeting_at == datetime(2026, 4, 15, 7, 0, tzinfo=UTC)  # UTC+3 in summer
    assert services.local_fields(event)["meeting_at"] == datetime(2026, 4, 15, 10, 0)


def test_the_same_typed_time_is_another_instant_in_another_zone(app, people):
    helsinki = services.create_event(people["host"], _fields(), by=None)
    tokyo = services.create_event(people["host"], _fields(timezone="Asia/Tokyo"), by=None)
    assert helsinki.opens_at - tokyo.opens_at == timedelta(hours=7)
    moment = datetime(2026, 1, 13, 20, 0, tzinfo=UTC)  # 22:00 in Helsinki, 05:00 in Tokyo
    assert helsinki.window_state(moment) == WindowState.NOT_OPEN
    assert tokyo.window_state(moment) == WindowState.OPEN


def test_changing_the_zone_keeps_the_typed_times(app, people):
    event = services.create_event(people["host"], _fields(), by=None)
    db.session.commit()
    services.update_event(event, _fields(timezone="America/New_York"), base_version=event.version)
    assert services.local_fields(event)["opens_at"] == datetime(2026, 1, 14, 0, 0)
    assert event.opens_at == datetime(2026, 1, 14, 5, 0, tzinfo=UTC)


def test_the_moment_is_written_in_the_reader_language(app, people):
    from app.events.formatting import event_moment

    event = make_event(people["host"])
    with app.test_request_context(), force_locale("fi_FI"):
        written = event_moment(event, CLOSES, closing=True)
    assert written.startswith("13. helmikuuta 2026 klo 24.00")
    with app.test_request_context(), force_locale("sv_FI"):
        assert event_moment(event, event.opens_at).startswith(
            "14 januari 2026 kl. 0.00 (Finlandtid)"
        )


def test_the_close_is_noticed_once_to_organisers_and_committee_in_their_language(app, people):
    event = make_event(people["host"])
    track = make_track(event)
    make_member(track, people["viewer"])
    people["viewer"].language = "fi"
    people["event_organiser"].language = "sv"
    db.session.commit()
    assert services.notice_closed_windows(DURING) == 0
    assert services.notice_closed_windows(CLOSES - timedelta(seconds=1)) == 0
    assert services.notice_closed_windows(CLOSES) == 1
    db.session.commit()
    assert services.notice_closed_windows(AFTER) == 0
    db.session.commit()
    messages = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert sorted(messages) == [
        "event_organiser@a.example",
        "manager@a.example",
        "viewer@a.example",
    ]
    assert messages["manager@a.example"].subject.startswith("Applications to")
    assert messages["viewer@a.example"].language == "fi"
    assert messages["event_organiser@a.example"].language == "sv"
    assert "planner@a.example" not in messages
    assert event.close_noticed_at is not None


def test_a_close_noticed_after_the_decisions_went_out_says_so(app, people):
    event = make_event(people["host"], decisions_sent_at=AFTER)
    make_track(event)
    assert services.notice_closed_windows(AFTER) == 1
    body = db.session.scalars(select(OutboxMessage.body)).first()
    assert "its decisions have already been sent" in body
    assert "decisions may be sent from now on" not in body


def test_drafts_and_open_windows_are_not_noticed(app, people):
    make_event(people["host"], status=EventStatus.DRAFT)
    make_event(people["host"], title="Open", closes_at=AFTER + timedelta(days=30))
    assert services.notice_closed_windows(AFTER) == 0
    assert db.session.scalar(select(OutboxMessage)) is None


def test_the_periodic_task_notices_and_commits(app, people):
    from freezegun import freeze_time

    from app.events.tasks import notice_closed_windows_task

    make_event(people["host"])
    with freeze_time(AFTER):
        assert notice_closed_windows_task.call_local() == 1
        assert notice_closed_windows_task.call_local() == 0
    db.session.remove()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 2  # manager, organiser
