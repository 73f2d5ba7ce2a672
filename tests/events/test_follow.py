"""A hosted activity follows its event: planned once published, in progress on its days,
done after them, cancelled with it; forward only, and each stage once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from app.core.extensions import db
from app.events import planning, services
from app.events.models import EventStatus
from app.planner.models import Activity, ActivityStatus
from app.planner.services import create_plan
from tests.conftest import login
from tests.events.factories import make_event, make_track

# 6 to 8 May 2026 in Helsinki (UTC+3 in summer).
BEFORE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST_DAY = datetime(2026, 5, 5, 21, 0, tzinfo=UTC)  # 6 May 00:00 in Helsinki
LAST_MINUTE = datetime(2026, 5, 8, 20, 59, tzinfo=UTC)  # 8 May 23:59 in Helsinki
AFTER = datetime(2026, 5, 8, 21, 0, tzinfo=UTC)  # 9 May 00:00 in Helsinki


@pytest.fixture
def hosted(people):
    plan = create_plan(
        people["host"], title="Plan", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    activity = Activity(plan=plan, title="Staff week", status=ActivityStatus.IDEA)
    db.session.add(activity)
    db.session.commit()
    event = make_event(people["host"], activity=activity)
    return event, activity


def _run(now: datetime) -> int:
    moved = planning.follow_events(now)
    db.session.commit()
    return moved


def test_the_activity_moves_along_the_event_by_the_days_of_its_place(hosted):
    event, activity = hosted
    assert _run(BEFORE) == 1 and activity.status == ActivityStatus.PLANNED
    assert _run(BEFORE) == 0
    assert _run(datetime(2026, 5, 5, 20, 0, tzinfo=UTC)) == 0  # 5 May, 23:00 there
    assert _run(FIRST_DAY) == 1 and activity.status == ActivityStatus.IN_PROGRESS
    assert _run(LAST_MINUTE) == 0 and activity.status == ActivityStatus.IN_PROGRESS
    assert _run(AFTER) == 1 and activity.status == ActivityStatus.DONE
    assert [c.status for c in activity.status_changes] == ["planned", "in_progress", "done"]
    assert all(c.changed_by == f"event {event.id}" for c in activity.status_changes)


def test_a_stage_is_given_once_so_a_planners_change_by_hand_stands(hosted):
    _event, activity = hosted
    _run(FIRST_DAY)
    assert activity.status == ActivityStatus.IN_PROGRESS
    activity.status = ActivityStatus.PLANNED  # the planner sets it back
    db.session.commit()
    assert _run(FIRST_DAY) == 0 and activity.status == ActivityStatus.PLANNED
    assert _run(AFTER) == 1 and activity.status == ActivityStatus.DONE


def test_an_activity_moves_forward_only_and_a_finished_one_is_left_alone(hosted):
    _event, activity = hosted
    activity.status = ActivityStatus.IN_PROGRESS
    db.session.commit()
    assert _run(BEFORE) == 0 and activity.status == ActivityStatus.IN_PROGRESS
    activity.status = ActivityStatus.CANCELLED
    db.session.commit()
    assert _run(AFTER) == 0 and activity.status == ActivityStatus.CANCELLED


def test_a_draft_moves_nothing_and_a_cancelled_event_cancels_its_activity(hosted):
    event, activity = hosted
    event.status = EventStatus.DRAFT
    db.session.commit()
    assert _run(AFTER) == 0 and activity.status == ActivityStatus.IDEA
    services.set_status(event, EventStatus.CANCELLED)
    db.session.commit()
    assert activity.status == ActivityStatus.CANCELLED
    assert event.activity_followed == ActivityStatus.CANCELLED
    assert _run(AFTER) == 0


def test_publishing_plans_the_activity_at_once(hosted, client):
    event, activity = hosted
    event.status = EventStatus.DRAFT
    make_track(event)
    with freeze_time(BEFORE):
        login(client, "manager@a.example")
        response = client.post(
            f"/institutions/uni-a/events/{event.id}/status", data={"status": "published"}
        )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(type(event), event.id).status == EventStatus.PUBLISHED
    assert db.session.get(Activity, activity.id).status == ActivityStatus.PLANNED
