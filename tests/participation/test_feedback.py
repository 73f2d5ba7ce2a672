"""Feedback after the event: asked once the day after, reminded once a week later those who
did not answer, given and changed until it closes; the organiser's figures and words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app.applications import services as applications
from app.core.extensions import db
from app.mail.models import OutboxMessage
from app.participation import mailings, services
from app.participation.models import FEEDBACK_TEXT_MAX, Feedback
from tests.participation.conftest import AFTER_EVENT, DURING_EVENT, mailed_token, sign_in

# The event ends on 8 May 2026; in Helsinki (UTC+3) the next day starts at 21:00 UTC.
OPENS = datetime(2026, 5, 8, 21, 0, tzinfo=UTC)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _recipients() -> list[str]:
    return sorted(db.session.scalars(select(OutboxMessage.recipient)))


def test_feedback_is_asked_the_day_after_the_event_in_its_time_zone_once(hosted):
    assert mailings.invite_feedback(OPENS - timedelta(seconds=1)) == 0
    assert mailings.invite_feedback(OPENS) == 3
    db.session.commit()
    assert mailings.invite_feedback(OPENS + timedelta(hours=1)) == 0
    assert _recipients() == ["chen@uni.example", "eleni@uni.example", "lodz@uni.example"]
    assert hosted.event.feedback_sent_at is not None


def test_the_reminder_goes_a_week_later_only_to_who_did_not_answer(hosted, client):
    with freeze_time(OPENS):
        mailings.invite_feedback(OPENS)
        db.session.commit()
    answered = hosted.participants[0]
    # The request carried a new link; the one of before stopped working.
    token = mailed_token(answered.email)
    assert token != hosted.tokens[answered.id]
    with freeze_time(OPENS + timedelta(days=2)):
        assert client.get(f"/applications/{hosted.tokens[answered.id]}/feedback").status_code == 404
        response = client.post(
            f"/applications/{token}/feedback",
            data={"overall": "5", "track_rating": "4", "will_change": "", "comments": ""},
        )
        assert response.status_code == 302
    week = OPENS + services.FEEDBACK_REMINDER_AFTER
    assert mailings.remind_feedback(week - timedelta(seconds=1)) == 0
    with freeze_time(week):
        assert mailings.remind_feedback(week) == 2
        db.session.commit()
        assert mailings.remind_feedback(week + timedelta(hours=1)) == 0
    reminders = db.session.scalars(
        select(OutboxMessage.recipient).order_by(OutboxMessage.id).offset(3)
    ).all()
    assert sorted(reminders) == ["chen@uni.example", "eleni@uni.example"]
    reminded = {a.email for a in hosted.participants if a.feedback_reminded_at is not None}
    assert reminded == {"eleni@uni.example", "chen@uni.example"}


def test_who_answered_before_the_request_ran_is_not_asked(hosted):
    answered = hosted.participants[0]
    db.session.add(Feedback(application_id=answered.id, overall=4, track_rating=4))
    db.session.commit()
    assert mailings.invite_feedback(OPENS) == 2
    assert answered.email not in _recipients()


def test_nobody_is_asked_once_feedback_closed(hosted):
    closed = services.feedback_closes_at(hosted.event)
    assert mailings.invite_feedback(closed) == 0
    assert mailings.remind_feedback(closed + timedelta(days=1)) == 0


def test_the_form_opens_after_the_last_day(hosted, client):
    token = hosted.tokens[hosted.participants[0].id]
    with freeze_time(DURING_EVENT):
        page = client.get(f"/applications/{token}/feedback")
        assert page.status_code == 200
        assert b"Feedback opens on" in page.data
        assert b'name="overall"' not in page.data
        refused = client.post(f"/applications/{token}/feedback", data={"overall": "5"})
        assert refused.status_code == 409
    with freeze_time(AFTER_EVENT):
        page = client.get(f"/applications/{token}/feedback")
        assert b'name="overall"' in page.data


def test_feedback_is_one_per_participant_and_may_be_changed(hosted, client):
    application = hosted.participants[1]
    token = hosted.tokens[application.id]
    with freeze_time(AFTER_EVENT):
        for overall in ("3", "5"):
            response = client.post(
                f"/applications/{token}/feedback",
                data={
                    "overall": overall,
                    "track_rating": "4",
                    "will_change": "Peer mentoring for incoming staff",
                    "comments": "Thanks",
                },
            )
            assert response.status_code == 302
        page = client.get(f"/applications/{token}/feedback")
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.overall, feedback.track_rating) == (5, 4)
    assert b"Peer mentoring for incoming staff" in page.data
    checked = re.findall(
        rb'<input checked id="overall-\d" name="overall"[^>]*value="(\d)"', page.data
    )
    assert checked == [b"5"]


def test_the_form_refuses_what_is_out_of_bounds_and_keeps_what_was_typed(hosted, client):
    token = hosted.tokens[hosted.participants[0].id]
    with freeze_time(AFTER_EVENT):
        page = client.post(
            f"/applications/{token}/feedback",
            data={
                "overall": "6",
                "track_rating": "",
                "will_change": "x" * (FEEDBACK_TEXT_MAX + 1),
                "comments": "kept words",
            },
        )
    assert page.status_code == 200
    assert b"kept words" in page.data
    assert page.data.count(b'class="field-error"') == 3
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_after_closing_the_answers_are_shown_but_not_changed(hosted, client):
    token = hosted.tokens[hosted.participants[0].id]
    with freeze_time(AFTER_EVENT):
        client.post(
            f"/applications/{token}/feedback",
            data={"overall": "4", "track_rating": "4", "will_change": "Buddy system"},
        )
    with freeze_time(services.feedback_closes_at(hosted.event)):
        page = client.get(f"/applications/{token}/feedback")
        assert b"Feedback is closed" in page.data and b"Buddy system" in page.data
        refused = client.post(
            f"/applications/{token}/feedback", data={"overall": "1", "track_rating": "1"}
        )
        assert refused.status_code == 409
    assert db.session.scalar(select(Feedback.overall)) == 4


def test_only_participants_give_feedback(hosted, client):
    with freeze_time(AFTER_EVENT):
        waiting = hosted.people["waiting"]
        assert client.get(f"/applications/{hosted.tokens[waiting.id]}/feedback").status_code == 404
        assert client.get("/applications/not-a-token/feedback").status_code == 404


def test_the_organiser_sees_means_per_track_and_the_words_escaped(hosted, client):
    lodz, eleni, chen = hosted.participants
    with freeze_time(AFTER_EVENT):
        for application, overall, rating in ((lodz, 5, 4), (chen, 3, 3), (eleni, 4, 2)):
            client.post(
                f"/applications/{hosted.tokens[application.id]}/feedback",
                data={
                    "overall": str(overall),
                    "track_rating": str(rating),
                    "will_change": XSS if application is lodz else "",
                    "comments": "",
                },
            )
    rows = services.feedback_summary(hosted.event)
    first, second, total = rows
    assert (first.answers, first.overall_mean, first.track_mean) == (2, 4.0, 3.5)
    assert (second.answers, second.overall_mean, second.track_mean) == (1, 4.0, 2.0)
    assert (total.track, total.answers, total.participants) == (None, 3, 3)
    assert total.overall_mean == 4.0
    sign_in(client, hosted)
    page = client.get(hosted.url("/feedback"))
    assert page.status_code == 200
    assert b"<script>alert" not in page.data and b"<img src=x" not in page.data
    assert b"&lt;script&gt;alert" in page.data
    assert b"4.0" in page.data and b"3.5" in page.data


def test_erasure_blanks_the_words_and_keeps_the_ratings(hosted, client):
    application = hosted.participants[0]
    with freeze_time(AFTER_EVENT):
        client.post(
            f"/applications/{hosted.tokens[application.id]}/feedback",
            data={"overall": "5", "track_rating": "3", "will_change": "Mine", "comments": "Me"},
        )
    services.on_application_erased(application)
    db.session.commit()
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.will_change, feedback.comments) == ("", "")
    assert (feedback.overall, feedback.track_rating) == (5, 3)
    assert services.blank_feedback_texts(hosted.participants[1].id) is False


def test_erasing_an_application_blanks_its_feedbacks_words_through_the_signal(hosted, client):
    application = hosted.participants[1]
    with freeze_time(AFTER_EVENT):
        client.post(
            f"/applications/{hosted.tokens[application.id]}/feedback",
            data={"overall": "2", "track_rating": "4", "will_change": "Names", "comments": "Me"},
        )
    applications.erase(application, AFTER_EVENT)
    db.session.commit()
    feedback = db.session.scalar(select(Feedback))
    assert (feedback.will_change, feedback.comments, feedback.overall) == ("", "", 2)
    # Erased, the person is no participant any more: no list, page or figure names them.
    assert application not in services.participants(hosted.event)
    total = services.feedback_summary(hosted.event)[-1]
    assert (total.answers, total.participants) == (1, 3)


def test_the_feedback_request_carries_a_working_link_in_the_participants_language(hosted, client):
    mailings.invite_feedback(OPENS)
    db.session.commit()
    eleni = hosted.participants[1]
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == eleni.email))
    assert message.language == "fi"
    assert "7. kesäkuuta 2026" in message.body  # the last day, as Finnish writes it
    # The link opens the form itself: the one thing the email asks for.
    links = re.findall(r"https?://\S+/applications/\S+", message.body)
    assert links == [f"http://127.0.0.1:5000/applications/{mailed_token(eleni.email)}/feedback"]
    with freeze_time(AFTER_EVENT):
        page = client.get(links[0].removeprefix("http://127.0.0.1:5000"))
        assert page.status_code == 200 and 'name="overall"' in page.text


def test_the_organiser_pages_answer_by_role(hosted, client):
    assert client.get(hosted.url("/feedback")).status_code == 302  # to sign in
    sign_in(client, hosted, "outsider")
    assert client.get(hosted.url("/feedback")).status_code == 404
    client.post("/logout")
    sign_in(client, hosted, "planner")
    assert client.get(hosted.url("/feedback")).status_code == 403
    client.post("/logout")
    sign_in(client, hosted, "manager")
    assert client.get(hosted.url("/feedback")).status_code == 200
