"""An applicant applies on a phone (390 px wide): asks for the link, opens it, chooses a track
and sees its questions (no JavaScript needed), sends, changes, withdraws; after the close the
page shows the application read-only; after the event it offers to delete the data.
Screenshots of each page at 390 and 1280 px, each page checked by axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.applications.conftest import Call, make_call
from tests.browser.axe import audit
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def call(make_institution) -> Call:
    """The event applied to: two tracks, the first with a question of every kind."""
    return make_call(make_institution)


def _shots(page, name: str) -> None:
    """Audit the page, then photograph it at phone and desktop widths."""
    audit(page)
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        screenshot(page, f"applying-{name}-{label}")
    page.set_viewport_size(PHONE)


def _no_overflow(page) -> None:
    """Nothing is wider than the phone's screen (no sideways scrolling)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_applicant_applies_on_a_phone(server, journey, call):
    from app.applications.models import Application, ApplicationStatus
    from app.core.extensions import db, utcnow
    from app.mail.models import OutboxMessage

    page = journey
    event = call.event
    # The live server runs on the real clock: open the window around it.
    event.opens_at = utcnow() - timedelta(days=1)
    event.closes_at = utcnow() + timedelta(days=1)
    event.starts_on = date.today() + timedelta(days=60)
    event.ends_on = date.today() + timedelta(days=62)
    db.session.commit()
    page.set_viewport_size(PHONE)

    page.goto(f"{server}/events/{event.id}/apply")
    _no_overflow(page)
    _shots(page, "1-ask")
    page.get_by_label("Email").fill("aino@uni.example")
    page.get_by_role("button", name="Email me the link").click()
    page.get_by_text("A link is on its way to aino@uni.example").wait_for()
    _shots(page, "2-asked")

    db.session.rollback()
    body = db.session.scalar(select(OutboxMessage.body))
    link = re.search(r"http://127\.0\.0\.1:\d+/applications/\S+", body).group(0)
    page.goto(link)
    _no_overflow(page)
    _shots(page, "3-form")

    page.get_by_label("Your name").fill("Aino Applicant")
    page.get_by_label("Current role").fill("Mobility coordinator")
    page.get_by_label("Institution", exact=True).fill("University of Elsewhere")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_label("Professional background").fill("Ten years in an international office.")
    page.get_by_label("Track", exact=True).select_option(label="Global mobility networks")
    page.get_by_role("button", name="Show this track’s questions").click()
    page.get_by_label("Your mobility role in one line").wait_for()
    _no_overflow(page)
    _shots(page, "4-questions")

    page.get_by_label("Your mobility role in one line").fill("Incoming staff")
    page.get_by_label("What will you share?").fill("Our welcome week.")
    page.get_by_label("UNICA").check()
    page.get_by_label("Inclusion").check()
    page.get_by_label("No", exact=True).check()
    # Consent forgotten: the problem is listed and the typed answers stay.
    page.get_by_role("button", name="Send the application").click()
    page.get_by_text("Please correct these problems:").wait_for()
    assert page.get_by_label("Your mobility role in one line").input_value() == "Incoming staff"
    _shots(page, "5-problem")
    page.problems.messages.clear()  # the 400 of the refused form, on purpose

    page.get_by_label("I agree that my data is used").check()
    page.get_by_role("button", name="Send the application").click()
    page.get_by_text("Your application is sent.").wait_for()
    assert page.get_by_role("button", name="Delete my data").count() == 0  # not before the end
    _no_overflow(page)
    _shots(page, "6-sent")
    db.session.rollback()
    application = db.session.scalar(select(Application))
    assert application.name == "Aino Applicant" and application.country == "DE"

    page.get_by_role("button", name="Withdraw my application").click()
    page.get_by_role("heading", name="Withdraw your application?").wait_for()
    _shots(page, "7-withdraw")
    page.get_by_role("button", name="Withdraw my application").click()
    page.get_by_text("Your application is withdrawn. An email confirms it.").wait_for()
    db.session.rollback()
    assert db.session.scalar(select(Application.status)) == ApplicationStatus.WITHDRAWN
    page.get_by_role("button", name="Send the application").click()
    page.get_by_text("Your application is changed.").wait_for()

    # The window closes: the application read-only, no decision shown.
    db.session.rollback()  # a fresh transaction: SQLite's old snapshot could not write
    event = db.session.get(type(event), event.id)
    event.opens_at = utcnow() - timedelta(days=3)
    event.closes_at = utcnow() - timedelta(days=2)
    db.session.commit()
    page.reload()
    page.get_by_role("heading", name="What you sent").wait_for()
    assert page.get_by_role("button", name="Send the application").count() == 0
    _no_overflow(page)
    _shots(page, "8-closed")

    # After the event: the data may be deleted.
    db.session.rollback()
    event = db.session.get(type(event), event.id)
    event.starts_on = date.today() - timedelta(days=2)
    event.ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    page.reload()
    page.get_by_role("button", name="Delete my data").click()
    page.get_by_role("heading", name="Delete your data?").wait_for()
    _shots(page, "9-erase")
    page.get_by_role("button", name="Delete my data").click()
    page.get_by_text("Your request is recorded.").wait_for()
    _shots(page, "10-erase-asked")
