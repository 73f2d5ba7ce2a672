"""Deleting an applicant's data after the event: asked on their page, carried out by the
periodic task's service, idempotent; the figures of the event keep what they count."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.applications import services, tasks
from app.applications.models import Answer, Applicant, Application, Decision, PlaceStatus
from app.applications.signals import application_erased
from app.core.extensions import aware, db
from app.events.models import token_digest
from app.mail.models import OutboxMessage
from tests.applications.conftest import form_of
from tests.events.factories import DURING, make_applicant

SECOND = timedelta(seconds=1)


def _applied(client, call, make_institution) -> tuple[Application, str]:
    home = make_institution("uni-elsewhere", name="University of Elsewhere")
    _applicant, token = make_applicant(call.event, "aino@uni.example")
    with freeze_time(DURING):
        assert client.post(f"/applications/{token}", data=form_of(call)).status_code == 302
    application = db.session.scalar(select(Application))
    application.networks = ["Una Europa"]
    application.decision = Decision.ACCEPTED
    application.place = PlaceStatus.CONFIRMED
    db.session.commit()
    assert application.home_institution_id == home.id
    return application, token


def _end(call) -> datetime:
    """The first second after the event's last day (8 May 2026) in Helsinki."""
    return call.event.to_utc(datetime(2026, 5, 9))


def test_deleting_is_offered_only_once_the_event_is_over_where_it_takes_place(
    client, call, make_institution
):
    _, token = _applied(client, call, make_institution)
    with freeze_time(_end(call) - SECOND):
        assert "Delete my data" not in client.get(f"/applications/{token}").get_data(as_text=True)
        client.post(f"/applications/{token}", data={"action": "erase-confirmed"})
    assert db.session.scalar(select(Application)).erasure_requested_at is None
    with freeze_time(_end(call)):
        assert "Delete my data" in client.get(f"/applications/{token}").get_data(as_text=True)


def test_asking_confirms_first_then_records_the_request(client, call, make_institution):
    _, token = _applied(client, call, make_institution)
    with freeze_time(_end(call)):
        asked = client.post(f"/applications/{token}", data={"action": "erase"})
        assert "Delete your data?" in asked.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.scalar(select(Application)).erasure_requested_at is None
        done = client.post(f"/applications/{token}", data={"action": "erase-confirmed"})
        assert done.status_code == 302
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    db.session.expire_all()
    assert aware(db.session.scalar(select(Application)).erasure_requested_at) == _end(call)
    assert "You asked for your data to be deleted" in page
    assert "Delete my data" not in page


def test_a_participant_is_told_to_download_the_certificate_before_deleting(
    client, call, make_institution
):
    application, token = _applied(client, call, make_institution)
    with freeze_time(_end(call)):
        asked = client.post(f"/applications/{token}", data={"action": "erase"})
        assert "Download it first" in asked.get_data(as_text=True)
        application.place = PlaceStatus.DECLINED  # no place, no certificate to keep
        db.session.commit()
        asked = client.post(f"/applications/{token}", data={"action": "erase"})
        assert "Download it first" not in asked.get_data(as_text=True)


def test_erasure_blanks_the_person_keeps_the_figures_and_is_idempotent(
    client, call, make_institution
):
    application, token = _applied(client, call, make_institution)
    seen: list[int] = []

    def receiver(sender, application):
        seen.append(application.id)

    application_erased.connect(receiver)
    try:
        with freeze_time(_end(call)):
            client.post(f"/applications/{token}", data={"action": "erase-confirmed"})
            assert services.erase_requested(_end(call) - SECOND) == 0  # asked later than that
            assert tasks.erase_requested_data.call_local() == 1
            assert tasks.erase_requested_data.call_local() == 0
    finally:
        application_erased.disconnect(receiver)
    db.session.expire_all()
    erased = db.session.get(Application, application.id)
    applicant = db.session.get(Applicant, erased.applicant_id)
    assert seen == [application.id]
    assert erased.erased_at is not None
    assert (erased.name, erased.email, erased.current_role, erased.background) == ("", "", "", "")
    assert erased.institution_name == ""
    assert db.session.scalars(select(Answer)).all() == []
    assert applicant.email != "aino@uni.example"
    assert applicant.token_digest != token_digest(token)
    # What the event's figures count stays.
    assert (erased.track_id, erased.country, erased.networks) == (
        call.first.id,
        "DE",
        ["Una Europa"],
    )
    assert erased.home_institution_id is not None
    assert (erased.decision, erased.place) == (Decision.ACCEPTED, PlaceStatus.CONFIRMED)
    # The link stops working, and the emails sent keep neither address nor text.
    assert client.get(f"/applications/{token}").status_code == 404
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert messages and all(m.recipient == "erased" and m.body == "" for m in messages)


def test_two_erased_applicants_of_one_event_do_not_collide(call):
    from tests.events.factories import make_application

    for email in ("a@uni.example", "b@uni.example"):
        application = make_application(call.first, email)
        services.request_erasure(application, DURING)
    db.session.commit()
    assert services.erase_requested(DURING) == 2
    db.session.commit()
    assert len({a.email for a in db.session.scalars(select(Applicant))}) == 2


def test_addresses_that_never_applied_are_forgotten_after_the_event(call):
    from tests.events.factories import make_application

    make_applicant(call.event, "idle@uni.example")
    make_application(call.first, "applied@uni.example")
    day_after = call.event.to_utc(datetime(2026, 5, 9, 12))
    assert services.forget_idle_applicants(day_after) == 0  # not yet over everywhere
    two_days_after = call.event.to_utc(datetime(2026, 5, 10, 12))
    with freeze_time(two_days_after):
        assert tasks.forget_idle_applicants.call_local() == 1
    assert services.forget_idle_applicants(two_days_after) == 0
    db.session.commit()
    assert [a.email for a in db.session.scalars(select(Applicant))] == ["applied@uni.example"]


def test_erasure_blanks_the_words_of_the_feedback_and_keeps_its_ratings(call):
    from app.participation.models import Feedback
    from tests.events.factories import make_application

    application = make_application(call.first)
    db.session.add(
        Feedback(
            application=application,
            overall=5,
            track_rating=4,
            will_change="Our welcome week, after Aino's talk",
            comments="Thanks to Mikko",
        )
    )
    services.request_erasure(application, DURING)
    db.session.commit()
    assert services.erase_requested(DURING) == 1
    db.session.commit()
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.overall, feedback.track_rating) == (5, 4)
    assert (feedback.will_change, feedback.comments) == ("", "")
