"""An international office manager browses, searches, opens and compares practices in Chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import audit
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_manager_filters_searches_opens_and_compares(live_server, journey):
    page = journey
    page.goto(f"{live_server}/practices")
    audit(page)
    assert page.locator("h1").inner_text() == "Practice catalogue"
    total = int(page.locator("#results-heading").inner_text().split()[0])
    screenshot(page, "catalogue")
    screenshot(page, "readme-catalogue", full_page=False)  # the README shows it

    # Filters apply as soon as they are ticked: support staff, then low setup cost.
    page.locator("#f-target_group-administrative-staff").check()
    page.wait_for_url(re.compile(r"target_group=administrative-staff"))
    audit(page)
    page.locator("#f-setup_cost-1").check()
    page.wait_for_url(re.compile(r"setup_cost=1"))
    audit(page)
    # Empty fields stay out of the shared address.
    assert "q=" not in page.url and "sort=" not in page.url
    assert page.locator("#f-setup_cost-1").is_checked()
    filtered = int(page.locator("#results-heading").inner_text().split()[0])
    assert 0 < filtered < total
    assert page.locator(".active-filters li").count() == 3  # two filters and "Clear all"

    # Choosing a sort applies it at once.
    page.locator("#sort").select_option("setup_cost")
    page.wait_for_url(re.compile(r"sort=setup_cost"))
    audit(page)

    # Search ranks the best match first and highlights the words.
    page.goto(f"{live_server}/practices")
    page.locator("#q").fill("job shadowing")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=job\+shadowing"))
    audit(page)
    first = page.locator(".practice-card h3 a").first
    assert "job shadowing" in first.inner_text().lower()
    assert page.locator(".practice-card mark").count() > 0
    screenshot(page, "search")

    # Open the best match.
    first.click()
    page.wait_for_url(re.compile(r"/practices/sending-staff-on-job-shadowing$"))
    audit(page)
    assert page.get_by_role("heading", name="Setting it up").is_visible()
    assert page.get_by_role("heading", name="Delivering it").is_visible()
    assert page.locator(".js-print").is_visible()  # the print button appears with JavaScript
    screenshot(page, "sheet")

    # Compare three sheets picked from the list.
    page.goto(f"{live_server}/practices?q=staff")
    audit(page)
    boxes = page.locator(".compare-pick input[type=checkbox]")
    for index in range(3):
        boxes.nth(index).check()
    page.get_by_role("button", name=re.compile("Compare selected")).click()
    page.wait_for_url(re.compile(r"/practices/compare\?"))
    audit(page)
    assert page.locator("h1").inner_text() == "Compare 3 practices"
    assert page.locator("table.compare > thead > tr > th").count() == 4
    screenshot(page, "compare")


def test_sheet_prints_without_navigation(live_server, journey):
    page = journey
    page.goto(f"{live_server}/practices/international-staff-training-days")
    audit(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator(".phase-setup").is_visible()
    assert page.locator(".phase-delivery").is_visible()
    screenshot(page, "sheet-print")


def test_catalogue_is_usable_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    compare = "hosting-a-study-visit,sending-staff-on-job-shadowing,supporting-scholars-at-risk"
    for path in [
        "/practices",
        "/practices/hosting-a-study-visit",
        f"/practices/compare?slugs={compare}",
    ]:
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
    page.goto(f"{live_server}/practices?target_group=administrative-staff")
    # Folded on a phone so that results come first, even with a filter on; one tap opens them.
    assert not page.locator("#f-category-networking").is_visible()
    assert page.locator(".active-filters").is_visible()
    page.locator(".filter-panel summary").click()
    assert page.locator("#f-category-networking").is_visible()
    screenshot(page, "catalogue-phone")
    context.close()


def test_pages_work_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/practices")
    page.locator("#q").fill("workshops")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=workshops"))
    assert page.locator(".practice-card").count() > 0
    context.close()


def test_manager_without_javascript_applies_filters_with_the_button(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/practices")
    page.locator("#f-target_group-administrative-staff").check()
    page.locator("#f-setup_cost-1").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"setup_cost=1"))
    assert "target_group=administrative-staff" in page.url
    assert page.locator(".practice-card").count() > 0
    context.close()


def test_compare_of_four_prints_within_a_portrait_page(live_server, browser):
    # 700 px is about the printable width of an A4 portrait page.
    context = browser.new_context(viewport={"width": 700, "height": 1000})
    page = context.new_page()
    slugs = (
        "hosting-a-study-visit,sending-staff-on-job-shadowing,"
        "supporting-scholars-at-risk,running-capacity-building-events-online"
    )
    page.goto(f"{live_server}/practices/compare?slugs={slugs}")
    page.emulate_media(media="print")
    right = page.evaluate("document.querySelector('table.compare').getBoundingClientRect().right")
    assert right <= 700
    context.close()


def test_comparing_one_sheet_keeps_the_tick_and_says_why_with_javascript(live_server, journey):
    page = journey
    page.goto(f"{live_server}/practices?q=staff")
    page.locator(".compare-pick input[type=checkbox]").first.check()
    url = page.url
    page.get_by_role("button", name=re.compile("Compare selected")).click()
    message = page.locator(".compare-message")
    message.wait_for(state="visible")
    assert "Tick two to four practices to compare; you ticked 1." in message.inner_text()
    assert page.url == url  # the page stayed, with its tick
    assert page.locator(".compare-pick input[type=checkbox]").first.is_checked()
    audit(page)


def test_comparing_one_sheet_keeps_the_tick_and_says_why_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/practices?q=staff")
    first = page.locator(".compare-pick input[type=checkbox]").first
    slug = first.get_attribute("value")
    first.check()
    page.get_by_role("button", name=re.compile("Compare selected")).click()
    page.wait_for_url(re.compile(r"/practices\?q=staff&ticked="))
    assert page.locator(".compare-message").is_visible()
    assert "you ticked 1." in page.locator(".compare-message").inner_text()
    assert page.locator(f"#cmp-{slug}").is_checked()
    # Ticking a second one now compares both.
    page.locator(".compare-pick input[type=checkbox]:not(:checked)").first.check()
    page.get_by_role("button", name=re.compile("Compare selected")).click()
    page.wait_for_url(re.compile(r"/practices/compare\?"))
    assert page.locator("h1").inner_text() == "Compare 2 practices"
    context.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 700), (390, 844)])
def test_compare_titles_stay_in_view_while_scrolling(live_server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    slugs = (
        "hosting-a-study-visit,sending-staff-on-job-shadowing,"
        "supporting-scholars-at-risk,running-capacity-building-events-online"
    )
    page.goto(f"{live_server}/practices/compare?slugs={slugs}")
    header = page.locator("table.compare > thead > tr > th").nth(1)
    # The reader scrolls past the page's heading to the table, then on through its rows.
    page.evaluate("window.scrollTo(0, document.querySelector('.compare-scroll').offsetTop)")
    page.mouse.move(width // 2, height // 2)
    for _ in range(5):
        page.mouse.wheel(0, 400)
    page.wait_for_timeout(300)
    scrolled = page.evaluate("document.querySelector('.compare-scroll').scrollTop")
    assert scrolled > 1000  # the rows moved up under the titles
    box = header.bounding_box()
    assert box is not None
    assert 0 <= box["y"] <= 2 and box["y"] + box["height"] < height / 2
    # A row from further down is in view, below the titles.
    row = page.locator("table.compare > tbody > tr", has_text="What to consider").bounding_box()
    assert row is not None and box["y"] + box["height"] <= row["y"] < height
    context.close()
