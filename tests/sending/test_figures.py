"""The sending plan's indicators fill from the host's records: only its own staff, only with
their consent, following the decisions, the attendance and a withdrawal; and the consent is
given on the application form or later from the applicant's page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import select

from app.applications import services as applying
from app.applications.models import Application
from app.core.extensions import db
from app.indicators.models import Indicator, Measurement
from app.participation.services import mark_attendance
from app.selection.decisions import DecisionRow, decide, send_decisions
from app.sending import services
from app.sending.models import Sending
from tests.conftest import login
from tests.events.factories import AFTER, DURING, make_applicant, make_application


def _figures(sending: Sending) -> dict[str, Decimal]:
    """Return each computed indicator's value (absent: no value) by source."""
    db.session.expire_all()
    found = {}
    for indicator in db.session.scalars(
        select(Indicator).where(Indicator.activity_id == sending.activity_id)
    ):
        for measurement in db.session.scalars(
            select(Measurement).where(Measurement.indicator_id == indicator.id)
        ):
            assert measurement.period_key == "2026"
            found[indicator.source.removeprefix("sending.")] = measurement.value
    return found


def _apply(sendings, email: str, home, consent: bool, name: str) -> tuple[Application, str]:
    applicant, token = make_applicant(sendings.event, email)
    application = make_application(
        sendings.track,
        email,
        applicant=applicant,
        name=name,
        institution_name=home.name,
        home_institution_id=home.id,
        plan_consent=consent,
    )
    return application, token


def _form(sendings, **extra: str) -> dict[str, str]:
    """A complete application form of a Jyväskylä staff member (the track has no questions)."""
    return {
        "based_on": "",
        "shown_track": str(sendings.track.id),
        "name": "Aino Applicant",
        "current_role": "Mobility coordinator",
        "background": "Ten years in an international office.",
        "institution_name": "University of Jyväskylä",
        "country": "FI",
        "other_networks": "",
        "track": str(sendings.track.id),
        "consent": "y",
        "submit": "Send",
        **extra,
    }


def _send(sendings) -> Sending:
    sending, created = services.send_staff(
        sendings.plan, sendings.event, people=2, kind="job_shadowing", by="t", language="en"
    )
    assert created
    db.session.commit()
    return sending


def test_the_figures_follow_acceptance_attendance_consent_and_withdrawal(sendings):
    sending = _send(sendings)
    aino, _ = _apply(sendings, "aino@jyu.example", sendings.sender, True, "Aino")
    bo, _ = _apply(sendings, "bo@jyu.example", sendings.sender, False, "Bo")
    cai, _ = _apply(sendings, "cai@tuni.example", sendings.third, True, "Cai")
    dan, _ = _apply(sendings, "dan@jyu.example", sendings.sender, True, "Dan")
    assert _figures(sending) == {"staff_sent": 0, "days_abroad": 0, "events_attended": 0}

    # Decided but not yet sent: the host's committee's choice is not the sender's to see.
    rows = [
        DecisionRow(aino.id, "accepted", None),
        DecisionRow(bo.id, "accepted", None),
        DecisionRow(cai.id, "accepted", None),
        DecisionRow(dan.id, "declined", None),
    ]
    decide(sendings.event, sendings.track, rows, AFTER)
    db.session.commit()
    assert _figures(sending)["staff_sent"] == 0
    send_decisions(sendings.event, AFTER)
    db.session.commit()
    # Aino only: Bo did not consent, Cai is Tampere's, Dan was not selected.
    assert _figures(sending) == {"staff_sent": 1, "days_abroad": 0, "events_attended": 0}

    for day in (date(2026, 5, 6), date(2026, 5, 7)):
        mark_attendance(db.session.get(Application, aino.id), day, True, "org", AFTER)
        mark_attendance(db.session.get(Application, cai.id), day, True, "org", AFTER)
    db.session.commit()
    assert _figures(sending) == {"staff_sent": 1, "days_abroad": 2, "events_attended": 1}

    # Bo agrees later, from the application page: counted from then on.
    applying.set_plan_consent(db.session.get(Application, bo.id), True)
    db.session.commit()
    assert _figures(sending)["staff_sent"] == 2

    # Aino withdraws her consent: nothing of hers is counted any more.
    applying.set_plan_consent(db.session.get(Application, aino.id), False)
    db.session.commit()
    assert _figures(sending) == {"staff_sent": 1, "days_abroad": 0, "events_attended": 0}

    # Bo withdraws the application.
    applying.withdraw(db.session.get(Application, bo.id), "token", AFTER)
    db.session.commit()
    assert _figures(sending)["staff_sent"] == 0


def test_a_plan_that_sends_after_its_staff_applied_counts_them_at_once(sendings):
    aino, _ = _apply(sendings, "aino@jyu.example", sendings.sender, True, "Aino")
    decide(sendings.event, sendings.track, [DecisionRow(aino.id, "accepted", None)], AFTER)
    send_decisions(sendings.event, AFTER)
    mark_attendance(db.session.get(Application, aino.id), date(2026, 5, 8), True, "org", AFTER)
    db.session.commit()
    sending = _send(sendings)
    assert _figures(sending) == {"staff_sent": 1, "days_abroad": 1, "events_attended": 1}


def test_the_sending_page_shows_only_its_own_consenting_staff(app, client, sendings):
    sending = _send(sendings)
    _apply(sendings, "aino@jyu.example", sendings.sender, True, "Aino Jyväskylä")
    _apply(sendings, "bo@jyu.example", sendings.sender, False, "Bo Unconsenting")
    _apply(sendings, "cai@tuni.example", sendings.third, True, "Cai Tampere")
    login(client, sendings.people["viewer"].email)
    page = client.get(f"/plans/{sendings.plan.id}/sendings/{sending.id}").get_data(as_text=True)
    assert "Aino Jyväskylä" in page
    assert "Bo Unconsenting" not in page
    assert "Cai Tampere" not in page
    # Tampere's own sending sees Cai only.
    theirs, _ = services.send_staff(
        sendings.third_plan, sendings.event, people=1, kind="staff_training", by="t", language="en"
    )
    db.session.commit()
    other = app.test_client()
    login(other, sendings.people["third_planner"].email)
    page = other.get(f"/plans/{sendings.third_plan.id}/sendings/{theirs.id}").get_data(as_text=True)
    assert "Cai Tampere" in page and "Aino" not in page
    assert other.get(f"/plans/{sendings.plan.id}/sendings/{sending.id}").status_code == 404


def test_the_consent_is_given_on_the_form_and_changed_from_the_page(client, sendings):
    _applicant, token = make_applicant(sendings.event, "aino@jyu.example")
    data = _form(sendings, plan_consent="y")
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        assert "may count my participation" in page
        response = client.post(f"/applications/{token}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
    application = db.session.scalar(select(Application))
    assert application.plan_consent is True
    assert application.home_institution_id == sendings.sender.id
    # Later, after the window closed, from the application's page: withdrawn, given again.
    with freeze_time(AFTER):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        assert "Withdraw this consent" in page
        client.post(f"/applications/{token}", data={"action": "plan-consent", "plan_consent": "0"})
        db.session.expire_all()
        assert db.session.get(Application, application.id).plan_consent is False
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        assert "Let my home institution count it" in page
        client.post(f"/applications/{token}", data={"action": "plan-consent", "plan_consent": "1"})
        db.session.expire_all()
        assert db.session.get(Application, application.id).plan_consent is True


def test_without_consent_on_the_form_nothing_is_counted(client, sendings):
    _applicant, token = make_applicant(sendings.event, "bo@jyu.example")
    data = _form(sendings)
    with freeze_time(DURING):
        assert client.post(f"/applications/{token}", data=data).status_code == 302
    assert db.session.scalar(select(Application)).plan_consent is False


def test_an_erased_participant_stays_counted_but_is_no_longer_listed(client, sendings):
    sending = _send(sendings)
    aino, _ = _apply(sendings, "aino@jyu.example", sendings.sender, True, "Aino Jyväskylä")
    decide(sendings.event, sendings.track, [DecisionRow(aino.id, "accepted", None)], AFTER)
    send_decisions(sendings.event, AFTER)
    mark_attendance(db.session.get(Application, aino.id), date(2026, 5, 6), True, "org", AFTER)
    db.session.commit()
    applying.erase(db.session.get(Application, aino.id), AFTER)
    db.session.commit()
    assert _figures(sending) == {"staff_sent": 1, "days_abroad": 1, "events_attended": 1}
    assert services.staff_records(db.session.get(Sending, sending.id)) == []
