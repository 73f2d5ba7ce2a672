"""The partials other packages' pages include, and the scheduled tasks that wrap services."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import render_template
from freezegun import freeze_time
from sqlalchemy import func, select

from app.core.extensions import db
from app.mail.models import OutboxMessage
from app.participation import services, tasks
from tests.participation.conftest import AFTER_EVENT, DURING_EVENT, sign_in

MEETING = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)


def _after(app, hosted, application, now) -> str:
    with app.test_request_context("/"):
        return render_template(
            "participation/_applicant_after.html",
            event=hosted.event,
            application=application,
            token=hosted.tokens[application.id],
            now=now,
        )


def test_the_applicant_page_shows_a_participant_what_they_have(app, hosted):
    application = hosted.participants[0]
    token = hosted.tokens[application.id]
    hosted.event.meeting_at = MEETING
    hosted.event.list_shared = True
    db.session.commit()
    before = datetime(2026, 4, 1, tzinfo=UTC)
    with freeze_time(before):
        html = _after(app, hosted, application, before)
    assert "Preparatory online meeting" in html
    assert "20 April 2026" in html and 'href="https://meet.example/prep"' in html
    with freeze_time(DURING_EVENT):
        html = _after(app, hosted, application, DURING_EVENT)
    assert "20 April 2026" in html and "meet.example" not in html  # the meeting is past
    assert f"/applications/{token}/participants" in html
    assert "certificate.pdf" not in html  # not present on any day yet
    assert "/feedback" not in html  # not open during the event
    services.mark_attendance(application, date(2026, 5, 6), True, "t", DURING_EVENT)
    db.session.commit()
    with freeze_time(AFTER_EVENT):
        html = _after(app, hosted, application, AFTER_EVENT)
    assert f"/applications/{token}/certificate.pdf" in html
    assert f"/applications/{token}/feedback" in html


def test_the_applicant_page_shows_nothing_without_a_confirmed_place(app, hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    html = _after(app, hosted, hosted.people["waiting"], AFTER_EVENT)
    assert html.strip() == ""


def test_a_meeting_address_that_is_not_a_web_link_is_not_a_link(app, hosted):
    hosted.event.meeting_at = MEETING
    hosted.event.meeting_url = "javascript:alert(1)"
    db.session.commit()
    html = _after(app, hosted, hosted.participants[0], DURING_EVENT)
    assert "javascript:" not in html


def test_the_event_overview_links_to_taking_part(app, hosted):
    with app.test_request_context("/"):
        html = render_template("participation/_event_nav.html", event=hosted.event)
    for tail in ("/participants", "/checkin", "/feedback"):
        assert f'href="{hosted.url(tail)}"' in html
    assert html.count("<li>") == 3


def test_the_scheduled_tasks_send_and_commit_once(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    with freeze_time(datetime(2026, 3, 1, tzinfo=UTC)):
        assert tasks.meeting_invitations.call_local() == 3
        assert tasks.meeting_invitations.call_local() == 0
    with freeze_time(datetime(2026, 4, 19, 8, 0, tzinfo=UTC)):
        assert tasks.meeting_reminders.call_local() == 3
        assert tasks.meeting_reminders.call_local() == 0
    with freeze_time(AFTER_EVENT):
        assert tasks.feedback_invitations.call_local() == 3
        assert tasks.feedback_invitations.call_local() == 0
    with freeze_time(datetime(2026, 5, 16, 9, 0, tzinfo=UTC)):
        assert tasks.feedback_reminders.call_local() == 3
        assert tasks.feedback_reminders.call_local() == 0
    db.session.rollback()  # what the tasks committed stays
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 12


def test_the_applicants_own_page_includes_taking_part(hosted, client):
    application = hosted.participants[0]
    hosted.event.meeting_at = MEETING
    hosted.event.list_shared = True
    db.session.commit()
    token = hosted.tokens[application.id]
    with freeze_time(DURING_EVENT):
        page = client.get(f"/applications/{token}")
    assert page.status_code == 200
    assert b"Taking part" in page.data
    assert f"/applications/{token}/participants".encode() in page.data
    waiting = hosted.people["waiting"]
    with freeze_time(DURING_EVENT):
        other = client.get(f"/applications/{hosted.tokens[waiting.id]}")
    assert other.status_code == 200 and b"Taking part" not in other.data


def test_the_event_overview_page_includes_the_links(hosted, client):
    sign_in(client, hosted)
    page = client.get(hosted.url())
    assert page.status_code == 200
    for tail in ("/participants", "/checkin", "/feedback"):
        assert f'href="{hosted.url(tail)}"'.encode() in page.data
