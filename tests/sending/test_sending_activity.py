"""The one step that adds a sending activity to a plan: dated to the event, the host as its
partner, the event linked, the sheet's indicators proposed, budget guidance with the Erasmus+
length rule on both ends, idempotent, and only for planners of another institution."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.indicators.models import Indicator
from app.planner.models import Activity
from app.sending import services
from app.sending.models import Sending
from tests.conftest import login
from tests.events.factories import make_event, make_track


def _as(app, email: str):
    """Return a client signed in as someone."""
    signed_in = app.test_client()
    login(signed_in, email)
    return signed_in


def _send(client, event_id: int, plan_id: int, people: int = 2, kind: str = "job_shadowing"):
    return client.post(
        f"/events/{event_id}/send", data={"plan_id": plan_id, "people": people, "kind": kind}
    )


def test_the_call_page_offers_sending_to_a_planner_of_another_institution(client, sendings):
    login(client, sendings.people["planner"].email)
    page = client.get(f"/events/{sendings.event.id}").get_data(as_text=True)
    assert "Send staff to this event" in page
    assert "JYU staff development 2026" in page
    assert "Helsinki plan 2026" not in page  # the host's own plans are never offered


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (datetime(2026, 1, 20, 9, 0, tzinfo=UTC), None),  # the call is open
        (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "Applications to this call have closed"),
        # 8 May ends at midnight in Helsinki (21:00 UTC): until then it is not over.
        (datetime(2026, 5, 8, 20, 59, tzinfo=UTC), "Applications to this call have closed"),
        (datetime(2026, 5, 8, 21, 0, tzinfo=UTC), "This event is over"),
    ],
)
def test_the_offer_says_when_the_call_has_closed_or_the_event_is_over(client, sendings, now, said):
    with freeze_time(now):
        login(client, sendings.people["planner"].email)
        page = client.get(f"/events/{sendings.event.id}").get_data(as_text=True)
    assert "Send staff to this event" in page  # still offered: a past sending is planned too
    for text in ("Applications to this call have closed", "This event is over"):
        assert (text in page) == (text == said)


def test_the_host_and_the_anonymous_are_not_offered_it(client, sendings):
    assert "Send staff to this event" not in client.get(f"/events/{sendings.event.id}").get_data(
        as_text=True
    )
    login(client, sendings.people["host_planner"].email)
    page = client.get(f"/events/{sendings.event.id}").get_data(as_text=True)
    assert "Send staff to this event" not in page


def test_one_step_makes_the_sending_activity(client, sendings):
    login(client, sendings.people["planner"].email)
    response = _send(client, sendings.event.id, sendings.plan.id, people=3)
    assert response.status_code == 302
    sending = db.session.scalar(select(Sending))
    assert response.headers["Location"].endswith(f"/plans/{sendings.plan.id}/sendings/{sending.id}")
    activity = db.session.get(Activity, sending.activity_id)
    assert activity.plan_id == sendings.plan.id
    assert (activity.start_date, activity.end_date) == (date(2026, 5, 6), date(2026, 5, 8))
    assert activity.host == "University of Helsinki"
    assert activity.partners == ["University of Helsinki"]
    assert activity.title == "Job shadowing: Helsinki Staff Week 2026"
    assert sending.event_id == sendings.event.id and sending.people == 3
    # The job-shadowing sheet's delivery indicators are proposed, its checklist carried over.
    assert activity.practice.slug == services.SHEET and activity.phase == "delivery"
    proposed = [p.name for p in activity.indicators]
    assert "Staff sent on job shadowing per year" in proposed
    assert activity.checklist
    # And the computed indicators that the host's records fill.
    sources = set(
        db.session.scalars(select(Indicator.source).where(Indicator.activity_id == activity.id))
    )
    assert sources == {"sending.staff_sent", "sending.days_abroad", "sending.events_attended"}
    # The activity's page shows the event it sends to and its budget guidance.
    page = client.get(f"/plans/{sendings.plan.id}/activities/{activity.id}/edit").get_data(
        as_text=True
    )
    assert "Sends staff to" in page and "Helsinki Staff Week 2026" in page
    assert "3 days" in page


def test_a_staff_training_sending_is_named_so(client, sendings):
    login(client, sendings.people["planner"].email)
    _send(client, sendings.event.id, sendings.plan.id, kind="staff_training")
    activity = db.session.scalar(select(Activity).join(Sending))
    assert activity.title == "Staff training: Helsinki Staff Week 2026"


def test_a_second_send_points_to_the_first(client, sendings):
    login(client, sendings.people["planner"].email)
    first = _send(client, sendings.event.id, sendings.plan.id)
    second = _send(client, sendings.event.id, sendings.plan.id, people=5)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Sending.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(Activity.id)).where(Activity.plan_id == sendings.plan.id)
        )
        == 1
    )
    page = client.get(f"/events/{sendings.event.id}").get_data(as_text=True)
    assert "already sends staff to this event" in page


def test_the_budget_guidance_multiplies_what_the_planner_types(client, sendings):
    login(client, sendings.people["planner"].email)
    location = _send(client, sendings.event.id, sendings.plan.id).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Give the travel and subsistence per person to see the total." in page
    response = client.post(location, data={"people": "2", "travel": "350", "subsistence": "120,50"})
    assert response.status_code == 302
    sending = db.session.scalar(select(Sending))
    guidance = services.budget(sending)
    # (350 + 120.50 × 3 days) × 2 people
    assert guidance.total == Decimal("1423.00")
    assert sending.activity.budget_planned == Decimal("1423.00")
    page = client.get(location).get_data(as_text=True)
    assert "1,423.00" in page or "1 423,00" in page or "1423" in page


@pytest.mark.parametrize(
    ("people", "travel"), [("0", "1"), ("51", "1"), ("2", "-1"), ("2", "1e9"), ("x", "1")]
)
def test_the_budget_form_is_bounded(client, sendings, people, travel):
    login(client, sendings.people["planner"].email)
    location = _send(client, sendings.event.id, sendings.plan.id).headers["Location"]
    response = client.post(location, data={"people": people, "travel": travel})
    assert response.status_code == 400
    assert db.session.scalar(select(Sending)).travel_per_person is None


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2026, 5, 6), date(2026, 5, 6), "short"),  # one day
        (date(2026, 5, 6), date(2026, 5, 7), None),  # two days: the shortest allowed
        (date(2026, 5, 6), date(2026, 7, 6), None),  # two months: the longest allowed
        (date(2026, 5, 6), date(2026, 7, 7), "long"),  # a day over two months
    ],
)
def test_the_erasmus_length_rule_on_both_ends(start, end, problem):
    assert services.mobility_problem(start, end) == problem


def test_a_one_day_event_is_sent_to_with_a_clear_warning(client, sendings):
    short = make_event(
        sendings.host, title="One-day seminar", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1)
    )
    make_track(short)
    login(client, sendings.people["planner"].email)
    assert "at least 2 days" in client.get(f"/events/{short.id}").get_data(as_text=True)
    response = _send(client, short.id, sendings.plan.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Erasmus+ staff mobility lasts at least 2 days" in page


def test_a_long_event_warns_too(client, sendings):
    long = make_event(
        sendings.host, title="Long stay", starts_on=date(2026, 5, 1), ends_on=date(2026, 8, 1)
    )
    make_track(long)
    login(client, sendings.people["planner"].email)
    response = _send(client, long.id, sendings.plan.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Erasmus+ staff mobility lasts at most 2 months" in page


def test_the_host_cannot_send_its_own_plan(client, sendings):
    login(client, sendings.people["host_planner"].email)
    assert _send(client, sendings.event.id, sendings.host_plan.id).status_code == 400
    assert db.session.scalar(select(func.count(Sending.id))) == 0


def test_only_planners_of_the_plans_institution_may_send(app, sendings):
    # A planner of Tampere names Jyväskylä's plan: not one of theirs (refused, nothing made).
    third = _as(app, sendings.people["third_planner"].email)
    assert _send(third, sendings.event.id, sendings.plan.id).status_code == 400
    viewer = _as(app, sendings.people["viewer"].email)  # Jyväskylä's viewer: plans in none
    assert _send(viewer, sendings.event.id, sendings.plan.id).status_code == 400
    assert db.session.scalar(select(func.count(Sending.id))) == 0


def test_anonymous_is_sent_to_sign_in(client, sendings):
    response = _send(client, sendings.event.id, sendings.plan.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_draft_event_cannot_be_sent_to(client, sendings):
    draft = make_event(sendings.host, title="Draft week", status="draft")
    login(client, sendings.people["planner"].email)
    assert _send(client, draft.id, sendings.plan.id).status_code == 404


def test_another_institutions_sending_page_answers_404(app, client, sendings):
    login(client, sendings.people["planner"].email)
    location = _send(client, sendings.event.id, sendings.plan.id).headers["Location"]
    for who in ("third_planner", "host_planner", "host_organiser"):
        other = _as(app, sendings.people[who].email)
        assert other.get(location).status_code == 404, who
        assert other.post(location, data={"people": "1"}).status_code == 404, who
    client = _as(app, sendings.people["viewer"].email)
    assert client.get(location).status_code == 200
    assert client.post(location, data={"people": "1"}).status_code == 403
    # A sending of the plan addressed through another plan is not found either.
    sending = db.session.scalar(select(Sending))
    assert client.get(f"/plans/{sendings.third_plan.id}/sendings/{sending.id}").status_code == 404


def test_a_send_that_loses_the_race_leaves_no_activity_behind(sendings, monkeypatch):
    first, created = services.send_staff(
        sendings.plan, sendings.event, people=1, kind="job_shadowing", by="t", language="en"
    )
    db.session.commit()
    assert created
    # The second request read "no sending yet" before the first committed.
    monkeypatch.setattr(services, "sending_of", lambda *_: None)
    with pytest.raises(IntegrityError):  # the unique plan and event
        services.send_staff(
            sendings.plan, sendings.event, people=1, kind="job_shadowing", by="t", language="en"
        )
    monkeypatch.undo()
    again, created = services.send_staff(
        sendings.plan, sendings.event, people=1, kind="job_shadowing", by="t", language="en"
    )
    db.session.commit()
    assert not created and again.id == first.id
    assert (
        db.session.scalar(
            select(func.count(Activity.id)).where(Activity.plan_id == sendings.plan.id)
        )
        == 1
    )


def test_deleting_the_activity_removes_the_sending(client, sendings):
    login(client, sendings.people["planner"].email)
    _send(client, sendings.event.id, sendings.plan.id)
    sending = db.session.scalar(select(Sending))
    url = f"/plans/{sendings.plan.id}/activities/{sending.activity_id}/delete"
    assert client.post(url).status_code in (302, 303)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Sending.id))) == 0
    page = client.get(f"/events/{sendings.event.id}").get_data(as_text=True)
    assert "already sends staff" not in page
    # Sending again makes a new activity.
    assert _send(client, sendings.event.id, sendings.plan.id).status_code == 302
