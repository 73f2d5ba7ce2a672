"""Planners make plans, adopt practices into them, and edit activities."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from app.core.extensions import db
from app.planner.models import Activity, Plan
from tests.conftest import login


@pytest.fixture
def planner(client, make_institution, make_user, make_practice):
    institution = make_institution("uni-a", name="University A")
    make_user("plan@example.org", institution=institution, role="planner")
    make_practice(target_groups=["administrative-staff"], mobility_stages=["pre-departure"])
    login(client, "plan@example.org")
    return institution


def _new_plan(client) -> Plan:
    response = client.post(
        "/institutions/uni-a/plans/new",
        data={
            "title": "Staff growth 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "goals_text": "Better support for mobile staff",
        },
    )
    assert response.status_code == 302
    return db.session.scalar(select(Plan))


def test_a_plan_period_must_not_end_before_it_starts(client, planner):
    response = client.post(
        "/institutions/uni-a/plans/new",
        data={"title": "Backwards", "period_start": "2027-12-31", "period_end": "2027-01-01"},
    )
    assert response.status_code == 200
    assert "The period ends before it starts." in response.get_data(as_text=True)


def test_a_plan_form_lists_a_bad_title_and_reversed_dates_at_once(client, planner):
    response = client.post(
        "/institutions/uni-a/plans/new",
        data={"title": "x" * 250, "period_start": "2027-12-31", "period_end": "2027-01-01"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # Both problems at their fields in the one answer.
    assert 'id="title-error">Use at most 200 characters.' in page
    assert 'id="period_end-error">The period ends before it starts.' in page


def test_an_activity_with_reversed_dates_is_told_so_in_words(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["delivery"]}
    )
    activity = db.session.scalar(select(Activity))
    response = client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit",
        data={
            "title": activity.title,
            "format": "online",
            "start_date": "2027-03-02",
            "end_date": "2027-03-01",
            "status": "planned",
            "version": str(activity.version),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="end_date-error">The end date (end_date) is before the start date' in page
    assert "End_date" not in page


def test_adopt_from_the_practice_page_into_a_plan(client, planner):
    plan = _new_plan(client)
    page = client.get("/practices/peer-learning-circle").get_data(as_text=True)
    assert "Adopt this practice into a plan" in page and "Staff growth 2027 (University A)" in page
    response = client.post(
        "/practices/peer-learning-circle/adopt",
        data={"plan_id": plan.id, "phases": ["setup", "delivery"]},
    )
    assert response.headers["Location"] == f"/plans/{plan.id}"
    titles = sorted(db.session.scalars(select(Activity.title)))
    assert titles == [
        "Deliver: Peer learning circle for welcome services",
        "Set up: Peer learning circle for welcome services",
    ]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Set up: Peer learning circle" in page and 'Idea <span class="muted">(2)</span>' in page


def test_setting_dates_recurrence_and_budget_shows_in_totals_and_timeline(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["delivery"]}
    )
    activity = db.session.scalar(select(Activity))
    response = client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit",
        data={
            "title": activity.title,
            "format": "online",
            "start_date": "2027-03-01",
            "end_date": "2027-03-02",
            "recurrence": "FREQ=MONTHLY;INTERVAL=6",
            "budget_planned": "1500",
            "effort_planned": "4.5",
            "status": "planned",
            "other_partners": "University B\nEURAXESS centre",
            "version": str(activity.version),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "<td>€1,500.00</td>" in page and "<td>4.5</td>" in page
    assert "<td>1 Mar 2027</td>" in page and "<td>1 Sept 2027</td>" in page
    assert "repeats every 6 months" in page and "FREQ=" not in page
    assert 'Planned <span class="muted">(1)</span>' in page
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.partners == ["University B", "EURAXESS centre"]
    assert [c.status for c in activity.status_changes] == ["idea", "planned"]


@pytest.fixture
def partnered(planner):
    """University A is in a network and has a strategic partner."""
    from app.institutions.models import Network, NetworkMembership, StrategicPartnership

    network = Network(slug="una-europa", name="UNA Europa", kind="university-alliance")
    planner.memberships.append(NetworkMembership(network=network))
    planner.partnerships.append(StrategicPartnership(partner_name="Stockholm University"))
    db.session.commit()
    return planner


def _adopted(client) -> tuple[Plan, Activity]:
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    return plan, db.session.scalar(select(Activity))


def test_partners_and_host_are_chosen_from_networks_and_strategic_partners(client, partnered):
    plan, activity = _adopted(client)
    url = f"/plans/{plan.id}/activities/{activity.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="UNA Europa"' in page and 'value="Stockholm University"' in page
    response = client.post(
        url,
        data={
            "title": "Rotating workshop",
            "format": "hybrid",
            "status": "planned",
            "partners": ["Stockholm University", "UNA Europa"],
            "other_partners": "City of Helsinki\n\nUNA Europa",
            "host": "Stockholm University",
            "version": str(activity.version),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Activity, activity.id)
    assert saved.partners == ["Stockholm University", "UNA Europa", "City of Helsinki"]
    assert saved.host == "Stockholm University"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="Stockholm University">' in page
    assert "City of Helsinki</textarea>" in page


def test_a_typed_host_wins_and_an_unknown_chosen_host_is_refused(client, partnered):
    plan, activity = _adopted(client)
    url = f"/plans/{plan.id}/activities/{activity.id}/edit"
    base = {
        "title": "Workshop",
        "format": "on-site",
        "status": "idea",
        "version": str(activity.version),
    }
    refused = client.post(url, data={**base, "host": "Nowhere University"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    client.post(url, data={**base, "host": "", "other_host": "University of Tartu"})
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).host == "University of Tartu"
    # The typed host stays a choice on the next visit, so the form shows it selected.
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="University of Tartu">' in page


def test_a_second_save_over_a_newer_one_is_refused_showing_both(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    activity = db.session.scalar(select(Activity))
    stale = str(activity.version)
    base = {"format": "on-site", "status": "idea", "version": stale}
    client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit", data={**base, "title": "First saved"}
    )
    response = client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit", data={**base, "title": "Second typed"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this activity" in page
    assert "First saved" in page and 'value="Second typed"' in page
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "First saved"


def test_deleting_asks_first_and_is_logged(client, planner, caplog):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    activity = db.session.scalar(select(Activity))
    page = client.get(f"/plans/{plan.id}/activities/{activity.id}/delete").get_data(as_text=True)
    assert "Delete “Set up: Peer learning circle" in page
    assert db.session.scalar(select(Activity)) is not None
    with caplog.at_level(logging.INFO, logger="app"):
        client.post(f"/plans/{plan.id}/activities/{activity.id}/delete")
    assert db.session.scalar(select(Activity)) is None
    assert any("deleted by plan@example.org" in r.getMessage() for r in caplog.records)


def test_plan_page_shows_coverage_gaps(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "<td>Pre-departure</td><td>1</td>" in page
    assert '<tr class="gap"><td>Upon arrival</td><td>0</td></tr>' in page


def test_copy_to_a_new_period_shifts_dates_and_clears_actuals(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    activity = db.session.scalar(select(Activity))
    client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit",
        data={
            "title": activity.title,
            "format": "on-site",
            "start_date": "2027-03-01",
            "end_date": "2027-03-02",
            "budget_planned": "100",
            "budget_actual": "90",
            "effort_actual": "2",
            "status": "done",
            "evaluation": "Went well",
            "version": str(activity.version),
        },
    )
    page = client.get(f"/plans/{plan.id}/copy").get_data(as_text=True)
    assert 'value="2028-01-01"' in page  # the day after the period ends
    response = client.post(
        f"/plans/{plan.id}/copy", data={"title": "Staff growth 2028", "period_start": "2028-01-01"}
    )
    copied = db.session.scalar(select(Plan).where(Plan.title == "Staff growth 2028"))
    assert response.headers["Location"] == f"/plans/{copied.id}"
    assert (copied.period_start, copied.period_end) == (date(2028, 1, 1), date(2028, 12, 31))
    (new,) = copied.activities
    assert (new.start_date, new.end_date) == (date(2028, 3, 1), date(2028, 3, 2))
    assert new.budget_planned == 100 and new.budget_actual is None and new.effort_actual is None
    assert new.status == "idea" and new.evaluation == ""
    assert [c.text for c in new.checklist] == [c.text for c in activity.checklist]


def test_plan_is_edited_and_activated_and_stale_saves_are_refused(client, planner):
    plan = _new_plan(client)
    stale = str(plan.version)
    data = {
        "title": "Staff growth 2027",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "goals_text": "",
        "status": "active",
        "version": stale,
    }
    assert client.post(f"/plans/{plan.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status == "active"
    again = client.post(f"/plans/{plan.id}/edit", data={**data, "title": "Stale title"})
    assert again.status_code == 409
    assert 'value="Stale title"' in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).title == "Staff growth 2027"


def test_a_planner_adopts_from_a_search_result(client, planner):
    plan = _new_plan(client)
    page = client.get("/practices?q=peer").get_data(as_text=True)
    assert 'form="adopt-form" formaction="/practices/peer-learning-circle/adopt"' in page
    assert f'<option value="{plan.id}">' in page
    response = client.post(
        "/practices/peer-learning-circle/adopt",
        data={"plan_id": plan.id, "phases": ["setup", "delivery"]},
    )
    assert response.status_code == 302
    assert len(db.session.scalars(select(Activity)).all()) == 2


def test_search_results_offer_no_adoption_to_visitors(client, make_practice):
    make_practice()
    page = client.get("/practices").get_data(as_text=True)
    assert "adopt-form" not in page


def test_a_planner_adds_a_custom_activity(client, partnered):
    plan = _new_plan(client)
    url = f"/plans/{plan.id}/activities/new"
    page = client.get(url).get_data(as_text=True)
    assert "New activity" in page and 'value="UNA Europa"' in page
    response = client.post(
        url,
        data={
            "title": "Welcome-week rehearsal",
            "format": "on-site",
            "status": "planned",
            "start_date": "2027-08-20",
            "partners": ["UNA Europa"],
            "budget_planned": "300",
        },
    )
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.practice is None and activity.phase is None
    assert activity.partners == ["UNA Europa"] and activity.status == "planned"
    assert [c.status for c in activity.status_changes] == ["planned"]
    assert "Welcome-week rehearsal" in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_a_custom_activity_with_errors_keeps_what_was_typed(client, planner):
    plan = _new_plan(client)
    response = client.post(
        f"/plans/{plan.id}/activities/new",
        data={"title": "", "format": "online", "status": "idea", "notes": "Keep me"},
    )
    assert response.status_code == 400
    assert "Keep me</textarea>" in response.get_data(as_text=True)
    assert db.session.scalar(select(Activity)) is None


def test_plan_goals_are_chosen_from_the_sheets_goals(client, planner):
    client.post(
        "/institutions/uni-a/plans/new",
        data={
            "title": "Goals plan",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "goals": ["improved-skills", "visibility"],
        },
    )
    plan = db.session.scalar(select(Plan))
    assert plan.goals == ["improved-skills", "visibility"]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Improved skills and knowledge" in page
    refused = client.post(
        "/institutions/uni-a/plans/new",
        data={
            "title": "X",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "goals": ["world-peace"],
        },
    )
    assert refused.status_code == 200
    assert "is not a valid choice" in refused.get_data(as_text=True)


def test_the_editor_keeps_a_rule_its_presets_do_not_list(client, planner):
    plan, activity = _adopted(client)
    activity.start_date = date(2027, 2, 2)
    activity.recurrence = "FREQ=WEEKLY;INTERVAL=2"
    db.session.commit()
    url = f"/plans/{plan.id}/activities/{activity.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="FREQ=WEEKLY;INTERVAL=2">' in page
    client.post(
        url,
        data={
            "title": activity.title,
            "format": "on-site",
            "status": "idea",
            "start_date": "2027-02-02",
            "recurrence": "FREQ=WEEKLY;INTERVAL=2",
            "version": str(activity.version),
        },
    )
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).recurrence == "FREQ=WEEKLY;INTERVAL=2"


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=DAILY", "FREQ=WEEKLY;INTERVAL=0", "often"])
def test_rules_finer_than_weekly_or_unreadable_are_refused(client, planner, rule):
    plan, activity = _adopted(client)
    response = client.post(
        f"/plans/{plan.id}/activities/{activity.id}/edit",
        data={
            "title": "X",
            "format": "on-site",
            "status": "idea",
            "start_date": "2027-02-02",
            "recurrence": rule,
        },
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).recurrence is None


def test_checklist_items_are_ticked_in_the_editor(client, planner):
    plan, activity = _adopted(client)
    item = activity.checklist[0]
    url = f"/plans/{plan.id}/activities/{activity.id}/edit"
    base = {"title": "X", "format": "on-site", "status": "idea"}
    assert f'value="{item.id}"' in client.get(url).get_data(as_text=True)
    client.post(url, data={**base, "checklist": [item.id], "version": str(activity.version)})
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).checklist[0].done is True
    page = client.get(url).get_data(as_text=True)
    assert f'checked id="checklist-0" name="checklist" type="checkbox" value="{item.id}"' in page
    client.post(url, data={**base, "version": str(db.session.get(Activity, activity.id).version)})
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).checklist[0].done is False


def test_the_editor_suggests_the_sheets_partners_without_adding_them(client, planner):
    plan, activity = _adopted(client)
    assert activity.partners == []
    page = client.get(f"/plans/{plan.id}/activities/{activity.id}/edit").get_data(as_text=True)
    assert "The sheet suggests:" in page


def test_shortening_the_period_warns_about_activities_left_outside(client, planner):
    plan, activity = _adopted(client)
    activity.start_date = date(2027, 11, 20)
    activity.recurrence = "FREQ=MONTHLY;INTERVAL=6"
    db.session.commit()
    response = client.post(
        f"/plans/{plan.id}/edit",
        data={
            "title": plan.title,
            "period_start": "2027-01-01",
            "period_end": "2027-06-30",
            "status": "draft",
            "version": str(plan.version),
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert (
        "dated outside the plan&#39;s new period" in page or "outside the plan's new period" in page
    )
    assert "1 activity is dated outside the plan" in page
    # It stays on the timeline: its first time, though past the new end.
    assert "<td>20 Nov 2027</td>" in page


def test_the_calendar_feed_names_its_charset_once(client, planner):
    plan = _new_plan(client)
    from app.accounts.services import get_user_by_email
    from app.planner.services import feed_token

    member = get_user_by_email("plan@example.org")  # an address is a member's own
    response = client.get(f"/plans/feed/{feed_token(plan, member)}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    export = client.get(f"/plans/{plan.id}/export.csv")
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.fixture
def with_units(planner):
    """University A has two units."""
    from app.institutions.models import Unit

    planner.units.append(Unit(name="International Office", kind="international-office"))
    planner.units.append(Unit(name="Staff Development", kind="human-resources"))
    db.session.commit()
    return planner


def test_a_plan_page_names_the_units_of_its_activities(client, with_units):
    plan = _new_plan(client)
    unit_ids = [unit.id for unit in with_units.units]
    db.session.add(Activity(plan=plan, title="With units", unit_ids=unit_ids))
    db.session.commit()
    for group in ("status", "month"):
        response = client.get(f"/plans/{plan.id}?group={group}")
        assert response.status_code == 200
        assert "International Office, Staff Development" in response.get_data(as_text=True)


def test_grouping_by_month_lists_a_repeating_activity_under_every_month(client, planner):
    plan = _new_plan(client)
    db.session.add(
        Activity(
            plan=plan,
            title="Quarterly meeting",
            start_date=date(2026, 11, 10),  # its first time is before the plan's period
            recurrence="FREQ=MONTHLY;INTERVAL=3",
        )
    )
    db.session.add(Activity(plan=plan, title="Once in March", start_date=date(2027, 3, 5)))
    db.session.add(Activity(plan=plan, title="Some day"))
    db.session.commit()
    page = client.get(f"/plans/{plan.id}?group=month").get_data(as_text=True)
    headings = [
        line.split("<h3>")[1].split(" <span")[0] for line in page.splitlines() if "<h3>" in line
    ]
    assert headings == [
        "November 2026",
        "February 2027",
        "March 2027",
        "May 2027",
        "August 2027",
        "November 2027",
        "Not dated",
    ]
    assert page.count("<strong>Quarterly meeting</strong>") == 5
    assert "10 Aug 2027" in page  # under August, the August occurrence's date


def test_a_large_plan_is_listed_page_by_page_with_the_same_queries(client, planner, count_queries):
    from app.planner.pages import PAGE_SIZE, TIMELINE_LIMIT

    plan = _new_plan(client)
    # The plan's "created" message is shown once: a page with a message waiting is not
    # stored, and so runs one statement fewer (no data version read) than the ones measured.
    client.get(f"/plans/{plan.id}")

    def add(n: int) -> None:
        db.session.add_all(
            Activity(
                plan=plan,
                title=f"Activity {i}",
                start_date=date(2027, 1 + i % 12, 1),
                recurrence="FREQ=WEEKLY" if i % 10 == 0 else None,
                budget_planned=1000,
            )
            for i in range(n)
        )
        db.session.commit()

    def measure() -> tuple[int, int]:
        with count_queries() as queries:
            response = client.get(f"/plans/{plan.id}")
        assert response.status_code == 200
        return len(queries), len(response.data)

    add(3)
    few_queries, _ = measure()
    add(PAGE_SIZE * 2 - 3)
    small_queries, small_size = measure()
    add(PAGE_SIZE * 10)
    large_queries, large_size = measure()
    # No query per listed activity (3 or 50 on the page), none per activity in the plan.
    assert few_queries == small_queries == large_queries
    assert large_size < small_size * 1.05
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert page.count('<li class="activity">') == PAGE_SIZE
    assert f"1–{PAGE_SIZE} of 600 activities" in page and "page 1 of 12" in page
    assert f"The timeline shows the first {TIMELINE_LIMIT} of" in page
    assert "<td>€600,000.00</td>" in page  # the totals count every activity
    last = client.get(f"/plans/{plan.id}?page=12").get_data(as_text=True)
    assert last.count('<li class="activity">') == PAGE_SIZE and "Previous page" in last
    assert "Next page" not in last
    # A page past the end shows the last; a nonsense page the first.
    assert client.get(f"/plans/{plan.id}?page=999999999999").status_code == 200
    assert "page 1 of 12" in client.get(f"/plans/{plan.id}?page=x").get_data(as_text=True)


# The page of a plan of 10,000 activities is to weigh under 1 MB: its size is that of one
# page of the list, a capped timeline and the coverage, whatever the plan holds.
MOST_PAGE_BYTES = 150_000


@pytest.mark.parametrize("group", ["status", "month"])
def test_a_plan_of_thousands_of_activities_shows_one_page_of_them(client, planner, group):
    from app.planner.pages import PAGE_SIZE

    plan = _new_plan(client)
    many = 2_500
    db.session.execute(
        insert(Activity),
        [
            {
                "plan_id": plan.id,
                "title": f"Visit {n}",
                "start_date": date(2027, 1 + n % 12, 1 + n % 28),
                "recurrence": "FREQ=MONTHLY" if n % 50 == 0 else None,
            }
            for n in range(many)
        ],
    )
    db.session.commit()
    response = client.get(f"/plans/{plan.id}?group={group}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(response.data) < MOST_PAGE_BYTES
    assert page.count('<li class="activity">') == PAGE_SIZE
    assert 'rel="next"' in page and "page 1 of " in page
    # The page control is a plain link to the next page, which shows the next activities.
    link = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    second = client.get(link).get_data(as_text=True)
    assert "page 2 of " in second and 'rel="prev"' in second
    assert second.count('<li class="activity">') == PAGE_SIZE


def test_a_stored_rule_that_never_matches_leaves_the_page_correct(client, planner):
    plan = _new_plan(client)
    db.session.add(
        Activity(
            plan=plan,
            title="Never",
            start_date=date(2027, 1, 4),
            recurrence="FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
        )
    )
    db.session.commit()
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}?group=month"):
        page = client.get(url).get_data(as_text=True)
        assert "<strong>Never</strong>" in page and "Give activities dates" in page
    assert client.get(f"/plans/{plan.id}/export.ics").status_code == 200


def test_units_are_chosen_in_the_activity_editor(client, with_units, make_institution):
    from app.institutions.models import Unit

    plan = _new_plan(client)
    office, staff = with_units.units
    elsewhere = make_institution("uni-b")
    elsewhere.units.append(Unit(name="Their office", kind="international-office"))
    db.session.commit()
    form = client.get(f"/plans/{plan.id}/activities/new").get_data(as_text=True)
    assert "Units involved" in form and "Staff Development" in form
    assert "Their office" not in form
    response = client.post(
        f"/plans/{plan.id}/activities/new",
        data={"title": "Training", "format": "online", "status": "idea", "units": [staff.id]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    activity = db.session.scalar(select(Activity))
    assert activity.unit_ids == [staff.id]
    editor = client.get(f"/plans/{plan.id}/activities/{activity.id}/edit").get_data(as_text=True)
    assert re.search(
        rf'<input checked id="units-\d" name="units" type="checkbox" value="{staff.id}">', editor
    ), editor[editor.find("Units involved") :][:800]
    # Another institution's unit is not a choice: refused, nothing saved.
    data = {
        "title": "Training",
        "format": "online",
        "status": "idea",
        "units": [office.id, elsewhere.units[0].id],
        "version": str(activity.version),
    }
    response = client.post(f"/plans/{plan.id}/activities/{activity.id}/edit", data=data)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).unit_ids == [staff.id]
    data["units"] = [office.id, staff.id]
    client.post(f"/plans/{plan.id}/activities/{activity.id}/edit", data=data)
    db.session.expire_all()
    assert sorted(db.session.get(Activity, activity.id).unit_ids) == sorted([office.id, staff.id])
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "International Office, Staff Development" in page


def test_the_activity_editor_links_to_its_deletion(client, planner):
    plan, activity = _adopted(client)
    editor = client.get(f"/plans/{plan.id}/activities/{activity.id}/edit").get_data(as_text=True)
    delete = f"/plans/{plan.id}/activities/{activity.id}/delete"
    assert f'href="{delete}"' in editor
    assert "Delete “" in client.get(delete).get_data(as_text=True)  # it asks first
    assert client.post(delete).status_code == 302
    assert db.session.get(Activity, activity.id) is None


def test_the_gaps_page_marks_each_gap_says_why_and_links_the_catalogue(client, planner):
    plan = _new_plan(client)
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": plan.id, "phases": ["setup"]}
    )
    page = client.get(f"/plans/{plan.id}/gaps").get_data(as_text=True)
    assert "Mobility stages by target group" in page
    # A reached stage is not listed as a gap; an unreached one is, with why it matters and
    # the catalogue filtered to it.
    assert 'class="gap-cell">0<span class="visually-hidden"> (gap)</span>' in page
    # Every marked cell says so in words too, the totals' included.
    assert page.count('class="gap-cell"') == page.count("> (gap)</span>") > 0
    stage_gaps = page.split('id="stage-gaps-heading"')[1].split("</section>")[0]
    assert "<strong>Upon arrival</strong>: The first days decide" in stage_gaps
    assert "/practices?mobility_stage=upon-arrival" in stage_gaps
    assert "<strong>Pre-departure</strong>" not in stage_gaps
    assert "The plan names no goals." in page
    # Reached from the plan page and the tracking pages' menu.
    assert f'href="/plans/{plan.id}/gaps"' in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    finnish = client.get(f"/plans/{plan.id}/gaps", headers={"Accept-Language": "fi"})
    assert "Ensimmäiset päivät ratkaisevat" in finnish.get_data(as_text=True)


def test_a_planner_asks_for_suggestions_adopts_them_and_the_gaps_close(client, planner, catalogue):
    plan = _new_plan(client)
    gaps_page = client.get(f"/plans/{plan.id}/gaps").get_data(as_text=True)
    assert f'href="/plans/{plan.id}/suggestions"' in gaps_page
    page = client.get(f"/plans/{plan.id}/suggestions?budget=20000&days=&count=2").get_data(
        as_text=True
    )
    assert "Costs are estimates" in page
    ticked = re.findall(r'name="practices" value="([^"]+)" checked', page)
    assert 1 <= len(ticked) <= 2
    assert "Closes " in page and "(estimates)" in page
    before = db.session.scalar(select(func.count(Activity.id)))
    response = client.post(f"/plans/{plan.id}/suggestions", data={"practices": ticked})
    assert response.status_code == 302 and response.location.endswith(f"/plans/{plan.id}/gaps")
    # Each practice adopted with both its phases.
    assert db.session.scalar(select(func.count(Activity.id))) == before + 2 * len(ticked)
    after = client.get(f"/plans/{plan.id}/gaps").get_data(as_text=True)
    assert after.count('class="gap-cell"') < gaps_page.count('class="gap-cell"')


@pytest.mark.parametrize(
    "query",
    ["budget=-5", "budget=abc", "days=1e999", "count=0", "count=99", "budget=99999999999999"],
)
def test_suggestions_refuse_bad_limits_with_a_message(client, planner, query):
    plan = _new_plan(client)
    response = client.get(f"/plans/{plan.id}/suggestions?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The field asked about says what is wrong, and nothing is suggested.
    field = query.split("=")[0]
    assert f'id="{field}-error"' in page and 'class="field has-error"' in page
    assert 'id="found-heading"' not in page


def test_adopting_suggestions_refuses_a_withdrawn_or_unknown_practice(client, planner):
    plan = _new_plan(client)
    response = client.post(f"/plans/{plan.id}/suggestions", data={"practices": ["no-such-sheet"]})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_adopting_suggestions_sent_again_adopts_nothing_twice(client, planner, catalogue):
    plan = _new_plan(client)
    page = client.get(f"/plans/{plan.id}/suggestions?count=1").get_data(as_text=True)
    (slug,) = re.findall(r'name="practices" value="([^"]+)" checked', page)
    client.post(f"/plans/{plan.id}/suggestions", data={"practices": [slug]})
    adopted = db.session.scalar(select(func.count(Activity.id)))
    # The same page sent again (Back, a second tab): refused, nothing added.
    again = client.post(
        f"/plans/{plan.id}/suggestions", data={"practices": [slug]}, follow_redirects=True
    )
    assert "in the plan already" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Activity.id))) == adopted == 2


def test_an_empty_number_of_practices_is_the_default_shown(client, planner):
    plan = _new_plan(client)
    page = client.get(f"/plans/{plan.id}/suggestions?budget=&days=&count=").get_data(as_text=True)
    (field,) = re.findall(r'<input[^>]*id="count"[^>]*>', page)
    assert 'value="3"' in field, field
