"""Plotly in Chromium: its styles served as files, and charts that read on a phone."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from tests.browser.conftest import sign_in
from tests.browser.plotly_css import injected_styles, vendored_styles

pytestmark = pytest.mark.browser


def test_vendored_plotly_styles_match_what_plotly_js_injects(browser):
    assert vendored_styles() == injected_styles(browser), (
        "plotly changed its styles: run python -m tests.browser.plotly_css"
    )


# Every text of a drawn chart with its box: tick labels by axis, bars, legend, axis titles.
BOXES = """
(chart) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, text: el.textContent}; };
  const all = (sel) => [...chart.querySelectorAll(sel)].map(box).filter((b) => b.w > 0);
  return {
    chart: box(chart),
    xticks: all('.xaxislayer-above .xtick text'),
    yticks: all('.yaxislayer-above .ytick text'),
    bars: all('.barlayer .point path'),
    legend: all('.legend .legendtext'),
    titles: all('.g-xtitle text, .g-ytitle text'),
  };
}
"""


def _overlap(a: dict, b: dict) -> bool:
    """Tell whether two boxes overlap by more than a pixel each way."""
    return (
        a["x"] + 1 < b["x"] + b["w"]
        and b["x"] + 1 < a["x"] + a["w"]
        and a["y"] + 1 < b["y"] + b["h"]
        and b["y"] + 1 < a["y"] + a["h"]
    )


def _check_chart(page, selector: str) -> dict:
    """Assert a chart reads at this width: axes labelled, inside it, nothing over anything."""
    page.locator(f"{selector} svg.main-svg").first.wait_for()
    boxes = page.locator(selector).evaluate(BOXES)
    chart = boxes["chart"]
    assert boxes["xticks"], f"{selector}: no x axis labels"
    assert boxes["yticks"], f"{selector}: no y axis labels"
    texts = boxes["xticks"] + boxes["yticks"] + boxes["legend"] + boxes["titles"]
    for text in texts:
        assert (
            chart["x"] - 1 <= text["x"] and text["x"] + text["w"] <= chart["x"] + chart["w"] + 1
        ), (
            selector,
            text,
        )
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not _overlap(a, b), (selector, a["text"], b["text"])
        for bar in boxes["bars"]:
            assert not _overlap(a, bar), (selector, "a label over a bar", a["text"])
    return boxes


# A plan's title with every character HTML and Plotly read specially, and non-ASCII.
TRICKY = "R&D <b>x</b> \"q\" 'a' Zürich"


def _no_sideways_scroll(page) -> None:
    """Assert the page fits its viewport's width: nothing makes it scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def _ticks(page, selector: str, axis: str = "y") -> list[str]:
    """Return the text of an axis's tick labels as drawn in the SVG."""
    return page.locator(f"{selector} .{axis}axislayer-above .{axis}tick text").all_text_contents()


@pytest.fixture
def charted(make_institution, make_user):
    """A plan with long names, money, people and indicators, and a second plan for the overview."""
    from app.core.extensions import db
    from app.indicators.models import Indicator, Measurement
    from app.planner.models import Activity
    from app.planner.services import create_plan

    institution = make_institution("uni-a", name="University A")
    make_user("manager@example.org", institution=institution, role="manager")
    plans = []
    for year, title in ((2026, "Staff growth and international partnerships"), (2027, TRICKY)):
        plan = create_plan(
            institution,
            title=title,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
        )
        statuses = ("done", "in_progress", "planned", "idea", "cancelled")
        for n, status in enumerate(statuses):
            db.session.add(
                Activity(
                    plan=plan,
                    title=f"Staff week for international coordinators {n}",
                    status=status,
                    budget_planned=Decimal(25000 + n),
                    budget_actual=Decimal(12000 + n),
                    effort_planned=Decimal(40),
                    effort_actual=Decimal(20),
                    start_date=date(year, 2 + 2 * n, 1),
                    recurrence="FREQ=MONTHLY;INTERVAL=6" if n == 0 else None,
                )
            )
        for n, name in enumerate(
            (
                "Partner institutions represented at the staff week in Helsinki",
                "Satisfaction of participants",
                "Page published",
            )
        ):
            indicator = Indicator(
                plan=plan,
                name=name,
                unit=("count", "score", "yes-no")[n],
                scale_max=5 if n == 1 else None,
                aggregation=("sum", "average", "latest")[n],
                frequency="quarterly",
                baseline_value=0,
                target_value=(40, 4.5, 1)[n],
            )
            db.session.add(indicator)
            if year == 2026:
                for quarter, value in ((1, (12, 4.2, 1)[n]), (2, (9, 3.9, 1)[n])):
                    start = date(2026, 3 * quarter - 2, 1)
                    db.session.add(
                        Measurement(
                            indicator=indicator,
                            period_key=f"2026-Q{quarter}",
                            period_start=start,
                            period_end=date(2026, 3 * quarter, 28),
                            value=value,
                        )
                    )
        if year == 2026:
            # A single value, no baseline or target: its chart has one point to draw.
            single = Indicator(
                plan=plan,
                name="Website live",
                unit="yes-no",
                aggregation="latest",
                frequency="quarterly",
            )
            db.session.add(single)
            db.session.add(
                Measurement(
                    indicator=single,
                    period_key="2026-Q3",
                    period_start=date(2026, 7, 1),
                    period_end=date(2026, 9, 30),
                    value=1,
                )
            )
        plans.append(plan)
    db.session.commit()
    return plans[0].id, [i.id for i in plans[0].indicators] if hasattr(
        plans[0], "indicators"
    ) else []


def _drawn(page, names, path: str) -> None:
    """Wait for the charts, then keep a screenshot of the page to look at."""
    for name in names:
        page.locator(f"#{name}-chart svg.main-svg").first.wait_for()
    page.screenshot(path=path, full_page=True)
    for name in names:  # each chart at full size too
        page.locator(f"#{name}-chart").screenshot(path=path.replace(".png", f"-{name}.png"))


DASHBOARD = ("progress", "budget", "effort", "activities")


@pytest.mark.parametrize("width", [390, 1280])
def test_charts_keep_their_axes_and_labels_clear_at_phone_and_desktop_width(
    live_server, page, charted, width
):
    plan_id, _ = charted
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, live_server, "manager@example.org")
    for path in ("dashboard", "report"):
        page.goto(f"{live_server}/plans/{plan_id}/{path}")
        _drawn(page, DASHBOARD, f"/tmp/i-{path}-{width}.png")
        for name in DASHBOARD:
            _check_chart(page, f"#{name}-chart")
        _no_sideways_scroll(page)
    page.goto(f"{live_server}/plans/{plan_id}")
    _drawn(page, ["timeline"], f"/tmp/i-plan-{width}.png")
    _check_chart(page, "#timeline-chart")
    _no_sideways_scroll(page)
    page.goto(f"{live_server}/institutions/uni-a/overview")
    names = ("budget-by-year", "effort-by-year", "indicators-by-plan")
    _drawn(page, names, f"/tmp/i-overview-{width}.png")
    for name in names:
        _check_chart(page, f"#{name}-chart")
    _no_sideways_scroll(page)
    page.goto(f"{live_server}/plans/{plan_id}/indicators")
    for link in ("Partner institutions represented", "Page published", "Website live"):
        page.get_by_role("link", name=link).first.click()
        _drawn(page, ["values"], f"/tmp/i-indicator-{link.split()[0]}-{width}.png")
        _check_chart(page, "#values-chart")
        _no_sideways_scroll(page)
        page.go_back()


SVG_WIDTH = (
    "(name) => document.querySelector(`#${name}-chart svg.main-svg`).getBoundingClientRect().width"
)


def _until(check, seconds: float = 5) -> None:
    """Wait until a check holds (wait_for_function evaluates a string, which the CSP refuses)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_report_fits_a_phone_on_screen_and_draws_its_charts_for_paper_in_print(
    live_server, page, charted
):
    plan_id, _ = charted
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/plans/{plan_id}/report")
    _drawn(page, DASHBOARD, "/tmp/i-report-screen-390.png")
    column = page.locator("main").evaluate("(main) => main.clientWidth")
    for name in DASHBOARD:
        assert page.evaluate(SVG_WIDTH, name) <= column, name
    # Printed, each chart is drawn at the width of the paper's text (on A4, 18.6 cm: 703 px)
    # whatever the screen's, and back to the screen's after.
    page.emulate_media(media="print")
    for name in DASHBOARD:
        _until(lambda name=name: page.evaluate(SVG_WIDTH, name) == 640)
    page.set_viewport_size({"width": 703, "height": 844})
    for name in DASHBOARD:
        assert page.evaluate(SVG_WIDTH, name) == 640
        _check_chart(page, f"#{name}-chart")
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(media="screen")
    for name in DASHBOARD:
        _until(lambda name=name: page.evaluate(SVG_WIDTH, name) <= column)
    _no_sideways_scroll(page)


@pytest.mark.parametrize("width", [390, 1280])
def test_chart_labels_show_names_as_written_and_keep_the_plans_year(
    live_server, page, charted, width
):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/institutions/uni-a/overview")
    _drawn(page, ["indicators-by-plan"], f"/tmp/i-labels-{width}.png")
    ticks = _ticks(page, "#indicators-by-plan-chart")
    assert not any("&amp;" in t or "&lt;" in t or "&quot;" in t for t in ticks), ticks
    tricky = f"{TRICKY} (2027)"
    if width >= 600:  # room for the whole name
        assert tricky in ticks, ticks
    else:
        assert any(t.startswith(tricky[:6]) and t.endswith("… (2027)") for t in ticks), ticks
    # Shortened, the other plan keeps its year too.
    assert any(t.startswith("Staff") and t.endswith("… (2026)") for t in ticks), ticks
    # The hover labels of the bars name the plans in full.
    hovers = []
    bars = page.locator("#indicators-by-plan-chart .barlayer .point path")
    for n in range(bars.count()):
        bars.nth(n).scroll_into_view_if_needed()
        box = bars.nth(n).bounding_box()
        if box["width"] < 1:  # a status no indicator of the plan has
            continue
        # To the bar's middle: Plotly's drag layer above the bars takes the mouse.
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator("#indicators-by-plan-chart .hoverlayer text").first.wait_for()
        hovers.append(page.locator("#indicators-by-plan-chart .hoverlayer").text_content())
    assert any(tricky in h for h in hovers) and not any("&amp;" in h for h in hovers), hovers


def test_a_chart_of_a_single_value_has_a_date_axis_over_the_plan(live_server, page, charted):
    plan_id, _ = charted
    sign_in(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/plans/{plan_id}/indicators")
    page.get_by_role("link", name="Website live").first.click()
    _drawn(page, ["values"], "/tmp/i-indicator-single-1280.png")
    ticks = _ticks(page, "#values-chart", "x")
    # Months of the plan's year, not the milliseconds around one instant.
    assert ticks and not any(":" in t for t in ticks), ticks
    assert any("2026" in t for t in ticks) and len(ticks) >= 3, ticks
