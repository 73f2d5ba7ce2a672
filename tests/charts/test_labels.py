"""Chart text reads as written (escaped once, for Plotly) and dates stay on a date axis."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from app.charts.figures import (
    ProgressRow,
    SeriesPoint,
    TimelineRow,
    indicator_chart,
    planned_actual_chart,
    progress_chart,
    status_chart,
    status_mix_chart,
    timeline_figure,
)
from app.indicators.progress import PROGRESS_LABELS

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
HOSTILE = "Tom & Jerry <b>bold</b> \"q\" 'a' – Zürich"
# The overview's label of a plan: its title and its year.
LONG = 'Staff capacity 2026–2027 & "quotes" (2026)'
# The entities plotly.js turns back into characters (svg_text_utils.js, entityToUnicode),
# and the numeric ones.
PLOTLY_ENTITIES = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0"}
PLOTLY_ENTITIES |= {"times": "×", "plusmn": "±", "deg": "°"}


def plotly_text(text: str) -> str:
    """Return what plotly.js shows for a label: tags read as markup, then entities decoded."""
    assert not re.search(r"<[a-zA-Z/]", text), f"Plotly would read a tag in {text!r}"

    def entity(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return PLOTLY_ENTITIES.get(name, match.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", entity, text)


def _row_labels(figure: dict) -> tuple[list[str], list[str]]:
    axis = figure["layout"]["yaxis"]
    return [plotly_text(t) for t in axis["ticktext"]], [plotly_text(v) for v in axis["tickvals"]]


def test_row_labels_and_hover_values_read_exactly_as_the_name_in_every_row_chart():
    shown = HOSTILE
    charts = {
        "progress": progress_chart([ProgressRow(HOSTILE, 10, 50, "off_track", "Off track")]),
        "mix": status_mix_chart("m", "Mix", [(HOSTILE, {"on_track": 1})], PROGRESS_LABELS),
    }
    for name, chart in charts.items():
        ticks, values = _row_labels(chart.figure)
        assert ticks == [shown] and values == [shown], name
        for trace in chart.figure["data"]:
            if trace["type"] == "bar" and len(trace["y"]):
                assert [plotly_text(y) for y in trace["y"]] == [shown], name
            if "hovertemplate" in trace:  # the whole name: "%{y}" shows the shortened tick
                assert "%{y}" not in trace["hovertemplate"], name
                assert [plotly_text(c) for c in trace["customdata"]] == [shown], name
    timeline = timeline_figure(
        [TimelineRow(HOSTILE, date(2026, 2, 1), date(2026, 2, 1), "planned")],
        period=PERIOD,
        status_labels={"planned": "Planned"},
    )
    bar = timeline["data"][0]
    assert [plotly_text(y) for y in bar["y"]] == [shown]
    assert plotly_text(bar["customdata"][0][2]) == shown  # the hover label
    budget = planned_actual_chart("b", "Budget", [(HOSTILE, 1, 1)], "€")
    assert [plotly_text(x) for x in budget.figure["data"][0]["x"]] == [shown]
    unit = indicator_chart(
        "I", [], baseline=None, target=None, unit="A & B <i>", period=PERIOD
    ).figure["layout"]["yaxis"]["title"]["text"]
    assert plotly_text(unit) == "A & B <i>"


def test_a_long_label_is_shortened_as_text_and_keeps_its_year():
    chart = status_mix_chart(
        "m",
        "Mix",
        [(LONG, {"on_track": 1}), ("Another plan with a long enough title here (2027)", {})],
        PROGRESS_LABELS,
    )
    ticks, values = _row_labels(chart.figure)
    assert values[0] == LONG  # hover labels keep the whole name
    assert "&amp;" not in ticks[0] and ticks[0].startswith("Staff capacity 2026–2027 & ")
    assert ticks[0].endswith("… (2026)") and len(ticks[0]) <= 40, ticks[0]
    assert ticks[1].endswith("… (2027)") and len(ticks[1]) <= 40, ticks[1]


def test_escaped_text_is_never_escaped_again():
    for chart in (
        progress_chart([ProgressRow("R&D", 10, 50, "off_track", "Off track")]),
        status_mix_chart("m", "Mix", [("R&D (2026)", {})], PROGRESS_LABELS),
        status_chart({}, {"planned": "R&D"}),
    ):
        assert "&amp;amp;" not in str(chart.figure) and "&amp;lt;" not in str(chart.figure)
        assert html.unescape(chart.figure["layout"]["yaxis"]["ticktext"][0]).startswith("R&D")


@pytest.mark.parametrize(
    "ends",
    [[], [date(2026, 9, 30)], [date(2026, 9, 30), date(2026, 9, 30)]],
    ids=["no value", "one value", "all on one day"],
)
def test_an_indicator_chart_with_one_day_of_values_spans_the_plan_in_days(ends):
    points = [SeriesPoint(f"Q{n}", end, 1, None) for n, end in enumerate(ends)]
    chart = indicator_chart(
        "Page published",
        points,
        baseline=None,
        target=None,
        unit="Yes/no",
        period=PERIOD,
        unit_key="yes-no",
    )
    start, end = chart.figure["layout"]["xaxis"]["range"]
    assert start <= "2026-01-01" and end >= "2026-12-31"
    # Days of the plan, not milliseconds around one instant.
    assert date.fromisoformat(end) - date.fromisoformat(start) >= PERIOD[1] - PERIOD[0]


def test_an_indicator_chart_reaches_values_outside_the_plan_period():
    points = [SeriesPoint("Q1 2027", date(2027, 3, 31), 5, None)]
    chart = indicator_chart("P", points, baseline=None, target=None, unit="Count", period=PERIOD)
    start, end = chart.figure["layout"]["xaxis"]["range"]
    assert start <= "2026-01-01" and end > "2027-03-31"


def test_person_days_read_with_one_decimal_in_the_table_and_the_hover():
    chart = planned_actual_chart("effort", "Person-days", [("2026", 22, 4)], "person-days")
    assert chart.table.formats == [None, "person-days", "person-days"]
    assert "%{y:,.1f} person-days" in chart.figure["data"][0]["hovertemplate"]
