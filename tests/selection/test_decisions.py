"""The organiser's overview and decisions, and sending them: never before the close, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.applications.models import Decision, PlaceStatus
from app.core.extensions import aware, db
from app.events.models import MessageTemplate, TemplateKind
from app.mail.models import OutboxMessage
from app.selection import decisions, services
from tests.conftest import login
from tests.events.factories import AFTER, CLOSES, DURING, make_review
from tests.selection.conftest import apply


def _overview(scene) -> str:
    return f"/institutions/uni-a/events/{scene.event.id}/selection"


def _decide(client, scene, track, choices: dict, ranks: dict | None = None):
    data = {f"decision_{a.id}": value for a, value in choices.items()}
    data.update({f"rank_{a.id}": str(rank) for a, rank in (ranks or {}).items()})
    return client.post(f"{_overview(scene)}/tracks/{track.id}", data=data)


def _send(client, scene):
    return client.post(f"{_overview(scene)}/send")


def _mails(to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.recipient == to)
    return list(db.session.scalars(query))


@pytest.fixture
def three(scene):
    """Three applicants to the mobility track (two places), reviewed."""
    first = apply(scene.mobility, "first@uni.example", name="First Person", country="DE")
    second = apply(
        scene.mobility,
        "second@uni.example",
        name="Second Person",
        country="DE",
        language="fi",
        networks=["UNICA"],
    )
    third = apply(
        scene.mobility,
        "third@uni.example",
        name="Third Person",
        country="SE",
        networks=["Una Europa", "unica"],
    )
    make_review(first, scene.member, {scene.fit: 5, scene.motivation: 1}, "good")  # 4
    make_review(first, scene.organiser, {scene.fit: 2, scene.motivation: 4})  # 2.5: spread 1.5
    make_review(second, scene.member, {scene.fit: 5, scene.motivation: 5})  # 5
    make_review(second, scene.organiser, {scene.fit: 2, scene.motivation: 2})  # 2: spread 3
    return first, second, third


def test_the_overview_shows_scores_reviewers_disagreement_and_spreads(client, scene, three):
    _first, _second, _third = three
    login(client, scene.organiser.email)
    page = client.get(_overview(scene)).get_data(as_text=True)
    assert "3.25" in page and "3.50" in page  # (4 + 2.5) / 2 and (5 + 2) / 2
    assert page.count("reviewers disagree") == 1  # 3 > 1.5; 1.5 is not more than 1.5
    assert "3 applications" in page
    assert "Germany" in page and "Sweden" in page
    # Networks grouped without regard to case: UNICA twice.
    assert "UNICA 2" in page
    # Listed by mean score, the unscored last.
    order = [page.index(n) for n in ("Second Person", "First Person", "Third Person")]
    assert order == sorted(order)


def test_the_overview_warns_when_one_country_has_more_than_half_of_the_accepted(
    client, scene, three
):
    first, second, third = three
    login(client, scene.organiser.email)
    assert (
        _decide(client, scene, scene.mobility, {first: "accepted", third: "accepted"}).status_code
        == 302
    )
    page = client.get(_overview(scene)).get_data(as_text=True)
    assert "More than half of the accepted" not in page  # one each: exactly half
    _decide(
        client, scene, scene.mobility, {third: "declined", first: "accepted", second: "accepted"}
    )
    page = client.get(_overview(scene)).get_data(as_text=True)
    assert "More than half of the accepted come from one country: Germany (2 of 2)" in page


def test_one_accepted_is_no_country_to_balance(client, scene, three):
    first, _second, _third = three
    login(client, scene.organiser.email)
    _decide(client, scene, scene.mobility, {first: "accepted"})
    page = client.get(_overview(scene)).get_data(as_text=True)
    assert "More than half of the accepted" not in page  # one of one: no choice to make


def test_decisions_are_prepared_during_the_window_and_stay_unseen(client, scene, three):
    first, second, third = three
    with freeze_time(DURING):
        login(client, scene.organiser.email)
        response = _decide(
            client,
            scene,
            scene.mobility,
            {first: "accepted", second: "waiting_list", third: "declined"},
        )
        assert response.status_code == 302
    db.session.expire_all()
    assert first.decision == Decision.ACCEPTED and first.decided_at is not None
    assert second.waiting_rank == 1
    # Prepared is not visible: not during the window, not after the close until sent.
    assert first.visible_decision(DURING) is None
    assert first.visible_decision(AFTER) is None
    assert _mails() == []


def test_accepting_more_than_the_capacity_is_refused(client, scene, three):
    first, second, third = three
    login(client, scene.organiser.email)
    response = _decide(
        client, scene, scene.mobility, {first: "accepted", second: "accepted", third: "accepted"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Global mobility networks has 2 places: accept at most that many (you chose 3)" in page
    db.session.expire_all()
    assert {a.decision for a in three} == {None}


def test_the_waiting_list_is_numbered_from_1_by_rank_then_score(client, scene, three):
    first, second, third = three
    login(client, scene.organiser.email)
    _decide(
        client,
        scene,
        scene.mobility,
        {first: "waiting_list", second: "waiting_list", third: "waiting_list"},
        {third: 7},
    )
    db.session.expire_all()
    # Ranked third first (the only typed rank), then by score: second 3.5, first 3.25.
    assert (third.waiting_rank, second.waiting_rank, first.waiting_rank) == (1, 2, 3)
    _decide(
        client,
        scene,
        scene.mobility,
        {third: "accepted", second: "waiting_list", first: "waiting_list"},
        {first: 1, second: 2},
    )
    db.session.expire_all()
    assert (first.waiting_rank, second.waiting_rank, third.waiting_rank) == (1, 2, None)


def _decide_all(scene, three):
    first, second, third = three
    first.decision, second.decision, third.decision = "accepted", "waiting_list", "declined"
    second.waiting_rank = 1
    db.session.commit()


def test_sending_is_refused_one_second_before_the_close_and_allowed_at_it(client, scene, three):
    _decide_all(scene, three)
    with freeze_time(CLOSES - timedelta(seconds=1)):
        login(client, scene.organiser.email)
        page = client.get(_overview(scene)).get_data(as_text=True)
        assert "Send the decisions</button>" not in page
        response = _send(client, scene)
        assert response.status_code == 302
        page = client.get(_overview(scene)).get_data(as_text=True)
        assert "Decisions can be sent only after the application window has closed" in page
        with pytest.raises(services.SelectionRefused):
            decisions.send_decisions(scene.event, CLOSES - timedelta(seconds=1))
    db.session.rollback()
    assert _mails() == []
    db.session.expire_all()
    assert scene.event.decisions_sent_at is None
    with freeze_time(CLOSES):
        client.post("/logout")
        login(client, scene.organiser.email)
        response = _send(client, scene)
        assert response.status_code == 302
    db.session.expire_all()
    assert len(_mails()) == 3
    assert aware(scene.event.decisions_sent_at) == CLOSES
    assert all(aware(a.decision_sent_at) == CLOSES for a in three)


def test_sending_needs_a_decision_on_every_application(client, scene, three):
    first, _second, _third = three
    first.decision = "accepted"
    db.session.commit()
    with freeze_time(AFTER):
        login(client, scene.organiser.email)
        _send(client, scene)
        page = client.get(_overview(scene)).get_data(as_text=True)
    assert "2 applications have no decision yet" in page
    assert "Second Person" in page and "Third Person" in page
    assert _mails() == []


def test_sending_twice_sends_once(client, scene, three):
    _decide_all(scene, three)
    with freeze_time(AFTER):
        assert decisions.send_decisions(scene.event, AFTER) == 3
        db.session.commit()
        assert decisions.send_decisions(scene.event, AFTER + timedelta(hours=1)) == 0
        db.session.commit()
        login(client, scene.organiser.email)
        _send(client, scene)
    assert len(_mails()) == 3
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    db.session.expire_all()
    assert aware(scene.event.decisions_sent_at) == AFTER


def test_the_accepted_get_an_offer_with_a_deadline_and_the_event_details(scene, three):
    first, second, third = three
    _decide_all(scene, three)
    scene.event.accommodation = "**Hotel Kämp**, 20 rooms: [book](https://hotel.example/book)"
    db.session.commit()
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    db.session.expire_all()
    assert first.place == PlaceStatus.OFFERED and aware(first.offered_at) == AFTER
    assert aware(first.offer_deadline) == AFTER + timedelta(days=7)
    assert second.place is None and third.place is None
    (accepted,) = _mails("first@uni.example")
    assert accepted.subject == "Your place at International Staff Training Days 2026"
    body = accepted.body
    assert "http://127.0.0.1:5000/applications/" in body
    assert "Day 1: networks" in body
    # Markdown is written as plain words in the email, a link with its address.
    assert "Hotel Kämp, 20 rooms: book (https://hotel.example/book)" in body
    assert "**" not in body and "](" not in body
    assert "Dates: 6\u2009–\u20098 May 2026" in body and "Place: Helsinki" in body
    assert "27 February 2026, 12:00 (Finland Time)" in body  # 10:00 UTC + 7 days, at UTC+2
    (declined,) = _mails("third@uni.example")
    assert "cannot offer you a place" in declined.body and "/applications/" not in declined.body


def force_fi(text: str) -> str:
    from flask_babel import force_locale, gettext

    with force_locale("fi"):
        translated = gettext(text)
    assert translated != text
    return translated


def test_an_applicant_is_written_to_in_the_language_they_applied_in(scene, three):
    _first, _second, _third = three
    _decide_all(scene, three)
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    (waiting,) = _mails("second@uni.example")
    assert waiting.language == "fi"
    assert waiting.subject == "Hakemuksesi: International Staff Training Days 2026 – varasijalla"
    assert "Hyvä Second Person" in waiting.body and "on varasijalla" in waiting.body
    (accepted,) = _mails("first@uni.example")
    assert accepted.language == "en" and "Confirm or decline your place by" in accepted.body
    # Each ends, in its own language, as every email of the service does.
    assert accepted.body.rstrip().endswith("replies to it are not read.")
    assert waiting.body.rstrip().endswith(
        force_fi("This message was sent automatically; replies to it are not read.")
    )


def test_the_organisers_text_replaces_the_default_for_its_kind_and_language(client, scene, three):
    _first, _second, _third = three
    _decide_all(scene, three)
    login(client, scene.organiser.email)
    url = f"/institutions/uni-a/events/{scene.event.id}/templates"
    response = client.post(
        url,
        data={
            "kind": "accepted",
            "language": "en",
            "subject": "Welcome to {event}",
            "body": "Dear {name}, you are in {track}. A { brace } stays.",
        },
    )
    assert response.status_code == 302
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    (mail,) = _mails("first@uni.example")
    assert mail.subject == "Welcome to International Staff Training Days 2026"
    assert mail.body.rstrip().endswith("replies to it are not read.")
    assert mail.body.startswith(
        "Dear First Person, you are in Global mobility networks. A { brace } stays."
    )
    assert "Confirm or decline your place by" in mail.body  # the offer's details still follow
    # Emptying both restores the default.
    client.post(url, data={"kind": "accepted", "language": "en", "subject": "", "body": ""})
    assert db.session.scalar(select(func.count()).select_from(MessageTemplate)) == 0


def test_a_placeholder_that_is_not_one_is_refused_in_subject_and_text(client, scene):
    login(client, scene.organiser.email)
    url = f"/institutions/uni-a/events/{scene.event.id}/templates?kind=declined&language=en"
    response = client.post(
        url,
        data={
            "kind": "declined",
            "language": "en",
            "subject": "About {evnet}",
            "body": "Dear {nmae}, thank you for applying to {event}.",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "{evnet} is not replaced by anything: use {name}, {event}, {track}." in page
    assert "{nmae} is not replaced by anything" in page
    assert db.session.scalar(select(func.count()).select_from(MessageTemplate)) == 0


def test_a_template_needs_both_subject_and_text(client, scene):
    login(client, scene.organiser.email)
    url = f"/institutions/uni-a/events/{scene.event.id}/templates?kind=declined&language=sv"
    response = client.post(url, data={"kind": "declined", "language": "sv", "subject": "Only"})
    assert response.status_code == 422
    assert "Write both a subject and a text" in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "{name}" in page  # the default offered with its placeholders


def test_decisions_cannot_change_once_sent(client, scene, three):
    _first, _second, third = three
    _decide_all(scene, three)
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    login(client, scene.organiser.email)
    response = _decide(client, scene, scene.mobility, {third: "accepted"})
    assert response.status_code == 422
    db.session.expire_all()
    assert third.decision == Decision.DECLINED


def test_only_organisers_decide_and_send(client, scene, three):
    first, _, _ = three
    login(client, scene.member.email)
    assert client.get(_overview(scene)).status_code == 403
    assert _decide(client, scene, scene.mobility, {first: "accepted"}).status_code == 403
    assert _send(client, scene).status_code == 403
    client.post("/logout")
    login(client, scene.outsider.email)
    assert client.get(_overview(scene)).status_code == 404
    assert _send(client, scene).status_code == 404
    assert client.get(f"/institutions/uni-a/events/{scene.event.id}/templates").status_code == 404
    db.session.expire_all()
    assert first.decision is None


def test_the_template_kinds_are_the_four_emails():
    assert {k.value for k in TemplateKind} == {"accepted", "waiting_list", "declined", "promoted"}


def test_a_track_of_one_place_says_place(client, scene):
    scene.mobility.capacity = 1
    db.session.commit()
    login(client, scene.organiser.email)
    page = client.get(_overview(scene)).get_data(as_text=True)
    assert "accepted 0 of 1 place" in page
    assert "of 1 places" not in page
    assert "accepted 0 of 2 places" in page  # the teaching track


def test_the_send_button_says_what_it_will_send(client, scene, three):
    _decide_all(scene, three)
    with freeze_time(AFTER):
        login(client, scene.organiser.email)
        page = client.get(_overview(scene)).get_data(as_text=True)
    assert (
        "Sending writes to each applicant once: 1 accepted, 1 on the waiting list, "
        "1 not selected. The decisions cannot be changed after that." in page
    )
