"""Progress of an indicator against its targets: pure arithmetic, no database.

- Values combine over time by the indicator's rule: summed (participants over the year),
  the latest one (satisfaction this term), or averaged.
- Achievement is how far the value has come from the baseline towards the target, as a
  percentage; it reads the same for "higher is better" and "lower is better", because both
  distances carry their sign. Without a baseline the way starts at zero.
- The status compares that achievement with where a straight path from the baseline (at
  its date, or the start) to the target (at the end) expects it to be today: on track
  from 90 % of the expected way, at risk from 60 %, off track below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

AGGREGATIONS = ("sum", "latest", "average")
DIRECTIONS = ("higher", "lower")
STATUSES = ("on_track", "at_risk", "off_track", "no_data", "no_target")
STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No values yet",
    "no_target": "No target",
}
ON_TRACK = Decimal("0.9")
AT_RISK = Decimal("0.6")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Value:
    """A recorded value and the last day of the period it is for."""

    period_end: date
    value: Decimal


def combine(values: Sequence[Value], aggregation: str) -> Decimal | None:
    """Combine values over time by the indicator's rule; None when there are none."""
    if not values:
        return None
    if aggregation == "sum":
        return sum((v.value for v in values), Decimal(0))
    if aggregation == "latest":
        return max(values, key=lambda v: v.period_end).value
    if aggregation == "average":
        return sum((v.value for v in values), Decimal(0)) / len(values)
    raise ValueError(f"unknown aggregation {aggregation!r}")


def achievement(actual: Decimal, target: Decimal, baseline: Decimal | None) -> Decimal | None:
    """Return how far actual has come from baseline towards target, in percent.

    None when the target is where the way starts (nothing to achieve). Values past the
    target give more than 100; values moving away from it, less than 0.
    """
    start = baseline if baseline is not None else Decimal(0)
    way = target - start
    if way == 0:
        return None
    return (actual - start) / way * HUNDRED


def expected_share(today: date, start: date, end: date) -> Decimal:
    """Return the share of the way a straight path expects to be done by today (0 to 1)."""
    if today <= start:
        return Decimal(0)
    if today >= end or end <= start:
        return Decimal(1)
    return Decimal((today - start).days) / Decimal((end - start).days)


def status(
    achieved: Decimal | None, expected: Decimal, *, has_values: bool, has_target: bool
) -> str:
    """Say whether the value stands on, near or off the expected path."""
    if not has_target:
        return "no_target"
    if not has_values or achieved is None:
        return "no_data"
    if achieved >= HUNDRED or expected == 0:
        return "on_track"
    ratio = achieved / (expected * HUNDRED)
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= AT_RISK:
        return "at_risk"
    return "off_track"


@dataclass(frozen=True)
class PeriodProgress:
    """One period's value against its target."""

    key: str
    label: str
    end: date
    value: Decimal | None
    target: Decimal | None
    percent: Decimal | None


@dataclass(frozen=True)
class Progress:
    """Where an indicator stands: overall, and per period when the values were at hand."""

    actual: Decimal | None
    target: Decimal | None
    baseline: Decimal | None
    percent: Decimal | None
    expected_percent: Decimal
    status: str
    change: Decimal | None
    missing: int = 0
    missing_keys: list[str] = field(default_factory=list)
    periods: list[PeriodProgress] = field(default_factory=list)


@dataclass(frozen=True)
class PeriodSpec:
    """A reporting period of the indicator with its target, for progress."""

    key: str
    label: str
    end: date
    target: Decimal | None = None


def overall(
    *,
    actual: Decimal | None,
    missing: int,
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    start: date,
    end: date,
    today: date,
) -> Progress:
    """Judge an indicator from its combined value (however it was combined, e.g. in SQL).

    `start` and `end` are the plan's period; the path starts at the baseline's date when
    there is one.
    """
    percent = (
        achievement(actual, target, baseline) if actual is not None and target is not None else None
    )
    expected = expected_share(today, baseline_date or start, end)
    return Progress(
        actual=actual,
        target=target,
        baseline=baseline,
        percent=percent,
        expected_percent=expected * HUNDRED,
        status=status(
            percent, expected, has_values=actual is not None, has_target=target is not None
        ),
        change=actual - baseline if actual is not None and baseline is not None else None,
        missing=missing,
    )


def progress(
    *,
    aggregation: str,
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    start: date,
    end: date,
    today: date,
    values: dict[str, Value],
    periods: Sequence[PeriodSpec],
) -> Progress:
    """Compute an indicator's progress from all its values by period key, period by period.

    Periods that ended by today without a value are missing; in a sum they count as nothing.
    """
    missing = [s.key for s in periods if s.end <= today and s.key not in values]
    judged = overall(
        actual=combine(list(values.values()), aggregation),
        missing=len(missing),
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        start=start,
        end=end,
        today=today,
    )
    # A period's own value against its own target: a sum's periods start from nothing.
    period_baseline = None if aggregation == "sum" else baseline
    rows = [
        PeriodProgress(
            key=spec.key,
            label=spec.label,
            end=spec.end,
            value=values[spec.key].value if spec.key in values else None,
            target=spec.target,
            percent=(
                achievement(values[spec.key].value, spec.target, period_baseline)
                if spec.key in values and spec.target is not None
                else None
            ),
        )
        for spec in periods
    ]
    return replace(judged, missing_keys=missing, periods=rows)
