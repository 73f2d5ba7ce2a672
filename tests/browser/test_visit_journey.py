"""A visitor without an account requests an individual staff training visit to the University
of Helsinki's Language Centre (the unit of data/institutions.yml): confirms the address by the
emailed link, the international office routes the request, the unit asks for a call first,
then accepts; the visitor confirms, the unit writes the programme, and after the visit records
the attendance; the visitor gives feedback. Every page checked by axe, screenshots at phone
and desktop widths."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HELSINKI = "university-of-helsinki"


def _shots(page, name: str) -> None:
    audit(page)
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.evaluate("document.body.offsetHeight")  # lay the page out at the new width
        screenshot(page, f"visit-{name}-{label}")
    page.set_viewport_size(DESKTOP)


def _latest_link(server: str) -> str:
    from app.core.extensions import db
    from app.mail.models import OutboxMessage

    db.session.rollback()
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    found = re.search(r"http://127\.0\.0\.1:\d+/visits/\S+", body or "")
    assert found, body
    return found.group(0)


def _as(page, server: str, email: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server}/login?next={path}")
    sign_in(page, server, email, landing=re.escape(path) + "$")


def test_a_visitor_requests_an_individual_visit_to_the_language_centre(
    server, journey, runner, make_user
):
    from app.core.extensions import db
    from app.institutions.models import Institution, Unit
    from app.visits.models import VisitRequest, VisitState

    result = runner.invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    helsinki = db.session.scalar(select(Institution).where(Institution.slug == HELSINKI))
    centre = db.session.scalar(
        select(Unit).where(Unit.institution_id == helsinki.id, Unit.name == "Language Centre")
    )
    make_user("ana@helsinki.example", institution=helsinki, role="manager", name="Ana Manager")
    make_user("lea@helsinki.example", institution=helsinki, role="viewer", name="Lea Language")
    page = journey
    start = date.today() + timedelta(days=30)
    end = start + timedelta(days=2)

    # The office opens the Language Centre to visits and names its contact.
    _as(page, server, "ana@helsinki.example", f"/institutions/{HELSINKI}/visits/units")
    page.get_by_role("link", name="Edit Language Centre").click()
    page.get_by_label("This unit accepts individual staff training visits").check()
    page.get_by_label("Topics (separated by commas)").fill(
        "Language and communication teaching, observing teaching"
    )
    page.get_by_label("Languages (separated by commas)").fill("English, Finnish, Swedish")
    for month in ("May", "September", "October"):
        page.get_by_label(month, exact=True).check()
    page.get_by_label("Lea Language").check()
    _shots(page, "1-offer")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The visits of Language Centre are saved.").wait_for()
    audit(page)

    # A visitor without an account finds the unit and asks.
    page.context.clear_cookies()
    page.goto(f"{server}/institutions/{HELSINKI}/visits")
    _shots(page, "2-offers")
    page.get_by_role("link", name="Request a visit to Language Centre").click()
    page.get_by_label("Email").fill("vera@elsewhere.example")
    page.get_by_label("Name", exact=True).fill("Vera Visitor")
    page.get_by_label("Your institution").fill("Universidad de Ejemplo")
    page.get_by_label("Your role").fill("Language teacher")
    page.get_by_label("Topic of the visit").fill("Observing language teaching")
    page.get_by_label("Preferred first day").fill(start.isoformat())
    page.get_by_label("Preferred last day").fill(end.isoformat())
    assert page.get_by_label("The unit you suggest").input_value() == str(centre.id)
    page.get_by_label("I would like a video call with the unit first").check()
    _shots(page, "3-request")
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("A link is on its way to vera@elsewhere.example").wait_for()
    audit(page)
    page.goto(_latest_link(server))
    page.get_by_text("Your email is confirmed").wait_for()
    _shots(page, "4-verified")
    db.session.rollback()
    visit = db.session.scalar(select(VisitRequest))
    assert visit.state == VisitState.REQUESTED

    # The international office routes it to the Language Centre.
    _as(page, server, "ana@helsinki.example", f"/institutions/{HELSINKI}/visits/requests")
    _shots(page, "5-requests")
    page.get_by_role("link", name="Vera Visitor").click()
    page.get_by_label("Unit", exact=True).select_option(label="Language Centre")
    page.get_by_role("button", name="Route to this unit").click()
    page.get_by_text("The request is routed to Language Centre.").wait_for()
    audit(page)

    # The unit asks for a call first, then accepts.
    path = f"/institutions/{HELSINKI}/visits/requests/{visit.id}"
    _as(page, server, "lea@helsinki.example", path)
    # Each answer has its note: here, how to reach the unit for the call.
    page.locator("#note-call").fill("Teams on Monday at 10?\nWrite to lea@helsinki.example.")
    page.get_by_role("button", name="Ask for a video call first").click()
    page.get_by_text("Your answer is saved and emailed to the visitor.").wait_for()
    _shots(page, "6-call")
    page.locator("#note-accept").fill("Welcome: we look forward to it.")
    page.get_by_role("button", name="Accept the preferred dates").click()
    page.get_by_text("Your answer is saved and emailed to the visitor.").wait_for()
    audit(page)

    # The visitor confirms by the newest email's link.
    page.context.clear_cookies()
    page.goto(_latest_link(server))
    page.get_by_text("The unit accepts your preferred dates.").wait_for()
    _shots(page, "7-accepted")
    page.get_by_role("button", name="Confirm these dates").click()
    page.get_by_text("Your visit is confirmed.").wait_for()
    audit(page)
    visitor_page = page.url

    # The unit writes the programme.
    _as(page, server, "lea@helsinki.example", path)
    page.get_by_label("Programme (Markdown)").fill(
        "## Day 1\n\nObserving a Finnish class.\n\n## Day 2\n\nTeam teaching."
    )
    page.get_by_role("button", name="Save the programme").click()
    page.get_by_text("The programme is saved.").wait_for()
    audit(page)

    # The visit has taken place (the live server runs on the real clock: its dates move back).
    db.session.rollback()
    visit = db.session.get(VisitRequest, visit.id)
    visit.starts_on, visit.ends_on = (
        date.today() - timedelta(days=4),
        date.today() - timedelta(days=2),
    )
    visit.preferred_start, visit.preferred_end = visit.starts_on, visit.ends_on
    db.session.commit()
    page.goto(f"{server}{path}")
    audit(page)
    page.get_by_role("button", name="Record the visit").click()
    page.get_by_text("The visit is recorded.").wait_for()
    _shots(page, "8-recorded")

    page.context.clear_cookies()
    page.goto(visitor_page)
    page.get_by_role("heading", name="Programme").wait_for()
    page.get_by_text("The host recorded 3 days of your visit.").wait_for()
    page.get_by_label("5, excellent").check()
    page.get_by_label("What will you change at home after the visit?").fill("Team teaching.")
    _shots(page, "9-feedback")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    audit(page)

    db.session.rollback()
    visit = db.session.get(VisitRequest, visit.id)
    assert visit.state == VisitState.RECORDED and len(visit.days) == 3
    assert visit.feedback.overall == 5
