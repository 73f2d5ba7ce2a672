"""Sending staff in Chromium, on frozen clocks: a Jyväskylä planner finds Helsinki's staff week
through /events filtered by a network both belong to, and adds, in one step, a sending activity to their plan with its budget
guidance; their staff member applies and agrees that the home plan counts her; Helsinki's
organiser accepts her and sends the decisions, she confirms the place, attendance is marked;
and the Jyväskylä plan's indicators show one person sent, two days abroad and one event.
Each page is checked by axe; screenshots in tests/artifacts/sending-journey-NN-*.png, desktop
and phone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from tests.browser.axe import audit
from tests.browser.conftest import PageProblems, screenshot
from tests.browser.test_event_journey import DESKTOP, PHONE, _as, _fits, _mailed_link, _new_page

pytestmark = pytest.mark.browser

DURING = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
AFTER_CLOSE = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2026, 5, 6, 7, 0, tzinfo=UTC)  # 10:00 in Helsinki
SECOND_DAY = datetime(2026, 5, 7, 7, 0, tzinfo=UTC)
AFTER_EVENT = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
STAFF = ("Sanna Lähettäjä", "sanna@jyu.example")


class Shots:
    def __init__(self) -> None:
        self.taken = 0

    def __call__(self, page, name: str) -> None:
        audit(page)
        self.taken += 1
        screenshot(page, f"sending-journey-{self.taken:02d}-{name}")


@pytest.fixture
def week(live_server, make_institution, make_user):
    """Helsinki's published staff week (window 14 Jan - 13 Feb, event 6-8 May 2026) with its
    organiser; Jyväskylä with a planner and a plan for 2026; both members of one network, and a
    third institution's call outside it."""
    from app.core.extensions import db
    from app.institutions.models import Network, NetworkMembership
    from app.planner.services import create_plan
    from tests.events.factories import make_event, make_track

    host = make_institution("helsinki", name="University of Helsinki")
    sender = make_institution("jyu", name="University of Jyväskylä")
    make_user("organiser@helsinki.example", institution=host, role="event_organiser")
    make_user("planner@jyu.example", institution=sender, role="planner")
    event = make_event(host, title="Helsinki Staff Training Week 2026")
    make_track(event, "Global mobility networks", capacity=10)
    network = Network(slug="una-europa", name="Una Europa", kind="alliance")
    db.session.add_all(
        [
            NetworkMembership(institution=host, network=network),
            NetworkMembership(institution=sender, network=network),
        ]
    )
    elsewhere = make_institution("elsewhere", name="Elsewhere University")
    make_track(make_event(elsewhere, title="Elsewhere Staff Week 2026"), "Welcome", capacity=5)
    plan = create_plan(
        sender,
        title="JYU staff development 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    db.session.commit()
    return event, plan


def test_a_planner_sends_staff_and_the_plan_counts_them(live_server, journey, browser, week):
    from app.applications.models import Application
    from app.core.extensions import db
    from app.indicators.models import Indicator, Measurement
    from app.sending.models import Sending

    base, page = live_server, journey
    event, plan = week
    shot = Shots()
    others = PageProblems()

    # 1. The planner finds the call through /events and adds the sending in one step.
    with freeze_time(DURING, tick=True):
        _as(page, base, "planner@jyu.example")
        page.goto(f"{base}/events")
        audit(page)
        assert page.get_by_role("link", name="Elsewhere Staff Week 2026").count() == 1
        page.locator("#f-network").select_option("una-europa")
        page.wait_for_url(re.compile(r"network=una-europa"))
        # Only the calls of the network's members are left.
        assert page.get_by_role("link", name="Elsewhere Staff Week 2026").count() == 0
        shot(page, "events-filtered-by-network")
        page.get_by_role("link", name="Helsinki Staff Training Week 2026").click()
        page.get_by_role("heading", name="Send staff to this event").wait_for()
        shot(page, "call-offers-sending")
        page.get_by_label("Into the plan").select_option(
            label="JYU staff development 2026 (University of Jyväskylä)"
        )
        page.get_by_label("Kind of activity").select_option(label="Job shadowing")
        page.get_by_label("People to send").fill("1")
        page.get_by_role("button", name="Add to my plan").click()
        page.get_by_text("The sending activity is added to your plan").wait_for()
        shot(page, "sending-added")
        page.get_by_label("Travel per person (€)").fill("320")
        page.get_by_label("Subsistence per person and day (€)").fill("120")
        page.get_by_role("button", name="Save the budget guidance").click()
        page.get_by_text("The budget guidance is saved.").wait_for()
        # (320 + 120 x 3 days) x 1 person
        assert "680.00" in page.inner_text("main")
        shot(page, "budget-guidance")
        page.set_viewport_size(PHONE)
        page.reload()
        _fits(page)
        shot(page, "budget-guidance-phone")
        page.set_viewport_size(DESKTOP)
        # A second send points to the same activity.
        page.goto(f"{base}/events/{event.id}")
        page.get_by_text("already sends staff to this event").wait_for()
        audit(page)

    db.session.rollback()
    sending = db.session.scalar(select(Sending))
    assert sending.plan_id == plan.id and sending.event_id == event.id
    assert sending.activity.start_date == date(2026, 5, 6)
    assert sending.activity.partners == ["University of Helsinki"]

    # 2. Their staff member applies on a phone and agrees that the home plan counts her.
    with freeze_time(DURING, tick=True):
        staff = _new_page(browser, others, phone=True)
        staff.goto(f"{base}/events/{event.id}")
        audit(staff)
        staff.get_by_role("link", name="Apply").click()
        staff.get_by_label("Email").fill(STAFF[1])
        staff.get_by_role("button", name="Email me the link").click()
        staff.get_by_text(f"A link is on its way to {STAFF[1]}").wait_for()
        audit(staff)
        staff.goto(_mailed_link(STAFF[1]))
        staff.get_by_label("Your name").fill(STAFF[0])
        staff.get_by_label("Current role").fill("Mobility coordinator")
        staff.get_by_label("Institution", exact=True).fill("University of Jyväskylä")
        staff.get_by_label("Country").select_option(label="Finland")
        staff.get_by_label("Professional background").fill("Eight years in student services.")
        staff.get_by_label("Track", exact=True).select_option(label="Global mobility networks")
        staff.get_by_label("I agree that my data is used").check()
        staff.get_by_label("My home institution may count my participation").check()
        _fits(staff)
        shot(staff, "apply-with-consent-phone")
        staff.get_by_role("button", name="Send the application").click()
        staff.get_by_text("Your application is sent.").wait_for()
        _fits(staff)
        shot(staff, "applied-phone")
        staff.context.close()

    db.session.rollback()
    application = db.session.scalar(select(Application))
    assert application.plan_consent and application.home_institution_id == plan.institution_id

    # 3. Helsinki's organiser accepts her and sends the decisions; she confirms the place.
    manage = f"{base}/institutions/helsinki/events/{event.id}"
    with freeze_time(AFTER_CLOSE, tick=True):
        _as(page, base, "organiser@helsinki.example")
        page.goto(f"{manage}/selection")
        audit(page)
        page.select_option(f"#decision_{application.id}", "accepted")
        page.get_by_role("button", name="Save the decisions").first.click()
        page.wait_for_load_state()
        audit(page)
        page.get_by_role("button", name="Send the decisions").click()
        page.wait_for_load_state()
        audit(page)
        staff = _new_page(browser, others, phone=False)
        staff.goto(_mailed_link(STAFF[1]))
        staff.get_by_role("button", name="Confirm my place").click()
        staff.wait_for_load_state()
        audit(staff)
        shot(staff, "place-confirmed")
        staff.context.close()

    # 4. Attendance on the first two days, marked by the organiser on a phone.
    page.set_viewport_size(PHONE)
    for moment in (FIRST_DAY, SECOND_DAY):
        with freeze_time(moment, tick=True):
            _as(page, base, "organiser@helsinki.example")
            day = moment.date().isoformat()
            page.goto(f"{manage}/checkin/{day}")
            audit(page)
            page.locator(f"#p-{application.id}").get_by_role("button", name="Mark present").click()
            page.wait_for_load_state()
            audit(page)
    page.set_viewport_size(DESKTOP)

    # 5. The Jyväskylä plan's indicators: one person sent, two days abroad, one event.
    with freeze_time(AFTER_EVENT, tick=True):
        _as(page, base, "planner@jyu.example")
        page.goto(f"{base}/plans/{plan.id}/sendings/{sending.id}")
        row = page.locator("tr", has_text=STAFF[0])
        assert "Accepted" in row.inner_text() and "2" in row.inner_text()
        shot(page, "sending-records")
        page.goto(f"{base}/plans/{plan.id}/indicators")
        page.get_by_text("Staff sent").first.wait_for()
        shot(page, "plan-indicators")
        page.set_viewport_size(PHONE)
        page.reload()
        shot(page, "plan-indicators-phone")
        page.set_viewport_size(DESKTOP)

    db.session.rollback()
    values = {
        indicator.source: db.session.scalar(
            select(Measurement.value).where(Measurement.indicator_id == indicator.id)
        )
        for indicator in db.session.scalars(
            select(Indicator).where(Indicator.activity_id == sending.activity_id)
        )
    }
    assert values == {
        "sending.staff_sent": 1,
        "sending.days_abroad": 2,
        "sending.events_attended": 1,
    }
    assert others.messages == []
