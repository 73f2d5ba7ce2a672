"""Plotly in Chromium: its styles served as files, and charts that read on a phone."""

from __future__ import annotations

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
    for year, title in ((2026, "Staff growth and international partnerships"), (2027, "Next")):
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


@pytest.mark.parametrize("width", [390, 1280])
def test_charts_keep_their_axes_and_labels_clear_at_phone_and_desktop_width(
    live_server, page, charted, width
):
    plan_id, _ = charted
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/plans/{plan_id}/dashboard")
    names = ("progress", "budget", "effort", "activities")
    _drawn(page, names, f"/tmp/i-dashboard-{width}.png")
    for name in names:
        _check_chart(page, f"#{name}-chart")
    page.goto(f"{live_server}/plans/{plan_id}")
    _drawn(page, ["timeline"], f"/tmp/i-plan-{width}.png")
    _check_chart(page, "#timeline-chart")
    page.goto(f"{live_server}/institutions/uni-a/overview")
    names = ("budget-by-year", "effort-by-year", "indicators-by-plan")
    _drawn(page, names, f"/tmp/i-overview-{width}.png")
    for name in names:
        _check_chart(page, f"#{name}-chart")
    page.goto(f"{live_server}/plans/{plan_id}/indicators")
    for link in ("Partner institutions represented", "Page published"):
        page.get_by_role("link", name=link).first.click()
        _drawn(page, ["values"], f"/tmp/i-indicator-{link.split()[0]}-{width}.png")
        _check_chart(page, "#values-chart")
        page.go_back()
