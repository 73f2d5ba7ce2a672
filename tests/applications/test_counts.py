"""The applications package answers the events package's count of applications per track:
the organiser's pages and the close notice show real numbers, not 0."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.applications.models import ApplicationStatus
from app.core.extensions import db
from app.events import services
from app.mail.models import OutboxMessage
from tests.conftest import login
from tests.events.factories import AFTER, make_application


def test_each_track_counts_its_applications_withdrawn_ones_too(app: Any, call: Any) -> None:
    make_application(call.first, "one@uni.example")
    make_application(call.first, "two@uni.example", status=ApplicationStatus.WITHDRAWN)
    assert services.application_counts(call.event) == {call.first.id: 2, call.second.id: 0}


def test_the_organiser_sees_the_count_on_the_tracks_page(
    client: Any, call: Any, make_user: Any
) -> None:
    make_user("host@helsinki.example", institution=call.event.institution, role="manager")
    make_application(call.first, "one@uni.example")
    login(client, "host@helsinki.example")
    slug = call.event.institution.slug
    page = client.get(f"/institutions/{slug}/events/{call.event.id}/tracks").get_data(as_text=True)
    assert "1 application" in page
    assert "0 applications" in page  # the second track


def test_the_close_notice_counts_the_applications(app: Any, call: Any, make_user: Any) -> None:
    make_user("host@helsinki.example", institution=call.event.institution, role="manager")
    make_application(call.first, "one@uni.example")
    make_application(call.first, "two@uni.example")
    assert services.notice_closed_windows(AFTER) == 1
    db.session.commit()
    body = db.session.scalar(select(OutboxMessage.body))
    assert f"{call.first.title}: 2 applications" in body
    assert f"{call.second.title}: 0 applications" in body
