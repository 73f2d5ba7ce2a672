"""The organiser's pages: who may reach them, creating and editing an event, its status and
invitation link, tracks, questions and the committee."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from freezegun import freeze_time
from sqlalchemy import select

from app.core.extensions import db
from app.core.validation import SchemaError
from app.events import services
from app.events.models import Event, EventStatus, Question, QuestionKind, Track, token_digest
from app.events.schemas import EventFields, QuestionFields
from app.planner.models import Activity
from app.planner.services import create_plan
from tests.conftest import login
from tests.events.factories import (
    DURING,
    make_application,
    make_event,
    make_member,
    make_question,
    make_track,
)

BASE = "/institutions/uni-a/events"


def event_form(**changes) -> dict:
    """A valid event form: the Helsinki event, typed in Helsinki time."""
    data = {
        "title": "Staff Training Days",
        "starts_on": "2026-05-06",
        "ends_on": "2026-05-08",
        "place": "Helsinki",
        "format": "on-site",
        "activity_id": "",
        "description": "Three days.",
        "audience": "Staff",
        "contact_email": "days@example.org",
        "programme": "",
        "accommodation": "",
        "languages": "en, fi",
        "timezone": "Europe/Helsinki",
        "opens_at": "2026-01-14T00:00",
        "closes_at": "2026-02-14T00:00",
        "confirm_days": "14",
        "disagreement_margin": "1.5",
        "meeting_at": "",
        "meeting_url": "",
        "signatory_name": "",
        "signatory_title": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def organiser_pages(event: Event, track: Track, question: Question) -> list[str]:
    prefix = f"{BASE}/{event.id}"
    return [
        BASE,
        f"{BASE}/new",
        prefix,
        f"{prefix}/edit",
        f"{prefix}/tracks",
        f"{prefix}/tracks/{track.id}/edit",
        f"{prefix}/tracks/{track.id}/questions",
        f"{prefix}/tracks/{track.id}/questions/{question.id}/edit",
        f"{prefix}/committee",
    ]


@pytest.fixture
def setup(people):
    event = make_event(people["host"])
    track = make_track(event)
    question = make_question(track)
    return event, track, question


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager@a.example", 200),
        ("event_organiser@a.example", 200),
        ("admin@example.org", 200),
        ("planner@a.example", 403),
        ("viewer@a.example", 403),
        ("manager@b.example", 404),
    ],
)
def test_who_reaches_the_organiser_pages(client, setup, who, status):
    login(client, who)
    for url in organiser_pages(*setup):
        assert client.get(url).status_code == status, url


def test_anonymous_callers_are_sent_to_sign_in(client, setup):
    for url in organiser_pages(*setup):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_another_institutions_event_is_404_under_ones_own_address(client, people):
    theirs = make_event(people["other"])
    login(client, "manager@a.example")
    assert client.get(f"{BASE}/{theirs.id}").status_code == 404
    assert client.get(f"{BASE}/{theirs.id}/edit").status_code == 404


def test_posts_are_guarded_as_pages(client, setup):
    event, track, _question = setup
    login(client, "planner@a.example")
    assert client.post(f"{BASE}/{event.id}/status", data={"status": "cancelled"}).status_code == 403
    assert client.post(f"{BASE}/{event.id}/tracks/{track.id}/delete").status_code == 403
    outsider = client.application.test_client()
    login(outsider, "manager@b.example")
    assert outsider.post(f"{BASE}/{event.id}/invitation").status_code == 404
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
    assert db.session.get(Track, track.id) is not None


def test_an_organiser_creates_a_draft_event_with_its_window_in_utc(client, people):
    login(client, "event_organiser@a.example")
    response = client.post(f"{BASE}/new", data=event_form())
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.status == EventStatus.DRAFT
    assert event.languages == ["en", "fi"]
    assert event.opens_at.replace(tzinfo=UTC) == datetime(2026, 1, 13, 22, 0, tzinfo=UTC)
    assert event.closes_at.replace(tzinfo=UTC) == datetime(2026, 2, 13, 22, 0, tzinfo=UTC)
    assert event.created_by_id == people["event_organiser"].id


def test_every_problem_is_listed_at_once_and_nothing_typed_is_lost(client, people):
    login(client, "manager@a.example")
    response = client.post(
        f"{BASE}/new",
        data=event_form(
            title="",
            ends_on="2026-05-01",
            contact_email="not an address",
            languages="en, xx",
            timezone="Mars/Olympus",
            opens_at="2026-02-14T00:00",
            closes_at="2026-01-14T00:00",
            meeting_url="javascript:alert(1)",
            description="Kept *text*",
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "This field is required",
        "not an email address",
        "Not a two-letter language code (ISO 639-1) such as en, fi or sv: xx",
        "is not a known time zone",
        "Give a web address starting with http",
    ):
        assert message in page, message
    assert "Kept *text*" in page
    assert db.session.scalar(select(Event)) is None


def test_the_window_must_close_after_it_opens_and_dates_are_ordered(client, people):
    login(client, "manager@a.example")
    page = client.post(
        f"{BASE}/new", data=event_form(opens_at="2026-02-14T00:00", closes_at="2026-01-14T00:00")
    ).get_data(as_text=True)
    assert "Applications must close after they open." in page
    page = client.post(f"{BASE}/new", data=event_form(ends_on="2026-05-01")).get_data(as_text=True)
    assert "The event ends before it starts." in page
    page = client.post(f"{BASE}/new", data=event_form(closes_at="")).get_data(as_text=True)
    assert "Give both the opening and the closing time, or neither." in page


def test_the_order_of_dates_is_listed_with_every_other_problem(client, people):
    login(client, "manager@a.example")
    page = client.post(
        f"{BASE}/new",
        data=event_form(
            contact_email="not an address",
            ends_on="2026-05-01",
            opens_at="2026-02-14T00:00",
            closes_at="2026-01-14T00:00",
        ),
    ).get_data(as_text=True)
    assert "not an email address" in page
    assert "The event ends before it starts." in page
    assert "Applications must close after they open." in page


def test_an_opening_time_alone_is_refused_by_the_api_schema_too(app):
    with app.test_request_context(), pytest.raises(SchemaError) as refused:
        EventFields.model_validate(
            {
                "title": "Days",
                "starts_on": "2026-05-06",
                "ends_on": "2026-05-08",
                "opens_at": "2026-01-14T00:00",
            }
        )
    assert "give both the opening and the closing time" in str(refused.value)


def test_event_dates_are_bounded(client, people):
    login(client, "manager@a.example")
    # Ten years either way of today (YEARS_AROUND): 2099 is out for decades to come.
    response = client.post(
        f"{BASE}/new", data=event_form(starts_on="2099-05-06", ends_on="2099-05-08")
    )
    assert response.status_code == 400
    assert "Must be between" in response.get_data(as_text=True)


def test_an_event_from_a_plan_activity_is_prefilled(client, people, make_practice):
    practice = make_practice(
        slug="international-staff-training-days", title="International staff training days"
    )
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    from app.planner.models import Activity

    activity = Activity(
        plan=plan,
        practice=practice,
        title="Staff week",
        start_date=date(2026, 5, 6),
        end_date=date(2026, 5, 8),
        format="hybrid",
    )
    db.session.add(activity)
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"/plans/{plan.id}/activities/{activity.id}/edit").get_data(as_text=True)
    assert f'href="/institutions/uni-a/events/new?activity={activity.id}"' in page
    assert "Host this as an event" in page
    page = client.get(f"{BASE}/new?activity={activity.id}").get_data(as_text=True)
    assert 'value="Staff week"' in page and 'value="2026-05-06"' in page
    assert f'<option selected value="{activity.id}">' in page
    assert '<option selected value="hybrid">' in page
    client.post(f"{BASE}/new", data=event_form(activity_id=str(activity.id)))
    assert db.session.scalar(select(Event)).activity_id == activity.id
    # Once it has an event, both pages name it and offer another, not the first again.
    for address in (f"/plans/{plan.id}/activities/{activity.id}/edit", f"/plans/{plan.id}"):
        page = client.get(address).get_data(as_text=True)
        assert "Its event:" in page, address
        assert "Host another event" in page, address
        assert "Host this as an event" not in page, address


def test_an_activity_of_another_practice_does_not_offer_hosting(client, people, make_practice):
    practice = make_practice(slug="peer-learning-circle")
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    from app.planner.models import Activity

    activity = Activity(plan=plan, practice=practice, title="Circle")
    db.session.add(activity)
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"/plans/{plan.id}/activities/{activity.id}/edit").get_data(as_text=True)
    assert "Host this as an event" not in page


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_an_event_from_an_adopted_activity_is_named_after_the_practice(
    client, people, make_practice, language
):
    from app.planner.services import DELIVERY_TITLE

    practice = make_practice(
        slug="international-staff-training-days", title="International staff training days"
    )
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    with force_locale(language):  # adopted in that language: "Toteutus: …", "Genomförande: …"
        title = DELIVERY_TITLE % {"title": "International staff training days"}
    assert title != "International staff training days"
    delivery = Activity(plan=plan, practice=practice, title=title, phase="delivery")
    db.session.add(delivery)
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/new?activity={delivery.id}").get_data(as_text=True)
    # Applicants read the practice's name, not the planner's instruction to deliver it.
    assert 'value="International staff training days"' in page


def test_only_the_delivery_of_a_hosting_practice_offers_hosting(client, people, make_practice):
    practice = make_practice(
        slug="international-staff-training-days", title="International staff training days"
    )
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    setup = Activity(plan=plan, practice=practice, title="Set up: days", phase="setup")
    delivery = Activity(plan=plan, practice=practice, title="Deliver: days", phase="delivery")
    db.session.add_all([setup, delivery])
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f"/events/new?activity={delivery.id}" in page
    assert f"/events/new?activity={setup.id}" not in page


def test_another_institutions_activity_cannot_be_linked(client, people):
    plan = create_plan(
        people["other"],
        title="Theirs",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    from app.planner.models import Activity

    activity = Activity(plan=plan, title="Their week")
    db.session.add(activity)
    db.session.commit()
    login(client, "manager@a.example")
    response = client.post(f"{BASE}/new", data=event_form(activity_id=str(activity.id)))
    assert response.status_code == 400
    assert db.session.scalar(select(Event)) is None


def test_a_stale_save_is_refused_and_keeps_what_was_typed(client, setup):
    event, _track, _question = setup
    login(client, "manager@a.example")
    stale = event.version
    assert (
        client.post(
            f"{BASE}/{event.id}/edit", data=event_form(title="First", version=str(stale))
        ).status_code
        == 302
    )
    response = client.post(
        f"{BASE}/{event.id}/edit", data=event_form(title="Second save", version=str(stale))
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this event" in page
    assert 'value="Second save"' in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "First"


def test_applications_must_close_before_the_event_starts(client, people):
    login(client, "manager@a.example")
    response = client.post(f"{BASE}/new", data=event_form(closes_at="2026-05-06T09:00"))
    assert response.status_code == 400
    assert "Applications must close before the event starts." in response.get_data(as_text=True)
    # Midnight at the start of the first day is still before it.
    assert (
        client.post(f"{BASE}/new", data=event_form(closes_at="2026-05-06T00:00")).status_code == 302
    )


def test_once_decisions_are_sent_the_window_does_not_reopen(client, setup):
    event, _track, _question = setup
    # Sent on 20 February 2026, 12:00 in Helsinki, a week after the close.
    event.decisions_sent_at = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)
    db.session.commit()
    login(client, "manager@a.example")
    url = f"{BASE}/{event.id}/edit"
    for closes_at, opens_at in (("2026-04-01T00:00", None), ("", "")):
        form = event_form(closes_at=closes_at, version=str(event.version))
        if opens_at is not None:
            form["opens_at"] = opens_at
        response = client.post(url, data=form)
        assert response.status_code == 400, closes_at
        assert "The decisions are sent, so applications must stay closed" in response.get_data(
            as_text=True
        )
    db.session.expire_all()
    assert db.session.get(Event, event.id).closes_at.replace(tzinfo=UTC) == datetime(
        2026, 2, 13, 22, 0, tzinfo=UTC
    )
    # An earlier close, or one up to the sending, stays possible.
    response = client.post(
        url, data=event_form(closes_at="2026-02-20T12:00", version=str(event.version))
    )
    assert response.status_code == 302


def test_moving_the_meeting_after_its_invitations_says_those_invited_are_told(client, setup):
    event, _track, _question = setup
    event.meeting_at = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)
    event.meeting_url = "https://meet.example/prep"
    event.meeting_invited_at = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.commit()
    login(client, "manager@a.example")

    def save(meeting_at: str) -> str:
        db.session.expire_all()
        form = event_form(
            meeting_at=meeting_at,
            meeting_url="https://meet.example/prep",
            version=str(db.session.get(Event, event.id).version),
        )
        response = client.post(f"{BASE}/{event.id}/edit", data=form)
        assert response.status_code == 302
        return client.get(response.location).text

    assert "told of the change" not in save("2026-04-20T10:00")
    assert "Those invited to the preparatory meeting are told of the change" in save(
        "2026-04-21T10:00"
    )
    assert db.session.get(Event, event.id).meeting_sequence == 1


def test_a_call_whose_decisions_are_sent_cannot_go_back_to_draft(client, setup):
    event, _track, _question = setup
    event.decisions_sent_at = datetime(2026, 2, 20, tzinfo=UTC)
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/{event.id}").text
    assert 'value="draft"' not in page
    response = client.post(f"{BASE}/{event.id}/status", data={"status": "draft"})
    assert response.status_code == 302
    assert "can no longer go back to draft" in client.get(response.location).text
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED


def test_the_editor_shows_local_times(client, setup):
    event, _track, _question = setup
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/{event.id}/edit").get_data(as_text=True)
    assert 'value="2026-01-14T00:00"' in page and 'value="2026-02-14T00:00"' in page


def test_publish_unpublish_and_cancel(client, setup):
    event, _track, _question = setup
    with freeze_time(DURING):  # before the event: it may still be cancelled
        login(client, "event_organiser@a.example")
        for status in ("draft", "published", "cancelled"):
            client.post(f"{BASE}/{event.id}/status", data={"status": status})
            db.session.expire_all()
            assert db.session.get(Event, event.id).status == status
        response = client.post(f"{BASE}/{event.id}/status", data={"status": "bogus"})
    assert response.status_code == 400


def test_an_event_without_tracks_is_not_published(client, people):
    event = make_event(people["host"], status=EventStatus.DRAFT)
    login(client, "manager@a.example")
    client.post(f"{BASE}/{event.id}/status", data={"status": "published"})
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.DRAFT


def test_a_new_invitation_link_is_shown_once_and_replaces_the_old(client, setup):
    event, _track, _question = setup
    login(client, "manager@a.example")
    response = client.post(f"{BASE}/{event.id}/invitation")
    assert response.headers["Cache-Control"] == "no-store"
    first = response.get_data(as_text=True)
    token = first.split("invitation=")[1].split("<")[0].split('"')[0]
    db.session.expire_all()
    assert db.session.get(Event, event.id).invitation_digest == token_digest(token)
    assert token not in client.get(f"{BASE}/{event.id}").get_data(as_text=True)
    client.post(f"{BASE}/{event.id}/invitation")
    db.session.expire_all()
    assert db.session.get(Event, event.id).invitation_digest != token_digest(token)


# Tracks


def test_tracks_are_added_edited_and_reordered(client, setup):
    event, first, _question = setup
    login(client, "manager@a.example")
    response = client.post(
        f"{BASE}/{event.id}/tracks",
        data={
            "title": "Communications",
            "target_group": "Comms",
            "topics": "Intranet\n\n Crisis \n",
            "capacity": "12",
        },
    )
    assert response.status_code == 302
    second = db.session.scalar(select(Track).where(Track.title == "Communications"))
    assert second.topics == ["Intranet", "Crisis"] and second.capacity == 12
    client.post(f"{BASE}/{event.id}/tracks/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert [t.title for t in db.session.get(Event, event.id).tracks] == [
        "Communications",
        first.title,
    ]
    client.post(
        f"{BASE}/{event.id}/tracks/{second.id}/edit",
        data={"title": "Comms toolkit", "target_group": "", "topics": "", "capacity": "5"},
    )
    db.session.expire_all()
    assert db.session.get(Track, second.id).title == "Comms toolkit"


def test_track_problems_are_listed_together(client, setup):
    event, _track, _question = setup
    login(client, "manager@a.example")
    response = client.post(
        f"{BASE}/{event.id}/tracks",
        data={"title": "", "topics": "\n".join(f"t{n}" for n in range(25)), "capacity": "0"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required" in page
    assert "Give at most 20." in page
    assert "must be at least 1" in page.lower() or "greater than or equal to 1" in page.lower()
    assert "t24" in page


def test_a_track_with_applications_stays(client, setup):
    event, track, _question = setup
    make_application(track)
    login(client, "manager@a.example")
    response = client.post(f"{BASE}/{event.id}/tracks/{track.id}/delete", follow_redirects=True)
    assert "has applications, so it stays" in response.get_data(as_text=True)
    assert "1 application" in client.get(f"{BASE}/{event.id}/tracks").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Track, track.id) is not None


def test_the_database_keeps_a_track_with_applications_even_uncounted(client, setup):
    event, track, _question = setup
    make_application(track)
    login(client, "manager@a.example")
    response = client.post(f"{BASE}/{event.id}/tracks/{track.id}/delete", follow_redirects=True)
    assert "has applications, so it stays" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Track, track.id) is not None


def test_a_track_without_applications_is_removed(client, setup):
    event, track, _question = setup
    login(client, "manager@a.example")
    client.post(f"{BASE}/{event.id}/tracks/{track.id}/delete")
    db.session.expire_all()
    assert db.session.get(Track, track.id) is None
    assert db.session.scalar(select(Question)) is None


# Questions


def question_form(**changes) -> dict:
    data = {"kind": "short_text", "prompt": "Why?", "help": "", "max_length": "", "choices": ""}
    data.update(changes)
    return data


def test_a_choice_question_is_added_and_moved(client, setup):
    event, track, first = setup
    login(client, "manager@a.example")
    url = f"{BASE}/{event.id}/tracks/{track.id}/questions"
    response = client.post(
        url, data=question_form(kind="one_choice", prompt="Which?", choices="A\nB\n", required="y")
    )
    assert response.status_code == 302
    added = db.session.scalar(select(Question).where(Question.prompt == "Which?"))
    assert added.choices == ["A", "B"] and added.required and added.kind == QuestionKind.ONE_CHOICE
    client.post(f"{url}/{added.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert [q.prompt for q in db.session.get(Track, track.id).questions] == ["Which?", first.prompt]
    client.post(f"{url}/{first.id}/delete")
    db.session.expire_all()
    assert [q.prompt for q in db.session.get(Track, track.id).questions] == ["Which?"]


def test_the_question_list_shows_each_language_and_what_is_missing(client, setup):
    event, track, first = setup
    first.prompt_fi = "Miksi haet?"
    first.choices_fi = []
    db.session.commit()
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/{event.id}/tracks/{track.id}/questions").get_data(as_text=True)
    assert 'In Finnish:</span> <span lang="fi">Miksi haet?</span>' in page
    # Not given in Swedish: applicants reading in it see the main text, and the list says so.
    assert 'In Swedish:</span> <span class="muted">not given' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "one_choice", "choices": "Only one"}, "Give at least 2 choices"),
        ({"kind": "several_choices", "choices": "A\nA"}, "Each choice may be given only once"),
        (
            {"kind": "one_choice", "choices": "\n".join(f"c{n}" for n in range(31))},
            "Give at most 30.",
        ),
        ({"kind": "yes_no", "choices": "A\nB"}, "Only questions with choices take choices"),
        ({"kind": "yes_no", "max_length": "10"}, "Only text answers take a length limit"),
        ({"max_length": "5001"}, "5000"),
        ({"max_length": "0"}, "1"),
        ({"prompt": "x" * 501}, "Use at most 500 characters"),
        ({"prompt": ""}, "This field is required"),
        ({"kind": "one_choice", "choices": "A\n" + "b" * 201}, "Use at most 200 characters"),
    ],
)
def test_the_question_builder_refuses_what_does_not_fit(client, setup, changes, message):
    event, track, _question = setup
    login(client, "manager@a.example")
    response = client.post(
        f"{BASE}/{event.id}/tracks/{track.id}/questions", data=question_form(**changes)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Track, track.id).questions) == 1


def test_every_problem_of_a_question_is_listed_at_once(client, setup):
    event, track, _question = setup
    login(client, "manager@a.example")
    page = client.post(
        f"{BASE}/{event.id}/tracks/{track.id}/questions",
        data=question_form(kind="one_choice", choices="Only one", max_length="10"),
    ).get_data(as_text=True)
    assert "Give at least 2 choices" in page
    assert "Only text answers take a length limit" in page


def test_a_choice_question_without_choices_is_refused_by_the_schema(app):
    with app.test_request_context(), pytest.raises(SchemaError):
        QuestionFields.model_validate({"kind": "one_choice", "prompt": "Which?"})


def test_a_question_of_another_track_is_404(client, people, setup):
    event, _track, question = setup
    other = make_track(event, "Other")
    login(client, "manager@a.example")
    assert (
        client.get(f"{BASE}/{event.id}/tracks/{other.id}/questions/{question.id}/edit").status_code
        == 404
    )


# The committee


def test_members_are_added_to_tracks_and_removed(client, people, setup):
    event, track, _question = setup
    login(client, "manager@a.example")
    viewer = people["viewer"]
    client.post(f"{BASE}/{event.id}/committee", data={"user_id": viewer.id, "track_id": track.id})
    db.session.expire_all()
    members = db.session.get(Track, track.id).committee
    assert [m.user_id for m in members] == [viewer.id]
    again = client.post(
        f"{BASE}/{event.id}/committee",
        data={"user_id": viewer.id, "track_id": track.id},
        follow_redirects=True,
    )
    assert "already on this track" in again.get_data(as_text=True)
    client.post(f"{BASE}/{event.id}/committee/{members[0].id}/delete")
    db.session.expire_all()
    assert db.session.get(Track, track.id).committee == []


def test_the_committee_messages_name_members_by_their_name(client, people, setup):
    event, track, _question = setup
    people["viewer"].name = "Päivi Virtanen"
    db.session.commit()
    login(client, "manager@a.example")
    data = {"user_id": people["viewer"].id, "track_id": track.id}
    added = client.post(f"{BASE}/{event.id}/committee", data=data, follow_redirects=True)
    assert f"Päivi Virtanen reviews the track “{track.title}”." in added.get_data(as_text=True)
    again = client.post(f"{BASE}/{event.id}/committee", data=data, follow_redirects=True)
    assert "Päivi Virtanen is already on this track" in again.get_data(as_text=True)
    member = db.session.get(Track, track.id).committee[0]
    removed = client.post(f"{BASE}/{event.id}/committee/{member.id}/delete", follow_redirects=True)
    text = removed.get_data(as_text=True)
    assert "Päivi Virtanen is no longer on the committee of that track." in text
    assert "viewer@a.example is no longer" not in text


def test_only_members_of_the_host_are_offered(client, people, setup):
    event, track, _question = setup
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/{event.id}/committee").get_data(as_text=True)
    assert "viewer@a.example" in page and "manager@b.example" not in page
    response = client.post(
        f"{BASE}/{event.id}/committee",
        data={"user_id": people["outsider"].id, "track_id": track.id},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Track, track.id).committee == []


def test_review_loader_gives_each_their_tracks(app, people, setup):
    from flask import Flask  # noqa: F401 - the app fixture's request context below
    from werkzeug.exceptions import Forbidden, NotFound

    event, track, _question = setup
    other = make_track(event, "Second")
    make_member(other, people["viewer"])
    with app.test_request_context():
        assert services.require_event_for_review("uni-a", event.id, people["manager"])[1] == {
            track.id,
            other.id,
        }
        assert services.require_event_for_review("uni-a", event.id, people["event_organiser"])[
            1
        ] == {track.id, other.id}
        assert services.require_event_for_review("uni-a", event.id, people["viewer"])[1] == {
            other.id
        }
        with pytest.raises(Forbidden):
            services.require_event_for_review("uni-a", event.id, people["planner"])
        with pytest.raises(NotFound):
            services.require_event_for_review("uni-a", event.id, people["outsider"])
        with pytest.raises(NotFound):
            services.require_event_for_review("uni-b", event.id, people["outsider"])


def test_the_overview_counts_applications_per_track(client, setup):
    event, track, _question = setup
    make_application(track)
    login(client, "manager@a.example")
    page = client.get(f"{BASE}/{event.id}").get_data(as_text=True)
    assert "<td>1</td>" in page
    assert DURING is not None


def test_the_institution_page_offers_its_events_to_organisers_only(client, people):
    for who, shown in (("event_organiser@a.example", True), ("planner@a.example", False)):
        reader = client.application.test_client()
        login(reader, who)
        page = reader.get("/institutions/uni-a").get_data(as_text=True)
        assert (f'href="{BASE}"' in page) is shown, who
    assert 'href="/events"' in client.get("/institutions/uni-a").get_data(as_text=True)


def test_an_event_organiser_finds_hosting_on_the_plan_page(client, people, make_practice):
    from app.planner.models import Activity

    practice = make_practice(slug="inter-institutional-trainings-and-workshops")
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    activity = Activity(plan=plan, practice=practice, title="Workshops")
    db.session.add(activity)
    db.session.commit()
    link = f'href="{BASE}/new?activity={activity.id}"'
    for who, shown in (("event_organiser@a.example", True), ("viewer@a.example", False)):
        reader = client.application.test_client()
        login(reader, who)
        assert (link in reader.get(f"/plans/{plan.id}").get_data(as_text=True)) is shown, who


def test_a_draft_in_its_window_says_nobody_can_apply_yet(client, people):
    event = make_event(people["host"], status=EventStatus.DRAFT)
    with freeze_time(DURING):
        login(client, "manager@a.example")
        page = client.get(f"{BASE}/{event.id}").get_data(as_text=True)
        assert "Open for applications" in page
        assert "Nobody can apply before the call is published." in page
        event.status = EventStatus.PUBLISHED
        db.session.commit()
        page = client.get(f"{BASE}/{event.id}").get_data(as_text=True)
    assert "Nobody can apply before the call is published." not in page


def test_the_plan_shows_the_event_that_carries_out_an_activity(client, people, make_practice):
    practice = make_practice(
        slug="international-staff-training-days", title="International staff training days"
    )
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    delivery = Activity(plan=plan, practice=practice, title="Deliver: days", phase="delivery")
    db.session.add(delivery)
    db.session.commit()
    hosted = make_event(people["host"], title="Days <b>2026</b>", activity_id=delivery.id)
    make_event(
        people["host"], title="Called off", activity_id=delivery.id, status=EventStatus.CANCELLED
    )
    login(client, "manager@a.example")
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/activities/{delivery.id}/edit"):
        page = client.get(url).get_data(as_text=True)
        assert f'Its event: <a href="{BASE}/{hosted.id}">Days &lt;b&gt;2026&lt;/b&gt;</a>' in page
        assert "Called off" not in page
    client.post("/logout")
    login(client, "viewer@a.example")
    assert "Its event:" not in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_an_event_that_has_begun_cannot_be_cancelled(client, people):
    event = make_event(people["host"])  # 6 to 8 May 2026, Helsinki
    first_day = datetime(2026, 5, 5, 21, 0, tzinfo=UTC)  # 00:00 of 6 May in Helsinki
    with freeze_time(first_day - timedelta(seconds=1)):
        login(client, "manager@a.example")
        assert 'value="cancelled"' in client.get(f"{BASE}/{event.id}").get_data(as_text=True)
    with freeze_time(first_day):
        login(client, "manager@a.example")
        assert 'value="cancelled"' not in client.get(f"{BASE}/{event.id}").get_data(as_text=True)
        response = client.post(
            f"{BASE}/{event.id}/status", data={"status": "cancelled"}, follow_redirects=True
        )
    assert "The event has begun: it can no longer be cancelled." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED
