"""Chart builders are pure functions of their rows; Plotly's script is served by the app."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from app.charts.assets import plotly_js, plotly_styles, plotly_version
from app.charts.figures import (
    PROGRESS_COLOURS,
    STATUS_COLOURS,
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

PERIOD = (date(2027, 1, 1), date(2027, 12, 31))
DAY_MS = 86_400_000


def build(rows: list[TimelineRow]) -> dict:
    return timeline_figure(rows, period=PERIOD, status_labels={"planned": "Planned"})


def test_timeline_has_one_trace_per_status_present_in_life_order():
    figure = build(
        [
            TimelineRow("B", date(2027, 2, 1), date(2027, 2, 1), "done"),
            TimelineRow("A", date(2027, 1, 5), date(2027, 1, 7), "planned"),
        ]
    )
    assert [trace["name"] for trace in figure["data"]] == ["Planned", "done"]
    assert figure["data"][0]["marker"]["color"] == STATUS_COLOURS["planned"]


def test_timeline_bars_span_whole_days_from_start_to_end():
    figure = build(
        [
            TimelineRow("A", date(2027, 1, 5), date(2027, 1, 7), "planned"),
            TimelineRow("A", date(2027, 7, 5), date(2027, 7, 5), "planned"),
        ]
    )
    bars = figure["data"][0]
    assert list(bars["base"]) == ["2027-01-05", "2027-07-05"]
    assert list(bars["x"]) == [3 * DAY_MS, 1 * DAY_MS]
    assert bars["orientation"] == "h"


def test_timeline_keeps_row_order_top_to_bottom_and_shows_the_whole_period():
    figure = build(
        [
            TimelineRow("Second", date(2027, 3, 1), date(2027, 3, 1), "idea"),
            TimelineRow("First", date(2027, 1, 1), date(2027, 1, 1), "planned"),
            TimelineRow("Second", date(2027, 9, 1), date(2027, 9, 1), "idea"),
        ]
    )
    layout = figure["layout"]
    assert list(layout["yaxis"]["categoryarray"]) == ["Second", "First"]
    assert layout["yaxis"]["autorange"] == "reversed"
    assert list(layout["xaxis"]["range"]) == ["2027-01-01", "2028-01-01"]


def test_timeline_labels_cannot_carry_plotly_markup():
    figure = build([TimelineRow('<a href="javascript:x">go</a>', PERIOD[0], PERIOD[0], "idea")])
    label = figure["data"][0]["y"][0]
    assert "<a" not in label and label.startswith("&lt;a")


def test_timeline_grows_with_its_rows_and_has_no_mode_bar():
    one = build([TimelineRow("A", PERIOD[0], PERIOD[0], "idea")])
    rows = [TimelineRow(str(n), PERIOD[0], PERIOD[0], "idea") for n in range(10)]
    assert build(rows)["layout"]["height"] > one["layout"]["height"]
    assert one["config"]["displayModeBar"] is False


def test_empty_timeline_is_still_a_valid_figure():
    figure = build([])
    assert figure["data"] == [] and figure["layout"]["height"] > 0


def test_plotly_script_is_the_packaged_one_and_gzips_back_to_it():
    plain, packed = plotly_js()
    assert plain.startswith(b"/**") and b"plotly.js v" in plain[:200]
    assert gzip.decompress(packed) == plain


def test_plotly_stylesheets_are_vendored():
    assert "plotly.js-style-global" in plotly_styles()


@pytest.mark.parametrize("encoding", ["gzip", ""])
def test_plotly_script_is_served_cached_for_a_year(client, encoding):
    response = client.get(
        f"/charts/plotly-{plotly_version()}.min.js", headers={"Accept-Encoding": encoding}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "immutable" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.headers["Vary"]
    body = gzip.decompress(response.data) if encoding else response.data
    assert body == plotly_js()[0]
    assert (response.headers.get("Content-Encoding") == "gzip") == bool(encoding)


def test_plotly_script_answers_not_modified_to_a_known_etag(client):
    url = f"/charts/plotly-{plotly_version()}.min.js"
    etag = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_plotly_script_of_another_version_is_not_found(client):
    assert client.get("/charts/plotly-0.0.1.min.js").status_code == 404


def test_long_labels_are_shortened_but_stay_distinct():
    long_a = "Inter-institutional trainings and workshops for support staff, spring"
    long_b = "Inter-institutional trainings and workshops for support staff, autumn"
    figure = build(
        [
            TimelineRow(long_a, PERIOD[0], PERIOD[0], "idea"),
            TimelineRow(long_b, PERIOD[0], PERIOD[0], "idea"),
        ]
    )
    shown = list(figure["layout"]["yaxis"]["categoryarray"])
    assert len(set(shown)) == 2 and all(len(label) <= 45 for label in shown)
    assert shown[0].endswith("…")
    # The hover still names the whole activity.
    assert [row[2] for row in figure["data"][0]["customdata"]] == [long_a, long_b]


# Dashboard and indicator charts: pure functions of their rows, each with its table.


def test_indicator_chart_draws_values_baseline_and_target():
    points = [
        SeriesPoint("Q1 2027", date(2027, 3, 31), 5, 10),
        SeriesPoint("Q2 2027", date(2027, 6, 30), None, 10),
    ]
    chart = indicator_chart(
        "Participants", points, baseline=2, target=40, unit="Count", period=PERIOD
    )
    traces = {t["name"]: t for t in chart.figure["data"]}
    assert list(traces["Value"]["x"]) == ["2027-03-31"] and list(traces["Value"]["y"]) == [5.0]
    assert list(traces["Period target"]["y"]) == [10.0, 10.0]
    assert list(traces["Baseline"]["y"]) == [2.0, 2.0]
    assert list(traces["Target"]["x"]) == ["2027-01-01", "2027-12-31"]  # across the plan
    assert chart.table.rows == [
        ["Q1 2027", date(2027, 3, 31), 5.0, 10.0],
        ["Q2 2027", date(2027, 6, 30), None, 10.0],
    ]
    assert chart.table.formats == [None, "day", "count", "count"]


def test_indicator_chart_without_baseline_or_target_has_only_values():
    chart = indicator_chart(
        "X",
        [SeriesPoint("2027", date(2027, 12, 31), 1, None)],
        baseline=None,
        target=None,
        unit="Count",
        period=PERIOD,
    )
    assert [t["name"] for t in chart.figure["data"]] == ["Value"]


def test_progress_chart_colours_bars_by_status_and_marks_the_expected_point():
    rows = [
        ProgressRow("A", 95, 50, "on_track", "On track"),
        ProgressRow("B", 10, 50, "off_track", "Off track"),
        ProgressRow("C", None, 50, "no_data", "No values yet"),
    ]
    chart = progress_chart(rows)
    bars = {t["name"]: t for t in chart.figure["data"] if t["type"] == "bar"}
    assert bars["On track"]["marker"]["color"] == PROGRESS_COLOURS["on_track"]
    assert list(bars["Off track"]["y"]) == ["B"] and list(bars["Off track"]["x"]) == [10.0]
    assert list(bars["No values yet"]["x"]) == [0]
    expected = next(t for t in chart.figure["data"] if t["type"] == "scatter")
    assert list(expected["x"]) == [50.0, 50.0, 50.0]
    assert chart.table.rows[2] == ["C", None, 50.0, "No values yet"]


def test_planned_actual_chart_pairs_the_bars():
    chart = planned_actual_chart("budget", "Budget", [("2027", 100, 80), ("2028", 50, None)], "€")
    planned, actual = chart.figure["data"]
    assert list(planned["y"]) == [100.0, 50.0] and list(actual["y"]) == [80.0, 0]
    assert chart.figure["layout"]["barmode"] == "group"
    assert chart.table.columns == ["", "Planned (€)", "Actual (€)"]


def test_status_chart_lists_every_status_in_life_order():
    labels = {
        "idea": "Idea",
        "planned": "Planned",
        "in_progress": "In progress",
        "done": "Done",
        "cancelled": "Cancelled",
    }
    chart = status_chart({"done": 3}, labels)
    bar = chart.figure["data"][0]
    # Horizontal, so that the statuses read level on a phone.
    assert bar["orientation"] == "h"
    assert list(bar["y"]) == ["Idea", "Planned", "In progress", "Done", "Cancelled"]
    assert list(bar["x"]) == [0, 0, 0, 3, 0]


def test_status_mix_chart_stacks_each_plans_statuses():
    labels = PROGRESS_LABELS
    chart = status_mix_chart(
        "mix", "Mix", [("Plan 2027", {"on_track": 2, "at_risk": 1}), ("Plan 2028", {})], labels
    )
    on_track = next(t for t in chart.figure["data"] if t["name"] == "On track")
    assert list(on_track["x"]) == [2, 0]
    assert chart.figure["layout"]["barmode"] == "stack"
    assert chart.table.rows[0] == ["Plan 2027", 2, 1, 0, 0, 0, 0]


def test_a_sum_indicator_also_draws_its_running_total():
    points = [
        SeriesPoint("Q1", date(2027, 3, 31), 10, None),
        SeriesPoint("Q2", date(2027, 6, 30), 15, None),
    ]
    chart = indicator_chart(
        "P", points, baseline=None, target=40, unit="Count", period=PERIOD, cumulative=True
    )
    running = next(t for t in chart.figure["data"] if t["name"] == "Running total")
    assert list(running["y"]) == [10.0, 25.0]


def test_a_timeline_ending_on_the_last_day_there_is_draws():
    figure = timeline_figure(
        [TimelineRow("A", date(9999, 12, 30), date(9999, 12, 31), "planned")],
        period=(date(9999, 1, 1), date(9999, 12, 31)),
        status_labels={"planned": "Planned"},
    )
    assert figure["layout"]["xaxis"]["range"][1] == "9999-12-31 23:59:59"


def test_a_yes_no_indicator_reads_yes_and_no_and_money_has_separators():
    points = [
        SeriesPoint("Q1", date(2027, 3, 31), 1, 1),
        SeriesPoint("Q2", date(2027, 6, 30), 0, 1),
    ]
    chart = indicator_chart(
        "Page published",
        points,
        baseline=0,
        target=1,
        unit="Yes/no",
        period=PERIOD,
        unit_key="yes-no",
    )
    value = next(t for t in chart.figure["data"] if t["name"] == "Value")
    assert list(value["text"]) == ["Yes", "No"] and "%{text}" in value["hovertemplate"]
    axis = chart.figure["layout"]["yaxis"]
    assert (list(axis["tickvals"]), list(axis["ticktext"])) == ([0, 1], ["No", "Yes"])
    assert chart.table.formats[2:] == ["yes-no", "yes-no"]
    money = planned_actual_chart("b", "Budget", [("2027", 25000, 12000.5)], "€")
    assert money.figure["layout"]["separators"] == ".,"
    assert "€%{y:,.0f}" in money.figure["data"][0]["hovertemplate"]
    assert money.table.formats == [None, "euros", "euros"]
    assert money.table.rows == [["2027", 25000.0, 12000.5]]  # the CSV keeps plain numbers


def test_legends_stand_above_the_plot_clear_of_the_axis_titles():
    charts = [
        progress_chart([ProgressRow("A", 10, 50, "off_track", "Off track")]),
        planned_actual_chart("b", "Budget", [("2027", 1, 1)], "€"),
        status_mix_chart("m", "Mix", [("Plan", {"on_track": 1})], PROGRESS_LABELS),
        indicator_chart(
            "I",
            [SeriesPoint("Q1", date(2027, 3, 31), 1, 1)],
            baseline=0,
            target=2,
            unit="Count",
            period=PERIOD,
        ),
    ]
    for chart in charts:
        legend = chart.figure["layout"]["legend"]
        assert (legend["yref"], legend["y"], legend["yanchor"]) == ("container", 1, "top")
    mix = charts[2].figure["layout"]
    assert (mix["xaxis"]["tickformat"], mix["xaxis"]["dtick"]) == (",d", 1)  # whole indicators


def test_long_row_names_are_labelled_short_and_kept_whole_in_the_data():
    name = "Partner institutions represented at the staff week in Helsinki, Finland"
    chart = progress_chart([ProgressRow(name, 10, 50, "off_track", "Off track")])
    axis = chart.figure["layout"]["yaxis"]
    assert list(axis["tickvals"]) == [name] and len(axis["ticktext"][0]) <= 40
    assert chart.figure["data"][0]["y"][0] == name
