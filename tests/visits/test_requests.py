"""Requesting a visit without an account, the emailed link, the visitor's page, and every
step of the host and the visitor through the pages, with their emails."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app.core.extensions import db
from app.mail.models import OutboxMessage
from app.visits.models import VisitRequest, VisitState, VisitUnit
from tests.visits.conftest import (
    AFTER,
    BEFORE,
    END,
    START,
    as_user,
    latest_link,
    make_request,
    request_form,
)


def _mails() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))) or 0


def test_the_public_page_lists_only_units_that_accept_visits(client, host):
    page = client.get(host.url()).get_data(as_text=True)
    assert "Language Centre" in page and "Student Services" in page
    assert "Library" not in page
    assert "language teaching" in page and "English, Finnish" in page and "May" in page
    assert client.get("/institutions/nowhere/visits").status_code == 404


def test_an_institution_without_units_for_visits_does_not_claim_any(client, host):
    for offer in db.session.scalars(select(VisitUnit)):
        offer.accepts_visits = False
    db.session.commit()
    page = client.get(host.url()).get_data(as_text=True)
    assert "No unit of this institution accepts individual visits" in page
    assert "These units can host your visit" not in page


def test_the_request_form_bounds_its_dates(client, host):
    with freeze_time(BEFORE):
        for changes in (
            {"preferred_start": "2027-02-01"},  # in the past
            {"preferred_end": START.isoformat()},  # end not after start
            {"preferred_end": (START + timedelta(days=400)).isoformat()},  # span over a year
            {"preferred_start": "2031-01-01", "preferred_end": "2031-01-05"},  # too far ahead
            {"email": "not an address"},
            {"topic": "x" * 201},
            {"suggested_unit": str(host.units["closed"].id)},  # not accepting visits
        ):
            response = client.post(host.url("/request"), data=request_form(host, **changes))
            assert response.status_code == 400, changes
    assert db.session.scalar(select(func.count(VisitRequest.id))) == 0


def test_a_request_is_hidden_from_the_host_until_the_email_is_verified(client, host):
    visit, token = make_request(client, host, verify=False)
    assert visit.state == VisitState.UNVERIFIED
    assert visit.email == "visitor@elsewhere.example"
    assert visit.token_digest != token  # only the digest is stored
    as_user(client, host.people["manager"])
    assert "Vera Visitor" not in client.get(host.url("/requests")).get_data(as_text=True)
    assert client.get(host.url(f"/requests/{visit.id}")).status_code == 404
    client.post("/logout")
    with freeze_time(BEFORE):
        page = client.get(f"/visits/{token}").get_data(as_text=True)
    assert "Your email is confirmed" in page
    db.session.refresh(visit)
    assert visit.state == VisitState.REQUESTED and visit.verified_at is not None
    as_user(client, host.people["manager"])
    assert "Vera Visitor" in client.get(host.url("/requests")).get_data(as_text=True)
    assert client.get(host.url(f"/requests/{visit.id}")).status_code == 200


def test_a_visitor_sees_only_their_request_by_its_secret_link(client, host):
    _first, first_token = make_request(client, host)
    _second, second_token = make_request(
        client, host, email="other@elsewhere.example", name="Otto Other"
    )
    first = client.get(f"/visits/{first_token}").get_data(as_text=True)
    second = client.get(f"/visits/{second_token}").get_data(as_text=True)
    assert "Observing language teaching" in first and "Otto" not in first
    # The page shows back what the visitor wrote: who they are and their message.
    for said in ("Universidad de Ejemplo", "Language teacher", "I teach Finnish as a foreign"):
        assert said in first
    assert "Vera" not in second
    assert client.get("/visits/not-a-real-token").status_code == 404
    assert client.get("/visits/" + "x" * 200).status_code == 404


def _route(client, host, visit, unit="language"):
    as_user(client, host.people["manager"])
    return client.post(host.url(f"/requests/{visit.id}/route"), data={"unit": host.units[unit].id})


def _answer(client, host, visit, **data):
    return client.post(host.url(f"/requests/{visit.id}/answer"), data=data)


def test_the_whole_way_from_request_to_recorded_visit(client, host):
    visit, token = make_request(client, host)
    with freeze_time(BEFORE):
        assert _route(client, host, visit).status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.ROUTED and visit.unit_id == host.units["language"].id
        as_user(client, host.people["contact"])
        before = _mails()
        assert (
            _answer(client, host, visit, action="call", note="Teams on Monday?").status_code == 302
        )
        db.session.refresh(visit)
        assert visit.state == VisitState.CALL and _mails() == before + 1
        call_token = latest_link()
        assert call_token != token
        assert client.get(f"/visits/{token}").status_code == 404  # the new link replaces it
        assert "Teams on Monday?" in client.get(f"/visits/{call_token}").get_data(as_text=True)
        as_user(client, host.people["contact"])
        assert _answer(client, host, visit, action="accept").status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.ACCEPTED
        accepted = db.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc())
        ).first()
        assert "is accepted" in accepted.subject
        token = latest_link()
        client.post("/logout")
        assert client.post(f"/visits/{token}", data={"action": "confirm"}).status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.CONFIRMED
        assert (visit.starts_on, visit.ends_on) == (START, END)
        as_user(client, host.people["contact"])
        response = client.post(
            host.url(f"/requests/{visit.id}/programme"),
            data={"programme": "## Day 1\n\nObserve a class.<script>alert(1)</script>"},
        )
        assert response.status_code == 302
        # The visit has not ended: its attendance waits.
        response = client.post(
            host.url(f"/requests/{visit.id}/record"), data={"days": [START.isoformat()]}
        )
        assert response.status_code == 409
    page = client.get(f"/visits/{token}").get_data(as_text=True)
    assert "<h3>Day 1</h3>" in page and "<script>alert" not in page
    with freeze_time(AFTER):
        as_user(client, host.people["contact"])
        days = [START.isoformat(), (START + timedelta(days=1)).isoformat(), "2027-06-01"]
        response = client.post(host.url(f"/requests/{visit.id}/record"), data={"days": days})
        assert response.status_code == 400  # a day outside the visit is no choice
        response = client.post(host.url(f"/requests/{visit.id}/record"), data={"days": days[:2]})
        assert response.status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.RECORDED and [d.day for d in visit.days] == [
            START,
            START + timedelta(days=1),
        ]
        client.post("/logout")
        page = client.get(f"/visits/{token}").get_data(as_text=True)
        assert "2 days of your visit" in page
        response = client.post(
            f"/visits/{token}",
            data={"action": "feedback", "overall": "6", "will_change": "x"},
        )
        assert response.status_code == 400
        response = client.post(
            f"/visits/{token}",
            data={"action": "feedback", "overall": "5", "will_change": "Team teaching."},
        )
        assert response.status_code == 302
        db.session.refresh(visit)
        assert visit.feedback.overall == 5 and visit.feedback.will_change == "Team teaching."


def test_the_unit_proposes_other_dates_that_the_visitor_confirms(client, host):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        _route(client, host, visit)
        as_user(client, host.people["contact"])
        bad = _answer(client, host, visit, action="propose", start="2027-09-10", end="2027-09-01")
        assert bad.status_code == 400
        assert _answer(client, host, visit, action="propose", start="2027-09-07").status_code == 400
        ok = _answer(client, host, visit, action="propose", start="2027-09-07", end="2027-09-09")
        assert ok.status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.PROPOSED
        token = latest_link()
        assert "The unit proposes these dates" in client.get(f"/visits/{token}").get_data(
            as_text=True
        )
        client.post("/logout")
        client.post(f"/visits/{token}", data={"action": "confirm"})
        db.session.refresh(visit)
        assert visit.state == VisitState.CONFIRMED
        assert visit.starts_on.isoformat() == "2027-09-07"


def test_a_decline_needs_a_reason_and_is_mailed(client, host):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        _route(client, host, visit)
        as_user(client, host.people["contact"])
        assert _answer(client, host, visit, action="decline").status_code == 400
        response = _answer(client, host, visit, action="decline", reason="No teaching in May.")
        assert response.status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.DECLINED
        message = db.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id.desc())
        ).first()
        assert "declined" in message.subject and "No teaching in May." in message.body


def test_the_office_may_decline_a_request_it_has_not_routed(client, host):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        as_user(client, host.people["manager"])
        response = _answer(client, host, visit, action="decline", reason="Nobody can host.")
        assert response.status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.DECLINED


def test_the_visitor_withdraws_and_nothing_more_happens(client, host):
    visit, token = make_request(client, host)
    with freeze_time(BEFORE):
        assert client.post(f"/visits/{token}", data={"action": "withdraw"}).status_code == 302
        db.session.refresh(visit)
        assert visit.state == VisitState.WITHDRAWN
        response = client.post(f"/visits/{token}", data={"action": "confirm"})
        assert response.status_code == 409
        assert "not possible now" in response.get_data(as_text=True)
        assert _route(client, host, visit).status_code == 409
        db.session.refresh(visit)
        assert visit.state == VisitState.WITHDRAWN


def test_invalid_steps_answer_a_clear_error_and_change_nothing(client, host):
    visit, token = make_request(client, host)
    with freeze_time(BEFORE):
        response = client.post(f"/visits/{token}", data={"action": "confirm"})
        assert response.status_code == 409
        assert "the request is Requested" in response.get_data(as_text=True)
        as_user(client, host.people["manager"])
        response = _answer(client, host, visit, action="accept")
        assert response.status_code == 409 and "Nothing was changed" in response.get_data(
            as_text=True
        )
        response = client.post(host.url(f"/requests/{visit.id}/programme"), data={"programme": "x"})
        assert response.status_code == 409
        assert client.post(f"/visits/{token}", data={"action": "bogus"}).status_code == 400
        db.session.refresh(visit)
        assert visit.state == VisitState.REQUESTED and visit.programme == ""


def _answer_forms(page: str) -> dict[str, str]:
    """The host page's answer forms by their action."""
    forms = re.findall(r"<form\b.*?</form>", page, flags=re.S)
    found = {}
    for form in forms:
        action = re.search(r'name="action" value="(\w+)"', form)
        if action:
            found[action.group(1)] = form
    return found


def test_the_unit_can_write_a_note_with_a_call_first_and_with_other_dates(client, host):
    """The note (how to reach the unit for the call: replies to the emails are not read) goes
    with each answer that takes one, under a label of its own; the visitor reads it, and the
    visitor's message, with their line breaks."""
    visit, _token = make_request(client, host, message="Two classes, please.\nAnd a tour.")
    with freeze_time(BEFORE):
        _route(client, host, visit)
        as_user(client, host.people["contact"])
        page = client.get(host.url(f"/requests/{visit.id}")).get_data(as_text=True)
        assert '<dd class="keep-lines">Two classes, please.\nAnd a tour.</dd>' in page
        forms = _answer_forms(page)
        for action in ("accept", "call", "propose"):
            assert 'name="note"' in forms[action], action
            assert f'<label for="note-{action}">' in forms[action]
            assert f'id="note-{action}"' in forms[action]
        assert 'name="note"' not in forms["decline"]
        assert len(set(re.findall(r'\bid="([^"]+)"', page))) == len(re.findall(r'\bid="', page))
        note = "Teams on Monday at 10?\nWrite to lc@a.example."
        assert _answer(client, host, visit, action="call", note=note).status_code == 302
        client.post("/logout")
        own = client.get(f"/visits/{latest_link()}").get_data(as_text=True)
    assert f'<span class="keep-lines">{note}</span>' in own


def test_a_refused_note_comes_back_in_its_own_form_only(client, host):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        _route(client, host, visit)
        as_user(client, host.people["contact"])
        response = _answer(client, host, visit, action="call", note="n" * 5001)
        assert response.status_code == 400
        forms = _answer_forms(response.get_data(as_text=True))
    assert "n" * 5001 in forms["call"] and 'aria-invalid="true"' in forms["call"]
    assert "n" * 50 not in forms["accept"] and "n" * 50 not in forms["propose"]
    db.session.refresh(visit)
    assert visit.state == VisitState.ROUTED
