"""Check-in: a list per day of the event, one form per person marking present or absent."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.core.extensions import db
from app.participation import services
from app.participation.models import Attendance
from tests.participation.conftest import DURING_EVENT, sign_in


def _present() -> set[tuple[int, date]]:
    return set(db.session.execute(select(Attendance.application_id, Attendance.day)).all())


def test_the_list_opens_on_today_during_the_event(hosted, client):
    with freeze_time(DURING_EVENT):
        sign_in(client, hosted)
        page = client.get(hosted.url("/checkin"))
    assert page.status_code == 200
    assert b'aria-current="date">' in page.data
    assert b"/checkin/2026-05-07" in page.data
    # Every participant, none of those without a confirmed place.
    for application in hosted.participants:
        assert f'id="p-{application.id}"'.encode() in page.data
    assert b"Wanda Waiting" not in page.data


def test_a_participant_is_marked_present_and_absent_again(hosted, client):
    sign_in(client, hosted)
    application = hosted.participants[0]
    url = hosted.url(f"/checkin/2026-05-06/{application.id}")
    response = client.post(url, data={"present": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/checkin/2026-05-06#p-{application.id}")
    client.post(url, data={"present": "1"})  # twice: still one row
    assert _present() == {(application.id, date(2026, 5, 6))}
    row = db.session.scalar(select(Attendance))
    assert row.marked_by == "organiser@a.example"
    page = client.get(hosted.url("/checkin/2026-05-06"))
    assert b"1 of 3 present" in page.data
    client.post(url, data={"present": "0"})
    assert _present() == set()


def test_days_are_kept_apart(hosted, client):
    sign_in(client, hosted)
    application = hosted.participants[1]
    for day in ("2026-05-06", "2026-05-08"):
        client.post(hosted.url(f"/checkin/{day}/{application.id}"), data={"present": "1"})
    assert services.days_attended(application) == [date(2026, 5, 6), date(2026, 5, 8)]
    assert services.attendance_of(hosted.event) == {
        application.id: [date(2026, 5, 6), date(2026, 5, 8)]
    }


def test_a_day_outside_the_event_is_refused_in_words(hosted, client):
    sign_in(client, hosted)
    application = hosted.participants[0]
    for day in ("2026-05-05", "2026-05-09", "not-a-day", "2026-02-30"):
        page = client.get(hosted.url(f"/checkin/{day}"))
        assert page.status_code == 404
        assert b"is not a day of this event" in page.data
        marked = client.post(hosted.url(f"/checkin/{day}/{application.id}"), data={"present": "1"})
        assert marked.status_code == 400
        assert b"is not a day of this event" in marked.data
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_only_participants_of_this_event_are_marked(hosted, client):
    sign_in(client, hosted)
    waiting = hosted.people["waiting"]
    assert (
        client.post(hosted.url(f"/checkin/2026-05-06/{waiting.id}"), data={"present": "1"})
    ).status_code == 404
    assert (
        client.post(hosted.url("/checkin/2026-05-06/99999"), data={"present": "1"})
    ).status_code == 404
    refused = client.post(
        hosted.url(f"/checkin/2026-05-06/{hosted.participants[0].id}"), data={"present": "yes"}
    )
    assert refused.status_code == 400
    assert _present() == set()


def test_the_service_refuses_a_day_outside(hosted):
    with pytest.raises(services.DayOutside):
        services.mark_attendance(hosted.participants[0], date(2026, 5, 9), True, "x", DURING_EVENT)


def test_check_in_answers_by_role(hosted, client):
    application = hosted.participants[0]
    mark = hosted.url(f"/checkin/2026-05-06/{application.id}")
    assert client.get(hosted.url("/checkin")).status_code == 302
    assert client.post(mark, data={"present": "1"}).status_code == 302  # to sign in
    sign_in(client, hosted, "outsider")
    assert client.get(hosted.url("/checkin")).status_code == 404
    assert client.post(mark, data={"present": "1"}).status_code == 404
    client.post("/logout")
    sign_in(client, hosted, "planner")
    assert client.get(hosted.url("/checkin")).status_code == 403
    assert client.post(mark, data={"present": "1"}).status_code == 403
    assert _present() == set()
    # Another institution's address for this event's id: not found.
    client.post("/logout")
    sign_in(client, hosted)
    assert client.get(f"/institutions/uni-b/events/{hosted.event.id}/checkin").status_code == 404


def test_names_are_escaped_on_the_list(hosted, client):
    hosted.participants[0].name = '<script>alert("n")</script>'
    db.session.commit()
    sign_in(client, hosted)
    page = client.get(hosted.url("/checkin/2026-05-06"))
    assert b"<script>alert" not in page.data
    assert b"&lt;script&gt;alert(&#34;n&#34;)&lt;/script&gt;" in page.data
