"""Asking for the link to apply: the window's edges, invitations, one answer for every
address, new links replacing old ones, and the limits per address and per email."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import Applicant
from app.core.extensions import db
from app.events.models import EventStatus, token_digest
from app.mail.models import OutboxMessage
from tests.events.factories import DURING, make_applicant

SECOND = timedelta(seconds=1)


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def token_in(body: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:5000/applications/([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def ask(client, event, email="new@uni.example", query="", **kw):
    return client.post(f"/events/{event.id}/apply{query}", data={"email": email}, **kw)


def test_asking_mails_a_link_whose_token_only_the_digest_of_is_stored(client, call):
    with freeze_time(DURING):
        response = ask(client, call.event, " New@Uni.Example ", headers={"Accept-Language": "sv"})
        assert response.status_code == 302
        (message,) = outbox()
        assert message.recipient == "new@uni.example"
        token = token_in(message.body)
        applicant = db.session.scalar(select(Applicant))
        assert applicant.email == "new@uni.example"
        assert applicant.language == "sv" == message.language
        assert applicant.token_digest == token_digest(token) != token
        assert applicant.verified_at is None
        assert client.get(f"/applications/{token}").status_code == 200
        db.session.expire_all()
        assert db.session.get(Applicant, applicant.id).verified_at is not None


def test_the_link_names_the_configured_address_not_the_requests_host(client, call):
    with freeze_time(DURING):
        ask(client, call.event, headers={"Host": "evil.example"})
    assert "evil.example" not in outbox()[0].body
    token_in(outbox()[0].body)


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, call):
    make_applicant(call.event, "known@uni.example", link_sent_at=DURING - timedelta(hours=1))
    with freeze_time(DURING):
        pages = []
        for email in ("known@uni.example", "unknown@uni.example"):
            response = ask(client, call.event, email, follow_redirects=True)
            assert response.status_code == 200
            pages.append(response.get_data(as_text=True).replace(email, "ADDRESS"))
    assert pages[0] == pages[1]
    assert "A link is on its way to ADDRESS" in pages[0]
    assert [m.recipient for m in outbox()] == ["known@uni.example", "unknown@uni.example"]


def test_asking_again_mails_a_new_link_and_the_old_one_stops_working(client, call):
    with freeze_time(DURING):
        ask(client, call.event)
    with freeze_time(DURING + timedelta(minutes=5)):
        ask(client, call.event)
        first, second = (token_in(m.body) for m in outbox())
        assert first != second
        assert client.get(f"/applications/{first}").status_code == 404
        assert client.get(f"/applications/{second}").status_code == 200


def test_asking_again_at_once_answers_the_same_and_mails_nothing(client, call):
    with freeze_time(DURING):
        first = ask(client, call.event)
        again = ask(client, call.event)
    assert first.status_code == again.status_code == 302
    assert len(outbox()) == 1


def test_links_are_limited_per_email_address_whatever_the_ip(client, call):
    with freeze_time(DURING):
        statuses = [
            ask(client, call.event, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
            for n in range(4)
        ]
        assert "Too many links asked for" in ask(client, call.event).get_data(as_text=True)
    assert statuses == [302, 302, 302, 429]


def test_links_are_limited_per_ip_whatever_the_address(client, call):
    with freeze_time(DURING):
        statuses = [ask(client, call.event, f"p{n}@uni.example").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert len(outbox()) == 10


def _local(event, *parts: int) -> datetime:
    return event.to_utc(datetime(*parts))


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (lambda e: _local(e, 2026, 1, 14) - SECOND, False),  # 13 Jan 23:59:59 in Helsinki
        (lambda e: _local(e, 2026, 1, 14), True),
        (lambda e: _local(e, 2026, 2, 14) - SECOND, True),  # 13 Feb 23:59:59 in Helsinki
        (lambda e: _local(e, 2026, 2, 14), False),
    ],
)
def test_links_are_mailed_only_inside_the_window_in_the_events_time_zone(
    client, call, moment, accepted
):
    with freeze_time(moment(call.event)):
        page = client.get(f"/events/{call.event.id}/apply").get_data(as_text=True)
        response = ask(client, call.event)
    assert ('name="email"' in page) is accepted
    assert response.status_code == (302 if accepted else 409)
    assert len(outbox()) == (1 if accepted else 0)
    assert db.session.scalar(select(Applicant)) is None or accepted


def test_before_the_window_the_page_says_when_it_opens(client, call):
    with freeze_time(call.event.opens_at - SECOND):
        page = client.get(f"/events/{call.event.id}/apply").get_data(as_text=True)
    # 14 January 00:00 in Helsinki, not 13 January 22:00 UTC.
    assert "Applications open on 14 January 2026, 00:00 (Finland Time)." in page


@pytest.mark.parametrize("status", [EventStatus.DRAFT, EventStatus.CANCELLED])
def test_a_draft_or_cancelled_event_takes_no_link(client, call, status):
    call.event.status = status
    db.session.commit()
    with freeze_time(DURING):
        assert client.get(f"/events/{call.event.id}/apply").status_code == 404
        assert ask(client, call.event).status_code == 404
    assert outbox() == []


@pytest.mark.parametrize("event_id", ["999", "99999999999999999999"])
def test_an_unknown_event_is_not_found(client, call, event_id):
    assert client.get(f"/events/{event_id}/apply").status_code == 404


def test_an_invitation_only_event_needs_the_invitations_token(client, call):
    call.event.invitation_only = True
    call.event.invitation_digest = token_digest("the-invitation")
    db.session.commit()
    with freeze_time(DURING):
        for query in ("", "?invitation=wrong", "?invitation=" + "x" * 5000):
            page = client.get(f"/events/{call.event.id}/apply{query}")
            assert page.status_code == 403
            assert 'name="email"' not in page.get_data(as_text=True)
            assert "invited participants only" in page.get_data(as_text=True)
            assert ask(client, call.event, query=query).status_code == 403
        assert outbox() == []
        page = client.get(f"/events/{call.event.id}/apply?invitation=the-invitation")
        assert 'name="email"' in page.get_data(as_text=True)
        response = ask(client, call.event, query="?invitation=the-invitation")
    assert response.status_code == 302
    assert response.location.endswith("?invitation=the-invitation")
    assert len(outbox()) == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not an address"},
        {"email": "a@" + "b" * 300 + ".example"},
        {"email": ["one@uni.example", "two@uni.example"]},
        {"email": "x\x00@uni.example"},
    ],
)
def test_a_bad_address_is_a_form_error_not_a_crash(client, call, data):
    with freeze_time(DURING):
        response = client.post(f"/events/{call.event.id}/apply", data=data)
    assert response.status_code in (302, 400)
    assert len(outbox()) == (1 if response.status_code == 302 else 0)
