"""An event organiser creates the Helsinki event, adds a track with a question, publishes
the call, and reads it as the public does, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from tests.browser.axe import audit
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_organiser_creates_tracks_and_publishes_the_call(
    live_server, journey, make_user, make_institution
):
    from tests.events.factories import DURING

    institution = make_institution("uni-a", name="University A")
    make_user("organiser@example.org", institution=institution, role="event_organiser")
    page = journey
    with freeze_time(DURING, tick=True):
        sign_in(page, live_server, "organiser@example.org")
        page.goto(f"{live_server}/institutions/uni-a/events")
        audit(page)
        page.get_by_role("link", name="New event").click()
        page.wait_for_url(re.compile(r"/events/new$"))
        audit(page)
        page.get_by_label("Title", exact=True).fill("International Staff Training Days 2026")
        page.get_by_label("First day").fill("2026-05-06")
        page.get_by_label("Last day").fill("2026-05-08")
        page.get_by_label("Place", exact=True).fill("Helsinki")
        page.get_by_label("Working languages").fill("en, fi")
        page.get_by_label("Description (Markdown)").fill("Three days of **workshops**.")
        page.get_by_label("Applications open", exact=True).fill("2026-01-14T00:00")
        page.get_by_label("Applications close", exact=True).fill("2026-02-14T00:00")
        screenshot(page, "events-01-new-event-1280")
        page.get_by_role("button", name="Save the event").click()
        page.wait_for_url(re.compile(r"/institutions/uni-a/events/\d+$"))
        audit(page)
        screenshot(page, "events-02-overview-draft-1280")
        page.get_by_role("link", name="Tracks and questions").first.click()
        page.wait_for_url(re.compile(r"/tracks$"))
        page.get_by_label("Title", exact=True).fill("Global mobility networks")
        page.get_by_label("Topics (one per line)").fill("Nordplus and other networks\nFunding")
        page.get_by_label("Places").fill("15")
        page.get_by_role("button", name="Save the track").click()
        page.wait_for_url(re.compile(r"/tracks$"))
        audit(page)
        page.get_by_role("link", name=re.compile("^Questions")).click()
        page.wait_for_url(re.compile(r"/questions$"))
        page.get_by_label("Kind of answer").select_option("one_choice")
        page.get_by_label("Question", exact=True).fill("What do you mainly teach?")
        page.get_by_label("Choices (one per line, for questions with choices)").fill("Languages")
        page.get_by_role("button", name="Save the question").click()
        page.get_by_text("Give at least 2 choices").wait_for()
        # The refused form answers 400, which Chromium logs; nothing else may be logged.
        refused = "the server responded with a status of 400 (BAD REQUEST)"
        assert all(refused in m for m in page.problems.messages), page.problems.messages
        page.problems.messages.clear()
        audit(page)
        screenshot(page, "events-03-question-problem-1280")
        page.get_by_label("Choices (one per line, for questions with choices)").fill(
            "Languages\nCommunication"
        )
        page.get_by_role("button", name="Save the question").click()
        page.get_by_text("The question is added.").wait_for()
        audit(page)
        page.get_by_role("link", name="Overview").click()
        page.get_by_role("button", name="Publish the call").click()
        page.get_by_text("The call is published.").wait_for()
        audit(page)
        screenshot(page, "events-04-overview-published-1280")
        page.get_by_role("link", name="The public call").click()
        page.get_by_text("Applications are open until 13 February 2026, 24:00").wait_for()
        audit(page)
        screenshot(page, "events-05-call-1280")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        audit(page)
        screenshot(page, "events-06-call-390")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the call is {width} px wide on a phone"
        page.goto(f"{live_server}/events")
        audit(page)
        screenshot(page, "events-07-index-390")
        page.get_by_role("link", name="International Staff Training Days 2026").click()
        page.get_by_role("link", name="The event's overview (organisers)").click()
        page.get_by_role("link", name="Edit", exact=True).click()
        audit(page)
        screenshot(page, "events-08-edit-390")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
