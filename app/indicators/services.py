"""Reads and writes of indicators, their targets and progress (values and approvals: measurements.py).

Functions add and flush; views commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

# One conflict for every versioned edit: the planner's.
from app.core.conflicts import EditConflict, flush_or_conflict
from app.core.extensions import db
from app.indicators import periods as calendar
from app.indicators.computed import Source
from app.indicators.models import (
    Aggregation,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    Measurement,
)
from app.indicators.periods import Period
from app.indicators.progress import PeriodSpec, Progress, Value, overall, progress
from app.institutions.models import Institution
from app.planner.models import Activity, Plan, ProposedIndicator
from app.planner.services import TIMING, occurrences
from app.planner.signals import plan_copied

# How a proposed indicator's values combine, by unit: counts and money add up over the
# year; a percentage, a yes/no or a score describes a state, read from its latest value or
# as an average.
DEFAULT_AGGREGATION = {
    IndicatorUnit.COUNT: Aggregation.SUM,
    IndicatorUnit.EUROS: Aggregation.SUM,
    IndicatorUnit.PERCENT: Aggregation.LATEST,
    IndicatorUnit.YES_NO: Aggregation.LATEST,
    IndicatorUnit.SCORE: Aggregation.AVERAGE,
}


def indicators_of(plan: Plan) -> list[Indicator]:
    """Return a plan's indicators with their targets: the plan's own first, then by activity."""
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan.id)
            .options(selectinload(Indicator.targets))
            .order_by(
                Indicator.activity_id.is_not(None),
                Indicator.activity_id,
                Indicator.position,
                Indicator.id,
            )
        )
    )


def get_indicator(plan: Plan, indicator_id: int) -> Indicator | None:
    """Return one indicator of a plan (None if it belongs to another plan)."""
    return db.session.scalar(
        select(Indicator)
        .where(Indicator.id == indicator_id, Indicator.plan_id == plan.id)
        .options(
            selectinload(Indicator.targets),
            selectinload(Indicator.measurements).selectinload(Measurement.changes),
            selectinload(Indicator.measurements).selectinload(Measurement.evidence),
        )
    )


def _next_position(plan: Plan) -> int:
    highest = db.session.scalar(
        select(func.max(Indicator.position)).where(Indicator.plan_id == plan.id)
    )
    return (highest or 0) + 1


def add_indicator(plan: Plan, fields: dict[str, Any], targets: dict[str, Decimal]) -> Indicator:
    """Add an indicator to a plan (or to one of its activities, by activity_id)."""
    indicator = Indicator(plan=plan, position=_next_position(plan), **fields)
    indicator.targets = [IndicatorTarget(period_key=k, value=v) for k, v in targets.items()]
    db.session.add(indicator)
    db.session.flush()
    return indicator


def computed_indicators(activity_id: int, prefix: str) -> list[Indicator]:
    """Return an activity's computed indicators whose source starts with `prefix` (one
    feature's sources, such as "event." or "sending."), in their order."""
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.activity_id == activity_id, Indicator.source.like(prefix + "%"))
            .order_by(Indicator.position, Indicator.id)
        )
    )


def add_computed_indicators(
    plan: Plan, sources: Iterable[Source], have: set[str], activity_id: int | None = None
) -> list[Indicator]:
    """Give a plan (or one of its activities) an indicator of each computed source whose key is
    not in `have`; return those added. One value a year: each year's records are their own
    point, charted across years. Every package whose records fill indicators adds them here."""
    return [
        add_indicator(
            plan,
            {
                "activity_id": activity_id,
                "name": str(source.label),
                "description": str(source.description),
                "unit": source.unit,
                "direction": source.direction,
                "aggregation": source.aggregation,
                "frequency": "yearly",
                "scale_max": source.scale_max,
                "source": source.key,
            },
            {},
        )
        for source in sources
        if source.key not in have
    ]


# A count "per event" (per workshop, per session, per visit) is already one occasion's
# figure: the values of several occasions are averaged against the same per-occasion target
# (30 participants per event stays 30, not 30 times the events). A count per year, semester
# or other stretch of time is a total over that time, and adds up like every other count.
PER_OCCASION = re.compile(
    r"\bper (?!(?:academic )?(?:year|semester|term|quarter|month|week|day)\b)"
)


def proposed_aggregation(name: str, unit: str) -> str:
    """Return how a proposed indicator's values combine: by its unit, and for a count, its name."""
    if unit == IndicatorUnit.COUNT and PER_OCCASION.search(name.lower()):
        return Aggregation.AVERAGE
    return DEFAULT_AGGREGATION.get(unit, Aggregation.SUM)


def dismiss_proposed(proposed: ProposedIndicator) -> None:
    """Dismiss an indicator a practice sheet proposed: it is removed and does not come back.

    Only adopting the sheet again proposes it again (a new, deliberate choice).
    """
    db.session.delete(proposed)
    db.session.flush()


def accept_proposed(plan: Plan, proposed: ProposedIndicator) -> Indicator:
    """Turn an indicator a practice sheet proposed into one of the plan's, with defaults.

    A dated activity reports per occurrence; otherwise quarterly. The proposal is used up.
    """
    activity = proposed.activity
    indicator = add_indicator(
        plan,
        {
            "activity_id": activity.id,
            "name": proposed.name,
            "unit": proposed.unit,
            "direction": proposed.direction,
            "aggregation": proposed_aggregation(proposed.name, proposed.unit),
            "frequency": "occurrence" if activity.start_date else "quarterly",
            "scale_max": Decimal(5) if proposed.unit == "score" else None,
        },
        {},
    )
    db.session.delete(proposed)
    db.session.flush()
    return indicator


def update_indicator(
    indicator: Indicator,
    fields: dict[str, Any],
    targets: dict[str, Decimal],
    *,
    base_version: int | None,
) -> Indicator:
    """Apply an editor's changes and targets unless someone saved in between."""
    if base_version is not None and base_version != indicator.version:
        raise EditConflict(indicator)
    for name, value in fields.items():
        setattr(indicator, name, value)
    by_key = {t.period_key: t for t in indicator.targets}
    for key, value in targets.items():
        if key in by_key:
            by_key[key].value = value
        else:
            indicator.targets.append(IndicatorTarget(period_key=key, value=value))
    for key, target in by_key.items():
        if key not in targets:
            indicator.targets.remove(target)
    flush_or_conflict(indicator)
    return indicator


def _shifted_key(
    indicator: Indicator, key: str, shift: Any, occurrence_keys: dict[str, str]
) -> str:
    """Return the period key a target moves to when its plan's dates move by `shift`."""
    if indicator.frequency == "occurrence":
        # The n-th occurrence's target stays the n-th's: a rule such as "the first Monday"
        # does not move by exactly the shift.
        if key in occurrence_keys:
            return occurrence_keys[key]
        return (date.fromisoformat(key) + shift).isoformat()
    period = calendar.parse_key(indicator.frequency, key)
    return calendar.period_of(indicator.frequency, period.start + shift).key


@plan_copied.connect
def copy_indicators(
    plan: Plan, *, copy: Plan, activities: dict[int, Activity], shift: Any, **_: Any
) -> None:
    """Give a copied plan the indicators of the original, with baselines and shifted targets.

    Values and approvals stay with the original: they record what happened in its period.
    The baseline's date moves with the plan like every other date, so the path to the target
    keeps its shape.
    """
    for indicator in indicators_of(plan):
        activity = activities.get(indicator.activity_id) if indicator.activity_id else None
        if indicator.activity_id is not None and activity is None:
            continue  # an activity of another plan cannot be; nothing to judge in the copy
        occurrence_keys: dict[str, str] = {}
        if indicator.frequency == "occurrence" and activity is not None:
            old = [o.start.isoformat() for o in occurrences(indicator.activity)]
            new = [o.start.isoformat() for o in occurrences(activity)]
            occurrence_keys = dict(zip(old, new, strict=False))
        targets: dict[str, Decimal] = {}
        for target in indicator.targets:
            key = _shifted_key(indicator, target.period_key, shift, occurrence_keys)
            targets.setdefault(key, target.value)  # two periods into one: the earlier's
        copied = Indicator(
            plan=copy,
            activity=activity,
            position=indicator.position,
            name=indicator.name,
            description=indicator.description,
            unit=indicator.unit,
            scale_max=indicator.scale_max,
            direction=indicator.direction,
            aggregation=indicator.aggregation,
            frequency=indicator.frequency,
            baseline_value=indicator.baseline_value,
            baseline_date=indicator.baseline_date + shift if indicator.baseline_date else None,
            target_value=indicator.target_value,
            # A computed indicator stays computed: the copy's activity fills it from its event.
            source=indicator.source,
            targets=[IndicatorTarget(period_key=k, value=v) for k, v in sorted(targets.items())],
        )
        db.session.add(copied)
    db.session.flush()


def delete_indicator(indicator: Indicator) -> None:
    """Remove an indicator with its targets, values and their history."""
    db.session.delete(indicator)
    db.session.flush()


def _activity(indicator: Indicator, plan: Plan) -> Activity | None:
    return next((a for a in plan.activities if a.id == indicator.activity_id), None)


def reporting_periods(indicator: Indicator, plan: Plan) -> list[Period]:
    """List the periods an indicator reports for over its plan's period (at most MAX_PERIODS)."""
    if indicator.frequency == "occurrence":
        activity = _activity(indicator, plan)
        if activity is None:
            return []
        return [calendar.occurrence_period(o.start, o.end) for o in occurrences(activity)]
    return calendar.periods(indicator.frequency, plan.period_start, plan.period_end)


def occurrence_ends(indicator: Indicator, plan: Plan) -> list[date]:
    """Return the last days of the occurrences of the activity an indicator judges, if dated.

    Its expected path steps at them (see progress.expected_value); empty for the plan's own
    indicators and undated activities, which follow a straight path.
    """
    activity = _activity(indicator, plan) if indicator.activity_id is not None else None
    if activity is None:
        return []
    return [o.end for o in occurrences(activity)]


def period_specs(indicator: Indicator, plan: Plan) -> list[PeriodSpec]:
    """Return the indicator's periods with their targets, for progress."""
    targets = {t.period_key: t.value for t in indicator.targets}
    return [
        PeriodSpec(p.key, p.label, p.end, targets.get(p.key))
        for p in reporting_periods(indicator, plan)
    ]


def indicator_progress(indicator: Indicator, plan: Plan, today: date) -> Progress:
    """Compute one indicator's progress period by period, from all its values."""
    return progress(
        aggregation=indicator.aggregation,
        direction=indicator.direction,
        baseline=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target=indicator.target_value,
        start=plan.period_start,
        end=plan.period_end,
        today=today,
        values={m.period_key: Value(m.period_end, m.value) for m in indicator.measurements},
        periods=period_specs(indicator, plan),
        occurrence_ends=occurrence_ends(indicator, plan),
    )


@dataclass(frozen=True)
class Aggregate:
    """An indicator's values as the database combines them."""

    total: Decimal
    average: Decimal
    latest: Decimal
    count: int
    due_recorded: int

    def combined(self, aggregation: str) -> Decimal:
        """Return the value the indicator's rule picks."""
        return {"sum": self.total, "average": self.average, "latest": self.latest}[aggregation]


def aggregates(indicator_ids: Iterable[int], today: date) -> dict[int, Aggregate]:
    """Combine the values of many indicators in two queries, however many values there are."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    sums = db.session.execute(
        select(
            Measurement.indicator_id,
            func.sum(Measurement.value),
            func.count(),
            func.sum(case((Measurement.period_end <= today, 1), else_=0)),
        )
        .where(Measurement.indicator_id.in_(ids))
        .group_by(Measurement.indicator_id)
    ).all()
    ranked = (
        select(
            Measurement.indicator_id,
            Measurement.value,
            func.row_number()
            .over(
                partition_by=Measurement.indicator_id,
                order_by=(Measurement.period_end.desc(), Measurement.id.desc()),
            )
            .label("rank"),
        )
        .where(Measurement.indicator_id.in_(ids))
        .subquery()
    )
    latest = dict(
        db.session.execute(
            select(ranked.c.indicator_id, ranked.c.value).where(ranked.c.rank == 1)
        ).all()
    )
    return {
        indicator_id: Aggregate(
            total=_decimal(total),
            # From the exact sum rather than AVG(), which SQLite computes in floating point.
            average=_decimal(total) / count,
            latest=_decimal(latest[indicator_id]),
            count=int(count),
            due_recorded=int(due or 0),
        )
        for indicator_id, total, count, due in sums
    }


def _decimal(value: Any) -> Decimal:
    """SQLite hands back floats for sums and averages of NUMERIC columns; keep cents exact."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def plan_progress(
    plan: Plan, indicators: list[Indicator], today: date
) -> list[tuple[Indicator, Progress]]:
    """Judge every indicator of a plan from database aggregates, in a fixed number of queries."""
    return _judge(plan, indicators, aggregates((i.id for i in indicators), today), today)


def _judge(
    plan: Plan, indicators: list[Indicator], combined: dict[int, Aggregate], today: date
) -> list[tuple[Indicator, Progress]]:
    result = []
    for indicator in indicators:
        due = [p for p in reporting_periods(indicator, plan) if p.end <= today]
        targets = {t.period_key: t.value for t in indicator.targets}
        found = combined.get(indicator.id)
        result.append(
            (
                indicator,
                overall(
                    actual=found.combined(indicator.aggregation) if found else None,
                    missing=len(due) - (found.due_recorded if found else 0),
                    aggregation=indicator.aggregation,
                    due_targets=[targets[p.key] for p in due if p.key in targets],
                    baseline=indicator.baseline_value,
                    baseline_date=indicator.baseline_date,
                    target=indicator.target_value,
                    start=plan.period_start,
                    end=plan.period_end,
                    today=today,
                    occurrence_ends=occurrence_ends(indicator, plan),
                ),
            )
        )
    return result


def activities_by_status(plan: Plan) -> dict[str, int]:
    """Count a plan's activities per status in the database."""
    rows = db.session.execute(
        select(Activity.status, func.count())
        .where(Activity.plan_id == plan.id)
        .group_by(Activity.status)
    ).all()
    return {status: int(n) for status, n in rows}


@dataclass(frozen=True)
class OverviewRow:
    """One plan of an institution: money, people and its indicators by status."""

    plan: Plan
    budget_planned: Decimal
    budget_actual: Decimal
    effort_planned: Decimal
    effort_actual: Decimal
    activities: int
    statuses: dict[str, int]


def overview(institution: Institution, today: date) -> list[OverviewRow]:
    """Sum every plan of an institution in the database, in a fixed number of queries."""
    plans = list(
        db.session.scalars(
            select(Plan)
            .where(Plan.institution_id == institution.id)
            # When each activity takes place, for judging its indicators: not the texts and
            # lists an activity carries, which were most of the page's time to read.
            .options(selectinload(Plan.activities).load_only(*TIMING))
            .order_by(Plan.period_start, Plan.id)
        )
    )
    if not plans:
        return []
    sums = {
        plan_id: rest
        for plan_id, *rest in db.session.execute(
            select(
                Activity.plan_id,
                func.coalesce(func.sum(Activity.budget_planned), 0),
                func.coalesce(func.sum(Activity.budget_actual), 0),
                func.coalesce(func.sum(Activity.effort_planned), 0),
                func.coalesce(func.sum(Activity.effort_actual), 0),
                func.count(),
            )
            .where(Activity.plan_id.in_([p.id for p in plans]), Activity.status != "cancelled")
            .group_by(Activity.plan_id)
        )
    }
    indicators = list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.plan_id.in_([p.id for p in plans]))
            .options(selectinload(Indicator.targets))
        )
    )
    by_plan: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        by_plan.setdefault(indicator.plan_id, []).append(indicator)
    combined = aggregates((i.id for i in indicators), today)
    rows = []
    for plan in plans:
        statuses: dict[str, int] = {}
        for _, judged in _judge(plan, by_plan.get(plan.id, []), combined, today):
            statuses[judged.status] = statuses.get(judged.status, 0) + 1
        money = sums.get(plan.id, [0, 0, 0, 0, 0])
        rows.append(
            OverviewRow(
                plan,
                *(Decimal(str(v)) for v in money[:4]),
                activities=int(money[4]),
                statuses=statuses,
            )
        )
    return rows


def computed_measurements(plan: Plan) -> list[tuple[Indicator, Measurement]]:
    """Return the values of a plan's computed indicators with their indicators, in order."""
    rows = db.session.execute(
        select(Indicator, Measurement)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Indicator.plan_id == plan.id, Indicator.source.is_not(None))
        .order_by(Indicator.activity_id, Indicator.position, Indicator.id, Measurement.period_end)
    ).all()
    return [(indicator, measurement) for indicator, measurement in rows]


# The most values a chart across years shows: the latest ones (twenty years of one event).
YEARS_SHOWN = 20


def across_years(indicator: Indicator, institution_id: int) -> list[tuple[Plan, Measurement]]:
    """Return the values of the same computed figure of the institution's events, year on
    year: every plan's indicator of that source and name (a copied plan keeps both), oldest
    first, each value at its own date."""
    if not indicator.source:
        return []
    rows = db.session.execute(
        select(Plan, Measurement)
        .join(Indicator, Indicator.plan_id == Plan.id)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(
            Plan.institution_id == institution_id,
            Indicator.source == indicator.source,
            Indicator.name == indicator.name,
        )
        .order_by(Measurement.period_end.desc(), Measurement.id.desc())
        .limit(YEARS_SHOWN)
    ).all()
    return [(plan, measurement) for plan, measurement in reversed(rows)]
