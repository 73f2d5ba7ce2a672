"""The applicant's page on a phone with what people really type: a network's name of 100
characters without a space, a background of several lines. Nothing scrolls sideways."""

from __future__ import annotations

import pytest

from tests.applications.conftest import Call, make_call
from tests.browser.axe import audit
from tests.browser.conftest import screenshot
from tests.events.factories import make_application

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def call(make_institution) -> Call:
    """The event applied to: its window (January to February 2026) is long closed."""
    return make_call(make_institution)


def test_long_words_and_lines_stay_on_a_phones_screen(server, page, call):
    from app.applications.services import issue_link
    from app.core.extensions import db

    application = make_application(
        call.first,
        name="Åsa Öberg-Järvinen",
        background="Ten years of staff mobility.\nFive of them in Nordplus.",
        networks=["N" * 100, "Una Europa"],
    )
    link = issue_link(application.applicant)
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(link)
    page.get_by_role("heading", name="What you sent").wait_for()
    audit(page)
    screenshot(page, "applicant-long-words-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    background = page.locator("dd", has_text="Ten years of staff mobility.")
    assert background.inner_text() == "Ten years of staff mobility.\nFive of them in Nordplus."
