"""An event cancelled: everyone who stands by an application is told once, in the language
they applied in; who withdrew, or had their data erased, is not."""

from __future__ import annotations

from freezegun import freeze_time
from sqlalchemy import select

from app.applications import services
from app.applications.models import ApplicationStatus
from app.core.extensions import db
from app.events.models import EventStatus
from app.mail.models import OutboxMessage
from tests.events.factories import AFTER, make_application, make_event, make_track
from tests.participation.conftest import translated


def test_those_who_applied_are_told_once_in_their_language(app, make_institution):
    event = make_event(make_institution("uni-a", name="University A"))
    track = make_track(event)
    make_application(track, "en@uni.example", language="en")
    make_application(track, "fi@uni.example", language="fi")
    make_application(track, "gone@uni.example", status=ApplicationStatus.WITHDRAWN)
    assert services.notice_cancelled_events(AFTER) == 0  # not cancelled
    event.status = EventStatus.CANCELLED
    db.session.commit()

    assert services.notice_cancelled_events(AFTER) == 2
    db.session.commit()
    assert services.notice_cancelled_events(AFTER) == 0
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert sorted(mails) == ["en@uni.example", "fi@uni.example"]
    english = mails["en@uni.example"]
    assert english.subject == "International Staff Training Days 2026 is cancelled"
    assert "6\u2009–\u20098 May 2026" in english.body
    assert "Questions? Write to the organisers: staffweek@example.org" in english.body
    assert mails["fi@uni.example"].subject == translated("fi", "%(event)s is cancelled") % {
        "event": event.title
    }


def test_cancelling_from_the_overview_says_who_is_told(client, make_institution, make_user):
    from tests.conftest import login

    host = make_institution("uni-a", name="University A")
    make_user("manager@a.example", institution=host, role="manager")
    event = make_event(host, status=EventStatus.DRAFT)
    with freeze_time(AFTER):  # the window has closed; the event is ahead
        login(client, "manager@a.example")
        page = client.post(
            f"/institutions/uni-a/events/{event.id}/status",
            data={"status": "cancelled"},
            follow_redirects=True,
        ).text
    assert "Everyone who applied is told by email" in page
