"""Plotly figures as pure functions of the data.

Each builder takes plain rows and returns the figure as a JSON-ready dict (data, layout and
config). Pages embed that dict as a JSON data block and app.js draws it, so tests can check a
chart without a browser.

The figures are written as plain dicts and lists, not through plotly's figure classes: those
validate every property on every request and cost most of a dashboard's time. The validation
lives in tests/charts/test_schema.py instead, which builds every kind of chart and checks it
against Plotly's schema (a figure class made from the dict must give back the same dict).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from app.charts import formats
from app.core.formatting import day, number, percent
from app.core.i18n import lazy_gettext as _l

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


def plain_text(text: str) -> str:
    """Escape text for a chart: Plotly reads tags such as <a> and <b> in labels."""
    return html.escape(text, quote=False)


LABEL_WIDTH = 40
# A short last part in brackets, such as a plan's year "(2027)", which tells rows apart.
SUFFIX = re.compile(r" \([^()]{1,12}\)$")


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """Cut plain text to `width` characters with an ellipsis, keeping a suffix in brackets."""
    if len(text) <= width:
        return text
    suffix = SUFFIX.search(text)
    tail = suffix.group(0) if suffix and len(suffix.group(0)) * 2 < width else ""
    head = text[: len(text) - len(tail)]
    return head[: width - len(tail) - 1].rstrip() + "…" + tail


def short_labels(labels: list[str], width: int = LABEL_WIDTH) -> dict[str, str]:
    """Map each plain label to its shortened, escaped tick text, kept distinct.

    Labels are shortened as text and escaped once, last: shortening escaped text counted
    entities as characters and could cut one in half, and escaping twice showed "&amp;".
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for label in labels:
        short = shorten(label, width)
        candidate, n = short, 1
        while candidate in taken:
            n += 1
            candidate = f"{short} ({n})"
        taken.add(candidate)
        result[label] = plain_text(candidate)
    return result


# What plotly's template "none" is once written out: no styling beyond Plotly's defaults.
TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}


def _pruned(value: Any) -> Any:
    """Drop the properties left unset (None) from a dict and the dicts inside it.

    Items of data arrays stay, None included: there it is a gap in a series.
    """
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    return value


def _trace(kind: str, **properties: Any) -> dict[str, Any]:
    """Return a trace of a kind ("bar", "scatter") with its set properties."""
    return {**_pruned(properties), "type": kind}


def _figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """Return a figure as a dict the page can hand to Plotly.newPlot.

    Its config names the reader's locale and defines it, so that Plotly writes the months
    and days of date axes in the reader's language.
    """
    return {
        "data": traces,
        "layout": {"template": TEMPLATE, **_pruned(layout)},
        "config": {**CONFIG, **formats.current().config()},
    }


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
    short = short_labels(list(dict.fromkeys(row.label for row in rows)))
    labels = list(short.values())
    traces: list[dict[str, Any]] = []
    for status, colour in STATUS_COLOURS.items():
        mine = [row for row in rows if row.status == status]
        if not mine:
            continue
        traces.append(
            _trace(
                "bar",
                name=str(status_labels.get(status, status)),
                orientation="h",
                y=[short[row.label] for row in mine],
                base=[row.start.isoformat() for row in mine],
                x=[((row.end - row.start).days + 1) * 86_400_000 for row in mine],
                customdata=[[day(row.start), day(row.end), plain_text(row.label)] for row in mine],
                hovertemplate="%{customdata[2]}<br>%{customdata[0]} – %{customdata[1]}"
                "<extra>%{fullData.name}</extra>",
                marker={"color": colour},
            )
        )
    layout = _layout(
        140 + 32 * max(len(labels), 1),
        barmode="overlay",
        showlegend=True,
        xaxis={
            "type": "date",
            # To the end of the last day (there is no day after 31 December 9999).
            "range": [
                period[0].isoformat(),
                (period[1] + timedelta(days=1)).isoformat()
                if period[1] < date.max
                else "9999-12-31 23:59:59",
            ],
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
    return _figure(traces, layout)


@dataclass(frozen=True)
class Table:
    """A chart's data as rows: shown beside the chart and offered as CSV.

    `formats` says how the page shows each column's cells (the CSV keeps plain numbers):
    None for text, else a unit of indicators.display.measure ("count", "euros", "percent",
    "score", "yes-no", "person-days").
    """

    columns: list[str]
    rows: list[list[Any]]
    formats: list[str | None] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    """A figure with the table of the same data."""

    name: str
    title: str
    figure: dict[str, Any]
    table: Table
    # What the page says instead of drawing a chart that has no data (None: "No data yet.").
    empty: str | None = None


PROGRESS_COLOURS = {
    "on_track": "#15803d",
    "at_risk": "#b45309",
    "off_track": "#b91c1c",
    "no_data": "#6b7280",
    "no_target": "#6b7280",
    "not_started": "#0e7490",
}


# Legends sit above the plot: below it they ran into the axis title, and on a phone, where
# they wrap onto several lines, into the tick labels. They are placed in the figure (the
# "container"), not the plot, so that on a phone they have the whole width rather than what
# the row labels leave; Plotly widens the top margin to fit them.
LEGEND = {
    "orientation": "h",
    "xref": "container",
    "yref": "container",
    "x": 0,
    "xanchor": "left",
    "y": 1,
    "yanchor": "top",
}


# A row's whole name in its hover label: "%{y}" shows the axis's (shortened) tick text.
WHOLE_NAME = "%{customdata}"


def category_axis(names: list[str]) -> dict[str, Any]:
    """Lay out an axis of named rows (plain text) in order, labelled with their names shortened.

    The values stay the full names, escaped as the traces' values are (hover labels show
    them from each trace's customdata); app.js shortens the labels further on a phone, where long ones would leave the
    bars no room.
    """
    short = short_labels(names)
    values = [plain_text(n) for n in names]
    return {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": values,
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [short[n] for n in names],
        "autorange": "reversed",
        "automargin": True,
    }


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    """Lay a chart out in the app's style; `extra` adds to or replaces the defaults."""
    return {
        "font": FONT,
        # Decimal point and thousands separator of the reader's locale: 25,000.5 in
        # English, 25 000,5 in Finnish and Swedish.
        "separators": formats.current().separators,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "legend": LEGEND,
        **extra,
    }


def date_range(period: tuple[date, date], days: list[date]) -> list[str]:
    """Span a date axis over a period and any days outside it, a little wider at each end.

    Plotly fits an axis to its points: one point, or all on one day, gave an axis of
    milliseconds around that instant. The margin keeps a point on the edge whole.
    """
    first, last = min([period[0], *days]), max([period[1], *days])
    margin = max(timedelta(days=1), (last - first) / 40)
    start = first - margin if first - date.min > margin else date.min
    end = last + margin if date.max - last > margin else date.max
    return [start.isoformat(), end.isoformat()]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class SeriesPoint:
    """One period of an indicator: when it ends, its value and its target."""

    label: str
    end: date
    value: Any
    target: Any


def value_format(unit: str, axis: str = "y") -> str:
    """Say how Plotly writes a value of an indicator unit (d3-format, with the layout's
    separators; money and percentages with their signs where the reader's locale puts them)."""
    style = formats.current()
    if unit == "euros":
        return style.money(f"%{{{axis}:,.2f}}")
    if unit == "percent":
        return style.percent(f"%{{{axis}:,.1~f}}")
    if unit == "yes-no":
        return "%{text}"
    return f"%{{{axis}:,.2~f}}"


def _yes_no(values: list[float | None]) -> list[str]:
    """Name each yes/no value in the reader's language; a running total of yeses stays a number."""
    return [_yes_no_word(v) if v is not None else "" for v in values]


def _yes_no_word(value: float) -> str:
    if value == 1:
        return _("Yes")
    if value == 0:
        return _("No")
    return _("%(count)s × yes", count=number(value))


def indicator_chart(
    name: str,
    points: list[SeriesPoint],
    *,
    baseline: Any,
    target: Any,
    unit: str,
    period: tuple[date, date],
    cumulative: bool = False,
    unit_key: str = "count",
) -> Chart:
    """Values over time with the baseline and overall target as lines, period targets as marks.

    For a sum (`cumulative`), the running total is drawn too: it is what meets the overall
    target, while each period's value meets the period's target. `unit` names the axis,
    `unit_key` (an indicator unit) says how values read: "€1,500.00", "Yes". The date axis
    spans the plan's `period`.
    """
    shown = value_format(unit_key)
    yes_no = unit_key == "yes-no"
    style = formats.current()
    value_name, total_name = _("Value"), _("Running total")
    traces: list[dict[str, Any]] = []
    recorded = [p for p in points if p.value is not None]
    traces.append(
        _trace(
            "scatter",
            name=value_name,
            x=[p.end.isoformat() for p in recorded],
            y=[_number(p.value) for p in recorded],
            mode="lines+markers",
            line={"color": "#1d4ed8", "width": 3},
            marker={"size": 9},
            text=_yes_no([_number(p.value) for p in recorded]) if yes_no else None,
            xhoverformat=style.day,
            hovertemplate=f"%{{x}}: {shown}<extra>{value_name}</extra>",
        )
    )
    if cumulative and recorded:
        running, totals = 0.0, []
        for point in recorded:
            running += _number(point.value) or 0
            totals.append(running)
        traces.append(
            _trace(
                "scatter",
                name=total_name,
                x=[p.end.isoformat() for p in recorded],
                y=totals,
                mode="lines+markers",
                line={"color": "#7c3aed", "width": 2},
                text=_yes_no(totals) if yes_no else None,
                xhoverformat=style.day,
                hovertemplate="%{x}: "
                + _("%(value)s so far", value=shown)
                + f"<extra>{total_name}</extra>",
            )
        )
    with_target = [p for p in points if p.target is not None]
    if with_target:
        traces.append(
            _trace(
                "scatter",
                name=_("Period target"),
                x=[p.end.isoformat() for p in with_target],
                y=[_number(p.target) for p in with_target],
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 18,
                    "color": "#15803d",
                    "line": {"width": 3},
                },
                text=_yes_no([_number(p.target) for p in with_target]) if yes_no else None,
                xhoverformat=style.day,
                hovertemplate="%{x}: " + _("target %(value)s", value=shown) + "<extra></extra>",
            )
        )
    # Across the whole plan, so that they show even beside a single value.
    span = [period[0].isoformat(), period[1].isoformat()]
    for value, label, colour, dash in (
        (baseline, _("Baseline"), "#6b7280", "dot"),
        (target, _("Target"), "#15803d", "dash"),
    ):
        if value is not None:
            traces.append(
                _trace(
                    "scatter",
                    name=label,
                    x=span,
                    y=[_number(value)] * 2,
                    mode="lines",
                    line={"color": colour, "dash": dash, "width": 2},
                    text=_yes_no([_number(value)] * 2) if yes_no else None,
                    hovertemplate=f"{label}: {shown}<extra></extra>",
                )
            )
    layout = _layout(
        320,
        # The dates a little lower than usual: the first one stood on the value axis's "0".
        xaxis={
            "type": "date",
            "range": date_range(period, [p.end for p in points]),
            "gridcolor": "#e5e7eb",
            "automargin": True,
            "ticklabelstandoff": 6,
        },
        yaxis={
            "title": {"text": plain_text(unit)},
            "gridcolor": "#e5e7eb",
            "rangemode": "tozero",
            "automargin": True,
            "tickformat": ",~f",
            # Yes and no rather than 0.00 and 1.00.
            **(
                {"tickvals": [0, 1], "ticktext": [_("No"), _("Yes")], "range": [-0.1, 1.1]}
                if yes_no and not cumulative
                else {"tickprefix": style.money_prefix, "ticksuffix": style.money_suffix}
                if unit_key == "euros"
                else {"ticksuffix": style.percent_suffix}
                if unit_key == "percent"
                else {}
            ),
        },
    )
    return Chart(
        name="values",
        title=_("%(name)s: values over time", name=name),
        figure=_figure(traces, layout),
        table=Table(
            [_("Period"), _("Ends"), _("Value"), _("Target")],
            [[p.label, p.end, _number(p.value), _number(p.target)] for p in points],
            [None, "day", unit_key, unit_key],
        ),
    )


@dataclass(frozen=True)
class ProgressRow:
    """An indicator's achievement for the dashboard."""

    name: str
    percent: Any
    expected: Any
    status: str
    status_label: str


def progress_chart(rows: list[ProgressRow]) -> Chart:
    """Each indicator's achievement as a bar coloured by status, with where it should be."""
    labels = list(dict.fromkeys(r.name for r in rows))
    style = formats.current()
    share = style.percent("%{x:,.0f}")
    traces: list[dict[str, Any]] = []
    for status, colour in PROGRESS_COLOURS.items():
        mine = [r for r in rows if r.status == status]
        if not mine:
            continue
        traces.append(
            _trace(
                "bar",
                name=str(mine[0].status_label),
                orientation="h",
                y=[plain_text(r.name) for r in mine],
                x=[_number(r.percent) or 0 for r in mine],
                customdata=[plain_text(r.name) for r in mine],
                marker={"color": colour},
                hovertemplate=f"{WHOLE_NAME}: {share}<extra>%{{fullData.name}}</extra>",
            )
        )
    names = [plain_text(r.name) for r in rows]
    traces.append(
        _trace(
            "scatter",
            name=_("Expected by now"),
            orientation="h",
            y=names,
            x=[_number(r.expected) for r in rows],
            customdata=names,
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 20, "color": "#111827", "line": {"width": 3}},
            hovertemplate=f"{WHOLE_NAME}: "
            + _("%(share)s expected", share=share)
            + "<extra></extra>",
        )
    )
    if names:
        traces.append(
            _trace(
                "scatter",
                name=_("Target (%(share)s)", share=percent(100)),
                x=[100, 100],
                y=[names[0], names[-1]],
                mode="lines",
                line={"color": "#15803d", "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )
    highest = max([100.0, *(_number(r.percent) or 0 for r in rows)])
    layout = _layout(
        170 + 34 * max(len(labels), 1),
        barmode="overlay",
        showlegend=True,
        margin={"l": 10, "r": 10, "t": 10, "b": 50},
        xaxis={
            "title": {"text": _("Share of the way to the target")},
            "ticksuffix": style.percent_suffix,
            "range": [min([0.0, *(_number(r.percent) or 0 for r in rows)]) - 5, highest + 10],
            "dtick": 20 if highest <= 200 else None,
            "gridcolor": "#e5e7eb",
            "automargin": True,
        },
        yaxis=category_axis(labels),
    )
    return Chart(
        name="progress",
        empty=_("No indicator has a target yet: give indicators targets to follow their progress."),
        title=_("Indicators: progress towards their targets"),
        figure=_figure(traces, layout),
        table=Table(
            [_("Indicator"), _("Achieved (%)"), _("Expected by now (%)"), _("Status")],
            [[r.name, _rounded(r.percent), _rounded(r.expected), r.status_label] for r in rows],
            [None, "percent", "percent", None],
        ),
    )


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


# How a table shows the amounts of a unit other than euros (display.measure's units):
# person-days with one decimal, as every page shows them ("22.0").
UNIT_FORMATS = {"person-days": "person-days"}
# The units of planned_actual_chart as people read them.
UNIT_NAMES = {"€": "€", "person-days": _l("person-days")}


def planned_actual_chart(
    name: str, title: str, groups: list[tuple[str, Any, Any]], unit: str
) -> Chart:
    """Planned against actual for a few groups (e.g. budget by plan), as paired bars."""
    style = formats.current()
    unit_name = str(UNIT_NAMES.get(unit, unit))
    traces: list[dict[str, Any]] = []
    for index, (label, colour) in enumerate(((_("Planned"), "#93c5fd"), (_("Actual"), "#1d4ed8"))):
        traces.append(
            _trace(
                "bar",
                name=label,
                x=[plain_text(g[0]) for g in groups],
                y=[_number(g[1 + index]) or 0 for g in groups],
                marker={"color": colour},
                hovertemplate=(
                    f"%{{x}}: {style.money('%{y:,.0f}')}<extra>{label}</extra>"
                    if unit == "€"
                    else f"%{{x}}: %{{y:,.1f}} {plain_text(unit_name)}<extra>{label}</extra>"
                ),
            )
        )
    layout = _layout(
        300,
        barmode="group",
        yaxis={
            "title": {"text": plain_text(unit_name)},
            "gridcolor": "#e5e7eb",
            "rangemode": "tozero",
            "automargin": True,
            "tickformat": ",~f",
        },
        xaxis={"type": "category", "automargin": True},
    )
    return Chart(
        name=name,
        title=title,
        figure=_figure(traces, layout),
        table=Table(
            [
                "",
                _("Planned (%(unit)s)", unit=unit_name),
                _("Actual (%(unit)s)", unit=unit_name),
            ],
            [[g[0], _number(g[1]), _number(g[2])] for g in groups],
            [None, *(["euros"] * 2 if unit == "€" else [UNIT_FORMATS.get(unit, "count")] * 2)],
        ),
    )


def status_chart(counts: dict[str, int], status_labels: dict[str, str]) -> Chart:
    """Activities by status, in the order of an activity's life, as horizontal bars.

    Horizontal, so that the statuses read level on a phone as on a desktop.
    """
    keys = [k for k in STATUS_COLOURS if k in status_labels]
    names = [str(status_labels[k]) for k in keys]
    traces = [
        _trace(
            "bar",
            orientation="h",
            y=[plain_text(n) for n in names],
            x=[counts.get(k, 0) for k in keys],
            customdata=[plain_text(n) for n in names],
            marker={"color": [STATUS_COLOURS[k] for k in keys]},
            hovertemplate=f"{WHOLE_NAME}: %{{x:,}}<extra></extra>",
        )
    ]
    layout = _layout(
        120 + 34 * max(len(keys), 1),
        showlegend=False,
        xaxis={
            "title": {"text": _("activities")},
            "gridcolor": "#e5e7eb",
            "rangemode": "tozero",
            "automargin": True,
            "tickformat": ",d",
            "dtick": 1 if max(counts.values(), default=0) <= 10 else None,
        },
        yaxis=category_axis(names),
    )
    return Chart(
        name="activities",
        title=_("Activities by status"),
        figure=_figure(traces, layout),
        table=Table(
            [_("Status"), _("Activities")],
            [[str(status_labels[k]), counts.get(k, 0)] for k in keys],
            [None, "count"],
        ),
    )


def status_mix_chart(
    name: str, title: str, groups: list[tuple[str, dict[str, int]]], labels: dict[str, str]
) -> Chart:
    """How many indicators of each group (e.g. plan) stand at each status, stacked."""
    names = list(dict.fromkeys(g[0] for g in groups))
    most = max((sum(g[1].values()) for g in groups), default=0)
    traces: list[dict[str, Any]] = []
    for status, colour in PROGRESS_COLOURS.items():
        if status == "no_target":
            colour = "#d1d5db"  # told apart from "no values yet"
        traces.append(
            _trace(
                "bar",
                name=str(labels[status]),
                orientation="h",
                y=[plain_text(g[0]) for g in groups],
                x=[g[1].get(status, 0) for g in groups],
                customdata=[plain_text(g[0]) for g in groups],
                marker={"color": colour},
                hovertemplate=f"{WHOLE_NAME}: %{{x}}<extra>%{{fullData.name}}</extra>",
            )
        )
    layout = _layout(
        140 + 34 * max(len(names), 1),
        barmode="stack",
        showlegend=True,
        legend={**LEGEND, "traceorder": "normal"},
        xaxis={
            "title": {"text": _("indicators")},
            "gridcolor": "#e5e7eb",
            "rangemode": "tozero",
            "automargin": True,
            # Whole indicators: no 0.5 between 0 and 1.
            "tickformat": ",d",
            "dtick": 1 if most <= 10 else None,
        },
        yaxis=category_axis(names),
    )
    statuses = list(PROGRESS_COLOURS)
    return Chart(
        name=name,
        title=title,
        figure=_figure(traces, layout),
        table=Table(
            ["", *(str(labels[s]) for s in statuses)],
            [[g[0], *(g[1].get(s, 0) for s in statuses)] for g in groups],
        ),
    )
