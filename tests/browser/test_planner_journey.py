"""A planner finds a practice, adopts it, sets dates and budget, and sees it on the plan."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

from tests.browser.axe import audit
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_planner_adopts_a_practice_and_sees_it_on_the_timeline(
    live_server, journey, make_user, make_institution
):
    page = journey
    from app.core.extensions import db
    from app.institutions.models import StrategicPartnership, Unit

    institution = make_institution("uni-a", name="University A")
    institution.partnerships.append(StrategicPartnership(partner_name="Stockholm University"))
    institution.units.append(Unit(name="Welcome Centre", kind="international-office"))
    db.session.commit()
    make_user("planner@example.org", institution=institution, role="planner")
    sign_in(page, live_server, "planner@example.org")

    page.goto(f"{live_server}/institutions/uni-a/plans/new")
    audit(page)
    page.get_by_label("Title").fill("Support staff growth 2027")
    page.get_by_label("From", exact=True).fill("2027-01-01")
    page.get_by_label("To", exact=True).fill("2027-12-31")
    page.get_by_role("button", name="Create the plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    audit(page)

    page.goto(f"{live_server}/practices")
    audit(page)
    page.locator("#q").fill("job shadowing")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=job\+shadowing"))
    audit(page)
    page.locator(".practice-card h3 a").first.click()
    page.wait_for_url(re.compile(r"/practices/sending-staff-on-job-shadowing$"))
    audit(page)
    page.locator(".adopt-form input[value=delivery]").uncheck()
    page.get_by_role("button", name="Adopt this practice").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert "Set up: Sending staff on job shadowing" in page.locator("main").inner_text()

    # A second practice straight from the search results, both phases.
    page.goto(f"{live_server}/practices?q=study+visit")
    audit(page)
    page.get_by_label("Adopt into the plan").select_option(
        label="Support staff growth 2027 (University A)"
    )
    screenshot(page, "adopt-from-results")
    page.locator(".practice-card").first.get_by_role("button", name=re.compile("^Adopt")).click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert page.locator("li.activity").count() == 3

    page.get_by_role("link", name=re.compile(r"^Edit Set up: Sending staff")).click()
    page.wait_for_url(re.compile(r"/activities/\d+/edit$"))
    audit(page)
    page.get_by_label("Starts").fill("2027-03-01")
    page.get_by_label("Ends").fill("2027-03-05")
    page.get_by_label("Repeats").select_option(label="Twice a year")
    page.get_by_label("Budget planned (€)").fill("2400")
    page.get_by_label("Person-days planned").fill("6")
    page.get_by_label("Status").select_option("planned")
    page.get_by_label("Stockholm University").check()
    page.get_by_label("Welcome Centre").check()
    page.get_by_label("Host", exact=True).select_option("Stockholm University")
    screenshot(page, "activity-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))

    timeline = page.locator("section[aria-labelledby=timeline-heading] tbody").inner_text()
    assert "1 Mar 2027" in timeline and "1 Sept 2027" in timeline
    # The Plotly chart drew one bar per occurrence, under the CSP (the page fixture fails
    # on any console error or CSP violation).
    chart = page.locator("#timeline-chart")
    chart.locator("svg.main-svg").first.wait_for()
    assert chart.locator(".barlayer .point").count() == 2
    assert "Set up: Sending staff on job shadowing" in chart.locator(".ytick").first.text_content()
    totals = page.locator("table.totals").inner_text()
    assert "€2,400.00" in totals and "6.0" in totals
    listed = page.locator("li.activity").filter(has_text="Set up: Sending staff").inner_text()
    assert "repeats every 6 months" in listed and "Welcome Centre" in listed
    assert "€2,400.00 planned" in listed
    audit(page)
    screenshot(page, "plan")
    page.locator("#timeline-heading").scroll_into_view_if_needed()
    screenshot(page, "readme-plan", full_page=False)  # the README shows it

    # Import two more activities from a CSV file.
    page.get_by_role("link", name="Import activities").click()
    page.wait_for_url(re.compile(r"/import$"))
    page.get_by_label(re.compile("^File")).set_input_files(
        files=[
            {
                "name": "activities.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "title,start_date,budget_planned\n"
                    "Welcome-week rehearsal,2027-08-20,300\nStaff café,2027-10-05,150\n"
                ).encode(),
            }
        ]
    )
    audit(page)
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert "2 activities imported." in page.locator("main").inner_text()
    assert "€2,850.00" in page.locator("table.totals").inner_text()
    audit(page)  # the plan again, with the import's message

    # Export the plan to XLSX and read it back.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as XLSX").click()
    saved = ARTIFACTS / "plan.xlsx"
    download.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    titles = [row[rows[0].index("Title")] for row in rows[1:]]
    assert "Welcome-week rehearsal" in titles and len(titles) >= 4
    assert download.value.suggested_filename == "support-staff-growth-2027.xlsx"
    repeats = {row[rows[0].index("Repeats")] for row in rows[1:]}
    assert "every 6 months" in repeats

    # On a phone: the plan reads without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    audit(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "plan-phone")

    # Subscribe to the calendar: the feed's address answers with the occurrences.
    feed = page.locator("code").filter(has_text=".ics").inner_text()
    response = page.request.get(feed)
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert {str(e.decoded("dtstart")) for e in events} >= {"2027-03-01", "2027-09-01", "2027-08-20"}


def test_activity_titles_reach_the_chart_as_text(live_server, page, make_user, make_institution):
    from datetime import date

    from app.core.extensions import db
    from app.planner.models import Activity
    from app.planner.services import create_plan
    from tests.practices.test_curation import XSS

    institution = make_institution("uni-a", name="University A")
    make_user("viewer@example.org", institution=institution, role="viewer")
    plan = create_plan(
        institution, title=XSS[0], period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    for n, payload in enumerate(XSS):
        db.session.add(
            Activity(plan=plan, title=payload[:200], start_date=date(2027, 1 + n % 12, 1))
        )
    db.session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("viewer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/plans/{plan.id}")
    chart = page.locator("#timeline-chart")
    chart.locator("svg.main-svg").first.wait_for()
    assert chart.locator(".barlayer .point").count() == len(XSS)
    assert dialogs == []
    assert chart.locator("a, script, iframe, img").count() == 0
    labels = chart.locator(".ytick").all_text_contents()
    assert any("<" in label for label in labels)  # shown as typed, not interpreted


def test_the_timeline_leaves_its_bars_room_on_a_phone(
    live_server, browser, make_user, make_institution
):
    from datetime import date

    from app.core.extensions import db
    from app.planner.models import Activity
    from app.planner.services import create_plan

    institution = make_institution("uni-a", name="University A")
    make_user("viewer@example.org", institution=institution, role="viewer")
    plan = create_plan(
        institution,
        title="Phone plan",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    db.session.add_all(
        [
            Activity(
                plan=plan,
                title="Deliver: Inter-institutional trainings and workshops for support staff",
                start_date=date(2027, 3, 1),
                end_date=date(2027, 3, 5),
                recurrence="FREQ=MONTHLY;INTERVAL=6",
            ),
            Activity(plan=plan, title="Welcome week", start_date=date(2027, 8, 20)),
        ]
    )
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("viewer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/plans/{plan.id}")
    chart = page.locator("#timeline-chart")
    chart.locator("svg.main-svg").first.wait_for()
    plot = chart.locator(".nsewdrag").first.bounding_box()
    # The bars get most of the width; the row labels, shortened, stand beside them, not on them.
    assert plot["width"] > 200, plot
    for label in chart.locator(".yaxislayer-above .ytick text").all():
        box = label.bounding_box()
        assert box["x"] + box["width"] <= plot["x"] + 1, label.text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    chart.scroll_into_view_if_needed()
    screenshot(page, "plan-timeline-phone")
    chart.screenshot(path=str(ARTIFACTS / "plan-timeline-phone-chart.png"))
    context.close()
    assert errors == []
