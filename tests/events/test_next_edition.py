"""Running an event again: a draft copy a year on, with its tracks, questions, committee,
rubric and email texts, and nothing of its applicants."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun import freeze_time
from sqlalchemy import func, select

from app.applications.models import Application
from app.core.extensions import db
from app.events.models import Event, EventStatus, MessageTemplate, QuestionKind
from tests.conftest import login
from tests.events.factories import (
    make_application,
    make_criterion,
    make_event,
    make_member,
    make_question,
    make_track,
)

BASE = "/institutions/uni-a/events"


def test_the_next_edition_is_a_draft_a_year_on_with_everything_but_the_applicants(client, people):
    event = make_event(
        people["host"],
        meeting_at=datetime(2026, 4, 20, 7, 0, tzinfo=UTC),  # 10.00 in Helsinki (summer)
        meeting_url="https://meet.example/prep",
        programme="## Day one\n\n- Workshops",
        signatory_name="Ritva Rehtori",
        second_choice=True,
        languages=["en", "fi"],
        consent_text="We keep your data for a year.",
    )
    track = make_track(event, "Communications", capacity=12, topics=["Social media"])
    make_question(
        track,
        "Your channels",
        kind=QuestionKind.SEVERAL_CHOICES,
        choices=["X", "Y"],
        prompt_fi="Kanavasi",
        choices_sv=["X-kanal", "Y-kanal"],
    )
    make_member(track, people["planner"])
    make_criterion(event, "Fit with the track", weight=3)
    db.session.add(
        MessageTemplate(
            event=event, kind="accepted", language="en", subject="Welcome", body="See you."
        )
    )
    make_application(track, "someone@uni.example")
    db.session.commit()

    with freeze_time("2026-12-01 08:00:00"):
        login(client, "manager@a.example")
        response = client.post(f"{BASE}/{event.id}/next-edition")
    copy = db.session.scalars(select(Event).where(Event.id != event.id)).one()
    assert response.headers["Location"] == f"{BASE}/{copy.id}/edit"

    assert copy.title == "International Staff Training Days 2027"
    assert copy.status == EventStatus.DRAFT
    assert (copy.starts_on.isoformat(), copy.ends_on.isoformat()) == ("2027-05-06", "2027-05-08")
    # The window keeps its local midnight (UTC+2 in winter), the meeting its 10.00 (UTC+3).
    assert copy.local(copy.opens_at).replace(tzinfo=None) == datetime(2027, 1, 14, 0, 0)
    assert copy.local(copy.closes_at).replace(tzinfo=None) == datetime(2027, 2, 14, 0, 0)
    assert copy.local(copy.meeting_at).replace(tzinfo=None) == datetime(2027, 4, 20, 10, 0)
    assert (copy.programme, copy.signatory_name, copy.second_choice, copy.languages) == (
        "## Day one\n\n- Workshops",
        "Ritva Rehtori",
        True,
        ["en", "fi"],
    )
    (new_track,) = copy.tracks
    assert (new_track.title, new_track.capacity, new_track.topics) == (
        "Communications",
        12,
        ["Social media"],
    )
    assert [(q.prompt, q.choices) for q in new_track.questions] == [("Your channels", ["X", "Y"])]
    # The consent text and the questions' translations come along too.
    assert copy.consent_text == "We keep your data for a year."
    assert [(q.prompt_fi, q.choices_sv) for q in new_track.questions] == [
        ("Kanavasi", ["X-kanal", "Y-kanal"])
    ]
    assert [m.user_id for m in new_track.committee] == [people["planner"].id]
    assert [(c.title, c.weight) for c in copy.criteria] == [("Fit with the track", 3)]
    assert [(t.kind, t.subject) for t in copy.templates] == [("accepted", "Welcome")]
    assert copy.activity_id is None and copy.decisions_sent_at is None
    assert copy.meeting_invited_at is None and copy.invitation_digest is None
    applications = select(func.count()).select_from(Application)
    assert db.session.scalar(applications.where(Application.event_id == copy.id)) == 0
    assert db.session.scalar(applications.where(Application.event_id == event.id)) == 1


def test_only_the_events_organisers_may_run_it_again(client, people):
    event = make_event(people["host"])
    for who, status in (("viewer@a.example", 403), ("manager@b.example", 404)):
        visitor = client.application.test_client()
        login(visitor, who)
        assert visitor.post(f"{BASE}/{event.id}/next-edition").status_code == status
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
