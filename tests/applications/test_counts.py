"""The organiser's pages count the applications of each track from the applications' rows."""

from __future__ import annotations

from app.applications.models import ApplicationStatus
from app.events import services
from tests.applications.conftest import make_call
from tests.conftest import login
from tests.events.factories import make_application


def test_each_track_counts_its_applications_withdrawn_included(app, make_institution):
    call = make_call(make_institution)
    make_application(call.first, "a@uni.example")
    make_application(call.first, "b@uni.example", status=ApplicationStatus.WITHDRAWN)
    make_application(call.second, "c@uni.example")
    assert services.application_counts(call.event) == {call.first.id: 2, call.second.id: 1}


def test_the_organisers_overview_shows_the_counts(client, make_institution, make_user):
    call = make_call(make_institution)
    make_application(call.first, "a@uni.example")
    make_application(call.first, "b@uni.example")
    host = call.event.institution
    make_user("organiser@helsinki.example", institution=host, role="event_organiser")
    login(client, "organiser@helsinki.example")
    page = client.get(f"/institutions/{host.slug}/events/{call.event.id}/tracks").get_data(
        as_text=True
    )
    assert "2 applications" in page
