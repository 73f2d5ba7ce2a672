"""The charts of the indicator pages, composed from what services judge and sum.

The figure builders (app/charts/figures.py) draw; this module decides which charts a page
shows and feeds them, so that a page and its CSV download show the same data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from app.charts import figures as charts
from app.core.enums import labels
from app.core.vocabularies import vocabularies
from app.indicators import computed, services
from app.indicators.models import Aggregation, Indicator, Measurement
from app.indicators.progress import PROGRESS_LABELS, Progress
from app.planner import services as planner
from app.planner.models import ActivityStatus, Plan


def values_chart(plan: Plan, indicator: Indicator, today: date) -> tuple[charts.Chart, Progress]:
    """Chart an indicator's values over time against baseline and targets; return its progress."""
    judged = services.indicator_progress(indicator, plan, today)
    unit = vocabularies().label("indicator_units", indicator.unit)
    chart = charts.indicator_chart(
        computed.shown_name(indicator),
        [charts.SeriesPoint(p.label, p.end, p.value, p.target) for p in judged.periods],
        baseline=indicator.baseline_value,
        target=indicator.target_value,
        unit=unit,
        period=(plan.period_start, plan.period_end),
        cumulative=indicator.aggregation == Aggregation.SUM,
        unit_key=indicator.unit,
    )
    return chart, judged


def years_chart(plan: Plan, indicator: Indicator) -> charts.Chart:
    """Chart a computed figure across the institution's events, year on year (a typed
    indicator has no such series: its chart is empty)."""
    found = services.across_years(indicator, plan.institution_id)
    unit = vocabularies().label("indicator_units", indicator.unit)
    chart = charts.indicator_chart(
        computed.shown_name(indicator),
        [
            charts.SeriesPoint(f"{m.period_key} · {p.title}", m.period_end, m.value, None)
            for p, m in found
        ],
        baseline=None,
        target=indicator.target_value,
        unit=unit,
        period=(
            min([plan.period_start, *(m.period_start for _, m in found)]),
            max([plan.period_end, *(m.period_end for _, m in found)]),
        ),
        unit_key=indicator.unit,
    )
    return replace(
        chart, name="years", title=_("%(name)s: across years", name=computed.shown_name(indicator))
    )


def computed_values(plan: Plan) -> list[tuple[Indicator, Measurement]]:
    """Return the values of a plan's computed indicators, for the table of their counts."""
    return services.computed_measurements(plan)


def judged_and_totals(
    plan: Plan, today: date
) -> tuple[list[tuple[Indicator, Progress]], planner.Totals]:
    """Judge every indicator of a plan and sum its money and time, in the database."""
    judged = services.plan_progress(plan, services.indicators_of(plan), today)
    return judged, planner.totals(plan)


def plan_charts(
    plan: Plan, judged: list[tuple[Indicator, Progress]], totals: planner.Totals
) -> list[charts.Chart]:
    """Build a plan's dashboard charts from what the page has already judged and summed."""
    return [
        charts.progress_chart(
            [
                charts.ProgressRow(
                    computed.shown_name(i),
                    p.percent,
                    p.expected_percent,
                    p.status,
                    str(PROGRESS_LABELS[p.status]),
                )
                for i, p in judged
                # Progress is the way to a target: an indicator without one has no bar
                # (its values are in its own chart, and computed ones in their table).
                if p.status != "no_target"
            ]
        ),
        charts.planned_actual_chart(
            "budget",
            _("Budget: planned and spent"),
            [(_("Budget"), totals.budget_planned, totals.budget_actual)],
            "€",
        ),
        charts.planned_actual_chart(
            "effort",
            _("Person-days: planned and spent"),
            [(_("Person-days"), totals.effort_planned, totals.effort_actual)],
            "person-days",
        ),
        charts.status_chart(services.activities_by_status(plan), labels(ActivityStatus)),
    ]


def overview_charts(rows: list[services.OverviewRow]) -> list[charts.Chart]:
    """Build an institution's overview charts from its rows (one per plan)."""
    years: dict[int, list[services.OverviewRow]] = {}
    for row in rows:
        years.setdefault(row.plan.period_start.year, []).append(row)
    by_year = sorted(years.items())

    def yearly(planned: str, actual: str) -> list[tuple[str, Decimal, Decimal]]:
        return [
            (
                str(year),
                sum((getattr(r, planned) for r in group), Decimal(0)),
                sum((getattr(r, actual) for r in group), Decimal(0)),
            )
            for year, group in by_year
        ]

    return [
        charts.planned_actual_chart(
            "budget-by-year",
            _("Budget by year: planned and spent"),
            yearly("budget_planned", "budget_actual"),
            "€",
        ),
        charts.planned_actual_chart(
            "effort-by-year",
            _("Person-days by year: planned and spent"),
            yearly("effort_planned", "effort_actual"),
            "person-days",
        ),
        charts.status_mix_chart(
            "indicators-by-plan",
            _("Indicators of each plan by status"),
            [(f"{r.plan.title} ({r.plan.period_start.year})", r.statuses) for r in rows],
            PROGRESS_LABELS,
        ),
    ]
