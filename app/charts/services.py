"""Plotly figures as pure functions of the data, and the Plotly script the app serves.

Each builder takes plain rows and returns the figure as a JSON-ready dict (data, layout and
config), validated by plotly's own figure classes. Pages embed that dict as a JSON data block
and app.js draws it, so tests can check a chart without a browser.
"""

from __future__ import annotations

import gzip
import html
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

# Colours of the activity statuses: distinct for colour-blind readers and at least 3:1
# against the white background, as graphics need.
STATUS_COLOURS = {
    "idea": "#6b7280",
    "planned": "#1d4ed8",
    "in_progress": "#b45309",
    "done": "#15803d",
    "cancelled": "#b91c1c",
}
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
# The mode bar's buttons are hard to reach by keyboard, and the table beneath every chart
# already offers the data, so charts are drawn without it.
CONFIG = {"displayModeBar": False, "responsive": True, "displaylogo": False}
# The <style> elements plotly.js would inject, as files named after each element's id.
STYLES = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly"


@cache
def plotly_js() -> tuple[bytes, bytes]:
    """Return the plotly.js that ships inside the plotly package, plain and gzipped."""
    body = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    return body, gzip.compress(body, compresslevel=9, mtime=0)


@cache
def plotly_styles() -> list[str]:
    """Return the ids of Plotly's stylesheets (each file's name is its element's id)."""
    return sorted(path.stem for path in STYLES.glob("*.css"))


def plotly_version() -> str:
    """Return the version of the plotly package, which names the script's address."""
    return str(plotly.__version__)


def plain_text(text: str) -> str:
    """Escape text for a chart: Plotly reads tags such as <a> and <b> in labels."""
    return html.escape(text, quote=False)


def _figure(figure: go.Figure) -> dict[str, Any]:
    """Return a validated figure as a dict the page can hand to Plotly.newPlot."""
    data = figure.to_plotly_json()
    return {"data": data["data"], "layout": data["layout"], "config": CONFIG}


@dataclass(frozen=True)
class TimelineRow:
    """One occurrence of an activity on the timeline."""

    label: str
    start: date
    end: date
    status: str


def timeline_figure(
    rows: list[TimelineRow], *, period: tuple[date, date], status_labels: dict[str, str]
) -> dict[str, Any]:
    """Draw occurrences as bars from their first to their last day, one trace per status.

    Each bar spans whole days: from its start to the day after its end, so that a one-day
    event has a visible width. Rows keep their order, top to bottom.
    """
    labels = list(dict.fromkeys(plain_text(row.label) for row in rows))
    figure = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        mine = [row for row in rows if row.status == status]
        if not mine:
            continue
        figure.add_trace(
            go.Bar(
                name=status_labels.get(status, status),
                orientation="h",
                y=[plain_text(row.label) for row in mine],
                base=[row.start.isoformat() for row in mine],
                x=[((row.end - row.start).days + 1) * 86_400_000 for row in mine],
                customdata=[[row.start.isoformat(), row.end.isoformat()] for row in mine],
                hovertemplate="%{y}<br>%{customdata[0]} – %{customdata[1]}<extra>%{fullData.name}"
                "</extra>",
                marker={"color": colour},
            )
        )
    figure.update_layout(
        template="none",
        font=FONT,
        barmode="overlay",
        showlegend=True,
        height=140 + 32 * max(len(labels), 1),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        xaxis={
            "type": "date",
            "range": [period[0].isoformat(), (period[1] + timedelta(days=1)).isoformat()],
            "gridcolor": "#e5e7eb",
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
        },
    )
    return _figure(figure)
