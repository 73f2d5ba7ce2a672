"""Every figure the app builds is valid against Plotly's schema.

The builders write figures as plain dicts (validating them on every request cost most of a
dashboard's time), so the check lives here: plotly's figure class, made from a built dict,
validates every property and must give back the same data and layout. A misspelt property
or a value of the wrong kind fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from flask import Flask

from app.charts import figures as f
from app.indicators.progress import PROGRESS_LABELS

PERIOD = (date(2027, 1, 1), date(2027, 12, 31))
STATUSES = {
    "idea": "Idea",
    "planned": "Planned",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}
POINTS = [
    f.SeriesPoint("January", date(2027, 1, 31), Decimal("3.5"), Decimal(4)),
    f.SeriesPoint("February", date(2027, 2, 28), None, 5),
    f.SeriesPoint("March", date(2027, 3, 31), 1, None),
]
UNITS = ("count", "euros", "percent", "yes-no", "score", "person-days")


def _timelines() -> dict[str, dict[str, Any]]:
    rows = [
        f.TimelineRow("A <b>long</b> name " * 5, date(2027, 1, 5), date(2027, 1, 7), "planned"),
        f.TimelineRow("B", date(2027, 2, 1), date(2027, 2, 1), "done"),
        f.TimelineRow("C", date(2027, 3, 1), date(2027, 4, 1), "idea"),
    ]
    return {
        "timeline, empty": f.timeline_figure([], period=PERIOD, status_labels=STATUSES),
        "timeline": f.timeline_figure(rows, period=PERIOD, status_labels=STATUSES),
        "timeline to the last day": f.timeline_figure(
            [f.TimelineRow("A", date(9999, 1, 5), date.max, "idea")],
            period=(date(9999, 1, 1), date.max),
            status_labels=STATUSES,
        ),
    }


def _indicator_charts() -> dict[str, dict[str, Any]]:
    built = {}
    for unit in UNITS:
        for cumulative in (False, True):
            for name, points, baseline, target in (
                ("", POINTS, 1, 10),
                (", empty", [], None, None),
            ):
                chart = f.indicator_chart(
                    "Visits & <i>exchanges</i>",
                    points,
                    baseline=baseline,
                    target=target,
                    unit="people <3",
                    period=PERIOD,
                    cumulative=cumulative,
                    unit_key=unit,
                )
                built[f"indicator {unit}, cumulative {cumulative}{name}"] = chart.figure
    return built


def _other_charts() -> dict[str, dict[str, Any]]:
    progress = [
        f.ProgressRow(
            f"Indicator {n}", None if n == 2 else Decimal(n * 30), 50, s, PROGRESS_LABELS[s]
        )
        for n, s in enumerate(f.PROGRESS_COLOURS)
    ]
    groups = [("Plan <1>", Decimal(10), None), ("Plan 2", 3, 4)]
    mix = [("Plan 1", {"on_track": 3, "no_target": 2}), ("Plan 2", {})]
    return {
        "progress": f.progress_chart(progress).figure,
        "progress past its target": f.progress_chart(
            [f.ProgressRow("X", 450, 20, "on_track", "On track")]
        ).figure,
        "progress, empty": f.progress_chart([]).figure,
        "budget": f.planned_actual_chart("budget", "Budget", groups, "€").figure,
        "budget, empty": f.planned_actual_chart("budget", "Budget", [], "€").figure,
        "effort": f.planned_actual_chart("effort", "Effort", groups, "person-days").figure,
        "effort, empty": f.planned_actual_chart("effort", "Effort", [], "person-days").figure,
        "status": f.status_chart({"idea": 2, "done": 30}, STATUSES).figure,
        "status, few": f.status_chart({"idea": 2}, STATUSES).figure,
        "status, empty": f.status_chart({}, {}).figure,
        "status mix": f.status_mix_chart("mix", "Mix", mix, PROGRESS_LABELS).figure,
        "status mix, many": f.status_mix_chart(
            "mix", "Mix", [("Plan 1", {"on_track": 30})], PROGRESS_LABELS
        ).figure,
        "status mix, empty": f.status_mix_chart("mix", "Mix", [], PROGRESS_LABELS).figure,
    }


BUILDERS: list[Callable[[], dict[str, dict[str, Any]]]] = [
    _timelines,
    _indicator_charts,
    _other_charts,
]


def all_figures(app: Flask, language: str) -> dict[str, dict[str, Any]]:
    """Build every kind of figure in a request of a language."""
    with app.test_request_context(headers={"Accept-Language": language}):
        return {name: fig for build in BUILDERS for name, fig in build().items()}


def validated(figure: dict[str, Any]) -> dict[str, Any]:
    """Return the figure as plotly's figure class writes it after validating every property."""
    return go.Figure(data=figure["data"], layout=figure["layout"]).to_plotly_json()


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_figure_is_valid_and_unchanged_by_plotly(app: Flask, language: str) -> None:
    built = all_figures(app, language)
    assert len(built) > 30
    for name, figure in built.items():
        assert validated(figure) == {"data": figure["data"], "layout": figure["layout"]}, name


def test_every_kind_of_trace_the_builders_write_is_checked(app: Flask) -> None:
    kinds = {
        trace["type"] for figure in all_figures(app, "en").values() for trace in figure["data"]
    }
    assert kinds == {"bar", "scatter"}


def test_a_misspelt_property_fails_the_check(app: Flask) -> None:
    figure = all_figures(app, "en")["status"]
    figure["data"][0]["marker"] = {"colour": "#000"}
    with pytest.raises(ValueError, match="colour"):
        validated(figure)


def test_a_value_plotly_does_not_take_fails_the_check(app: Flask) -> None:
    figure = all_figures(app, "en")["timeline"]
    figure["layout"]["xaxis"]["type"] = "calendar"
    with pytest.raises(ValueError, match="type"):
        validated(figure)
