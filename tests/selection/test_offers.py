"""Offered places: confirming by the deadline, declining, and the waiting list taking every
place given back (a decline, a place given back after confirming, a missed deadline)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template
from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import Application, ApplicationStatus, Decision, PlaceStatus
from app.core.extensions import aware, db
from app.mail.models import OutboxMessage
from app.selection import decisions
from app.selection.tasks import expire_offers_task
from tests.conftest import login
from tests.events.factories import AFTER, DURING
from tests.selection.conftest import apply_with_token

DEADLINE = AFTER + timedelta(days=7)  # the scene's event gives seven days


@pytest.fixture
def sent(scene):
    """Two accepted (two places), three on the waiting list, decisions sent AFTER the close."""
    people = {}
    for name, decision, rank in (
        ("anna", "accepted", None),
        ("bert", "accepted", None),
        ("cleo", "waiting_list", 2),
        ("dan", "waiting_list", 1),
        ("eve", "waiting_list", 3),
    ):
        application, token = apply_with_token(
            scene.mobility,
            f"{name}@uni.example",
            name=name.title(),
            decision=decision,
            waiting_rank=rank,
        )
        people[name] = (application, token)
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    # An email with a link gives a new one (only digests are kept): the accepted use theirs.
    for name, (application, _token) in people.items():
        mailed = _link_token(application.email)
        if mailed:
            people[name] = (application, mailed)
    return people


def _link_token(to: str) -> str | None:
    """Return the token of the latest link mailed to an address, if any."""
    bodies = db.session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == to)
        .order_by(OutboxMessage.id.desc())
    )
    for body in bodies:
        found = re.search(r"/applications/([A-Za-z0-9_-]+)", body)
        if found:
            return found.group(1)
    return None


def _answer(client, token: str, answer: str, moment):
    with freeze_time(moment):
        # A decline is asked twice; "sure" is the second time.
        return client.post(f"/applications/{token}/place", data={"answer": answer, "sure": "yes"})


def _fresh(application):
    db.session.expire_all()
    return application


def _promoted_mails(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == to,
                OutboxMessage.subject.like("A place has opened%"),
            )
        )
    )


def test_confirming_within_the_deadline_takes_the_place(client, sent):
    anna, token = sent["anna"]
    response = _answer(client, token, "confirm", DEADLINE - timedelta(seconds=1))
    assert response.status_code == 302
    assert _fresh(anna).place == PlaceStatus.CONFIRMED
    assert aware(anna.answered_at) == DEADLINE - timedelta(seconds=1)


def _receipts(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.recipient == to,
                OutboxMessage.subject.like("Your place at % is confirmed")
                | OutboxMessage.subject.like("You have declined your place%"),
            )
            .order_by(OutboxMessage.id)
        )
    )


def test_each_answer_to_an_offer_is_confirmed_by_email_once_and_without_a_link(client, sent):
    anna, token = sent["anna"]
    bert, bert_token = sent["bert"]
    moment = AFTER + timedelta(days=1)
    _answer(client, token, "confirm", moment)
    _answer(client, token, "confirm", moment)  # again: already confirmed, no second email
    _answer(client, bert_token, "decline", moment)
    (confirmed,) = _receipts(anna.email)
    assert confirmed.subject == "Your place at International Staff Training Days 2026 is confirmed"
    assert "give the place back on your page" in confirmed.body
    (declined,) = _receipts(bert.email)
    assert "the place goes to the next on the waiting list" in declined.body
    # A new link would end the one the applicant is using.
    assert "/applications/" not in confirmed.body + declined.body
    assert _link_token(anna.email) == token


def test_confirming_at_the_deadline_is_too_late(client, sent):
    anna, token = sent["anna"]
    _answer(client, token, "confirm", DEADLINE)
    assert _fresh(anna).place == PlaceStatus.OFFERED


def test_a_decline_offers_the_place_to_the_first_on_the_waiting_list(client, scene, sent):
    anna, token = sent["anna"]
    dan, cleo, eve = sent["dan"][0], sent["cleo"][0], sent["eve"][0]
    moment = AFTER + timedelta(days=1)
    assert _answer(client, token, "decline", moment).status_code == 302
    _fresh(anna)
    assert anna.place == PlaceStatus.DECLINED
    assert dan.decision == Decision.ACCEPTED and dan.place == PlaceStatus.OFFERED
    assert aware(dan.promoted_at) == moment
    assert aware(dan.offer_deadline) == moment + timedelta(days=7)  # a deadline of its own
    assert (cleo.waiting_rank, eve.waiting_rank, dan.waiting_rank) == (1, 2, None)
    (mail,) = _promoted_mails("dan@uni.example")
    assert "Confirm or decline your place by" in mail.body
    # The promoted answer with the link of that email.
    assert _answer(client, _link_token("dan@uni.example"), "confirm", moment).status_code == 302
    assert _fresh(dan).place == PlaceStatus.CONFIRMED
    assert _promoted_mails("cleo@uni.example") == []
    # Anna's page says what became of her accepted application: she declined the place.
    with freeze_time(moment):
        page = client.get(f"/applications/{_link_token('anna@uni.example')}").get_data(as_text=True)
    assert "Accepted · Place declined" in page


def test_withdrawn_applicants_on_the_waiting_list_are_passed_over(client, sent):
    dan = sent["dan"][0]
    dan.status, dan.withdrawn_at = ApplicationStatus.WITHDRAWN, AFTER
    db.session.commit()
    _answer(client, sent["bert"][1], "decline", AFTER + timedelta(hours=1))
    cleo = _fresh(sent["cleo"][0])
    assert cleo.place == PlaceStatus.OFFERED and dan.place is None


def test_giving_back_a_confirmed_place_promotes_the_next(client, sent):
    anna, token = sent["anna"]
    _answer(client, token, "confirm", AFTER + timedelta(days=1))
    _answer(client, token, "decline", AFTER + timedelta(days=2))
    assert _fresh(anna).place == PlaceStatus.DECLINED
    assert sent["dan"][0].place == PlaceStatus.OFFERED


def test_a_missed_deadline_lapses_and_promotes_once(scene, sent):
    anna, bert, dan, cleo = (sent[n][0] for n in ("anna", "bert", "dan", "cleo"))
    decisions.answer_offer(bert, "confirm", AFTER + timedelta(days=1))
    db.session.commit()
    assert decisions.expire_offers(DEADLINE - timedelta(seconds=1)) == 0
    db.session.commit()
    assert _fresh(anna).place == PlaceStatus.OFFERED
    with freeze_time(DEADLINE + timedelta(minutes=1)):
        assert decisions.expire_offers(DEADLINE + timedelta(minutes=1)) == 1
        db.session.commit()
        assert decisions.expire_offers(DEADLINE + timedelta(minutes=2)) == 0  # idempotent
        db.session.commit()
    _fresh(anna)
    assert anna.place == PlaceStatus.EXPIRED and bert.place == PlaceStatus.CONFIRMED
    assert dan.place == PlaceStatus.OFFERED and cleo.place is None
    assert len(_promoted_mails("dan@uni.example")) == 1


def test_a_promoted_offer_that_lapses_goes_on_down_the_list(sent):
    decisions.answer_offer(sent["bert"][0], "confirm", AFTER)
    decisions.answer_offer(sent["anna"][0], "decline", AFTER)
    db.session.commit()
    dan = _fresh(sent["dan"][0])
    later = aware(dan.offer_deadline)
    assert decisions.expire_offers(later) == 1
    db.session.commit()
    assert _fresh(dan).place == PlaceStatus.EXPIRED
    assert sent["cleo"][0].place == PlaceStatus.OFFERED


def test_nobody_is_promoted_beyond_the_capacity(scene, sent):
    # Bert gives back and the first on the list takes it; the track never holds more than 2.
    decisions.answer_offer(sent["bert"][0], "decline", AFTER)
    db.session.commit()
    holders = [
        a
        for a, _ in sent.values()
        if _fresh(a).place in (PlaceStatus.OFFERED, PlaceStatus.CONFIRMED)
    ]
    assert len(holders) == scene.mobility.capacity


def test_an_unknown_link_is_not_found(client, sent):
    assert (
        client.post("/applications/not-a-token/place", data={"answer": "confirm"}).status_code
        == 404
    )


def test_one_applicants_link_answers_only_for_them(client, sent):
    _answer(client, sent["anna"][1], "confirm", AFTER)
    assert _fresh(sent["anna"][0]).place == PlaceStatus.CONFIRMED
    assert sent["bert"][0].place == PlaceStatus.OFFERED


def test_nothing_can_be_answered_before_decisions_are_sent(client, scene):
    application, token = apply_with_token(scene.mobility, "early@uni.example", decision="accepted")
    application.place = PlaceStatus.OFFERED  # even a place set by hand is not answerable
    application.offer_deadline = AFTER + timedelta(days=30)
    db.session.commit()
    _answer(client, token, "confirm", DURING)
    assert _fresh(application).place == PlaceStatus.OFFERED


def _offer_partial(application, token: str, now) -> str:
    with freeze_time(now):
        return render_template(
            "selection/_applicant_offer.html",
            event=application.event,
            application=application,
            token=token,
            now=now,
        )


def test_the_applicant_page_shows_no_prepared_decision_before_it_is_sent(app, scene):
    application, token = apply_with_token(scene.mobility, "fay@uni.example", decision="accepted")
    with app.test_request_context():
        assert _offer_partial(application, token, DURING).strip() == ""
        assert _offer_partial(application, token, AFTER).strip() == ""  # closed, not sent
        assert (
            render_template(
                "selection/_applicant_offer.html",
                event=scene.event,
                application=None,
                token=token,
                now=AFTER,
            ).strip()
            == ""
        )


def test_the_applicant_page_shows_the_offer_and_its_deadline_in_the_events_zone(app, sent):
    anna, token = sent["anna"]
    with app.test_request_context():
        page = _offer_partial(anna, token, AFTER + timedelta(days=1))
    assert "27 February 2026, 12:00 (Finland Time)" in page
    assert f"/applications/{token}/place" in page and 'value="confirm"' in page
    with app.test_request_context():
        late = _offer_partial(anna, token, DEADLINE)
    assert 'value="confirm"' not in late and "has passed" in late
    with app.test_request_context():
        waiting = _offer_partial(sent["dan"][0], sent["dan"][1], AFTER)
    assert "waiting list" in waiting


def test_the_periodic_task_lapses_offers_and_commits(sent):
    anna_id, dan_id = sent["anna"][0].id, sent["dan"][0].id
    answered = decisions.answer_offer(sent["bert"][0], "confirm", AFTER)
    db.session.commit()
    assert answered == PlaceStatus.CONFIRMED
    with freeze_time(DEADLINE):
        assert expire_offers_task.call_local() == 1
        assert expire_offers_task.call_local() == 0
    db.session.remove()
    assert db.session.get(Application, anna_id).place == PlaceStatus.EXPIRED
    assert db.session.get(Application, dan_id).place == PlaceStatus.OFFERED


def test_an_offer_made_close_to_the_event_lapses_when_it_begins(scene, sent):
    begins = datetime(2026, 5, 5, 21, 0, tzinfo=UTC)  # 6 May 00:00 in Helsinki
    assert decisions.event_start(scene.event) == begins
    decisions.answer_offer(sent["anna"][0], "confirm", AFTER)
    decisions.answer_offer(sent["anna"][0], "decline", begins - timedelta(days=2))
    db.session.commit()
    dan = _fresh(sent["dan"][0])
    assert dan.place == PlaceStatus.OFFERED
    assert aware(dan.offer_deadline) == begins  # not seven days later


def test_nobody_is_promoted_once_the_event_has_begun(scene, sent):
    begins = decisions.event_start(scene.event)
    decisions.answer_offer(sent["anna"][0], "confirm", AFTER)
    db.session.commit()
    with pytest.raises(decisions.SelectionRefused):
        decisions.answer_offer(sent["anna"][0], "decline", begins)
    db.session.rollback()
    assert decisions.expire_offers(begins) == 1  # Bert never answered
    db.session.commit()
    assert _fresh(sent["bert"][0]).place == PlaceStatus.EXPIRED
    assert sent["anna"][0].place == PlaceStatus.CONFIRMED
    assert sent["dan"][0].place is None


def _edit_places(client, scene, capacity: int, moment):
    track = scene.mobility
    with freeze_time(moment):
        login(client, scene.organiser.email)
        return client.post(
            f"/institutions/uni-a/events/{scene.event.id}/tracks/{track.id}/edit",
            data={"title": track.title, "target_group": "", "topics": "", "capacity": capacity},
        )


def test_places_added_after_the_decisions_go_to_the_waiting_list(client, scene, sent):
    moment = AFTER + timedelta(days=1)
    assert _edit_places(client, scene, 3, moment).status_code == 302
    dan, cleo = _fresh(sent["dan"][0]), sent["cleo"][0]
    assert dan.decision == Decision.ACCEPTED and dan.place == PlaceStatus.OFFERED
    assert aware(dan.offer_deadline) == moment + timedelta(days=7)
    assert len(_promoted_mails("dan@uni.example")) == 1
    assert cleo.place is None and cleo.waiting_rank == 1


def test_places_cannot_go_below_those_offered_or_confirmed(client, scene, sent):
    moment = AFTER + timedelta(days=1)
    response = _edit_places(client, scene, 1, moment)
    assert response.status_code == 400
    assert "2 places are already offered or confirmed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert scene.mobility.capacity == 2


def test_declining_asks_first_and_changes_nothing_until_sure(client, scene, sent):
    anna, token = sent["anna"]
    with freeze_time(AFTER + timedelta(days=1)):
        asked = client.post(f"/applications/{token}/place", data={"answer": "decline"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Decline the place?" in page
    assert "You cannot take it back." in page
    assert 'name="sure" value="yes"' in page
    assert _fresh(anna).place == PlaceStatus.OFFERED
    assert _promoted_mails("dan@uni.example") == []
    assert _answer(client, token, "decline", AFTER + timedelta(days=1)).status_code == 302
    assert _fresh(anna).place == PlaceStatus.DECLINED
