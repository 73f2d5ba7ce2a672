"""Progress of an indicator against its targets: pure arithmetic, no database.

- Values combine over time by the indicator's rule: summed (participants over the year),
  the latest one (satisfaction this term), or averaged.
- Achievement is how far the combined value has come from the baseline towards the overall
  target, as a percentage; it reads the same for "higher is better" and "lower is better",
  because both distances carry their sign. Without a baseline the way starts at zero.
- The status compares the value with where it should stand today. With targets for the
  periods that have ended, that is their sum (for a sum), their average (for an average) or
  the last one (for the latest value). Without them, a straight path from the baseline (at its
  date, or the plan's start) to the overall target at the plan's end; an average of values on
  that path stands halfway along it. On track from 90 % of the expected way, at risk from
  60 %, off track below.
- An indicator of a dated activity (a one-off event, or one that repeats) does not move
  between occurrences: its expected path steps at each occurrence that has ended, by an equal
  share of the way (participants of the only event are all expected once it is over, none
  before).
- Before the plan's period begins nothing is judged: the status is "not started".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from app.core.i18n import lazy_gettext as _l

STATUSES = ("on_track", "at_risk", "off_track", "no_data", "no_target", "not_started")
# What each status of progress reads as (an activity's statuses are planner.models's).
PROGRESS_LABELS = {
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "off_track": _l("Off track"),
    "no_data": _l("No values yet"),
    "no_target": _l("No target"),
    "not_started": _l("Not started"),
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
    raise TypeError(f"unknown aggregation {aggregation!r}")


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


def stepped_share(today: date, occurrence_ends: Sequence[date], aggregation: str) -> Decimal:
    """Return the share of the way expected by today when the way steps at occurrences.

    After k of n occurrences a total or a latest level is expected k/n of the way; an average
    of the values so far, each expected at its own step (i/n), is expected (k+1)/2n of it.
    """
    total = len(occurrence_ends)
    happened = sum(1 for end in occurrence_ends if end <= today)
    if happened == 0:
        return Decimal(0)
    if aggregation == "average":
        return Decimal(happened + 1) / (2 * total)
    return Decimal(happened) / total


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
    expected_percent: Decimal | None  # None: no target, so no way to be expected along
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


def expected_value(
    *,
    aggregation: str,
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    due_targets: Sequence[Decimal],
    start: date,
    end: date,
    today: date,
    occurrence_ends: Sequence[date] = (),
) -> Decimal | None:
    """Return where the combined value should stand today (None: nothing to expect).

    `occurrence_ends` are the last days of the occurrences of the indicator's activity, if it
    has dated ones: the path steps at them instead of running straight through the period.
    """
    if due_targets:
        if aggregation == "sum":
            return sum(due_targets, Decimal(0))
        if aggregation == "average":
            return sum(due_targets, Decimal(0)) / len(due_targets)
        return due_targets[-1]
    if target is None:
        return None
    origin = baseline if baseline is not None else Decimal(0)
    if occurrence_ends:
        share = stepped_share(today, occurrence_ends, aggregation)
    else:
        share = expected_share(today, baseline_date or start, end)
        if aggregation == "average":
            share /= 2
    return origin + (target - origin) * share


def overall(
    *,
    actual: Decimal | None,
    missing: int,
    aggregation: str = "sum",
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    due_targets: Sequence[Decimal] = (),
    start: date,
    end: date,
    today: date,
    occurrence_ends: Sequence[date] = (),
) -> Progress:
    """Judge an indicator from its combined value (however it was combined, e.g. in SQL).

    `due_targets` are the targets of the periods ended by today, in time order; `start` and
    `end` are the plan's period; `occurrence_ends` see expected_value.
    """
    percent = (
        achievement(actual, target, baseline) if actual is not None and target is not None else None
    )
    expected = expected_value(
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        due_targets=due_targets,
        start=start,
        end=end,
        today=today,
        occurrence_ends=occurrence_ends,
    )
    # A sum counts up from nothing; a level starts from its baseline.
    origin = Decimal(0) if aggregation == "sum" or baseline is None else baseline
    if today < start:
        # Nothing is expected of a plan whose period has not begun, and nothing recorded.
        judged = "not_started"
        expected = None
    elif target is None and not due_targets:
        judged = "no_target"
    elif actual is None or expected is None:
        judged = "no_data"
    else:
        judged = _judge(actual, expected, origin, target)
    expected_percent = (
        achievement(expected, target, baseline)
        if expected is not None and target is not None
        else None
    )
    if expected_percent is None and judged != "no_target":
        # A plan not begun, or period targets only: nothing of the way is expected yet.
        expected_percent = Decimal(0)
    return Progress(
        actual=actual,
        target=target,
        baseline=baseline,
        percent=percent,
        expected_percent=expected_percent,
        status=judged,
        change=actual - baseline if actual is not None and baseline is not None else None,
        missing=missing,
    )


def _judge(actual: Decimal, expected: Decimal, origin: Decimal, target: Decimal | None) -> str:
    """On track, at risk or off track: how much of the expected way the value has come."""
    way = expected - origin
    if target is not None and achievement(actual, target, origin) is not None:
        done = achievement(actual, target, origin)
        if done is not None and done >= HUNDRED:
            return "on_track"  # the whole target is reached
    if way == 0:
        # Nothing expected yet: fine unless the value went the wrong way.
        direction = (target - origin) if target is not None else Decimal(1)
        return "off_track" if (actual - origin) * direction < 0 else "on_track"
    ratio = (actual - origin) / way
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= AT_RISK:
        return "at_risk"
    return "off_track"


def period_percent(value: Decimal, target: Decimal, direction: str) -> Decimal | None:
    """Say how a period's value compares with its own target, in percent (100: met)."""
    if direction == "lower":
        return None if value == 0 else target / value * HUNDRED
    return None if target == 0 else value / target * HUNDRED


def progress(
    *,
    aggregation: str,
    direction: str = "higher",
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    start: date,
    end: date,
    today: date,
    values: dict[str, Value],
    periods: Sequence[PeriodSpec],
    occurrence_ends: Sequence[date] = (),
) -> Progress:
    """Compute an indicator's progress from all its values by period key, period by period.

    Periods that ended by today without a value are missing; in a sum they count as nothing.
    """
    missing = [s.key for s in periods if s.end <= today and s.key not in values]
    judged = overall(
        actual=combine(list(values.values()), aggregation),
        missing=len(missing),
        aggregation=aggregation,
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        due_targets=[s.target for s in periods if s.end <= today and s.target is not None],
        start=start,
        end=end,
        today=today,
        occurrence_ends=occurrence_ends,
    )
    rows = [
        PeriodProgress(
            key=spec.key,
            label=spec.label,
            end=spec.end,
            value=values[spec.key].value if spec.key in values else None,
            target=spec.target,
            percent=(
                period_percent(values[spec.key].value, spec.target, direction)
                if spec.key in values and spec.target is not None
                else None
            ),
        )
        for spec in periods
    ]
    return replace(judged, missing_keys=missing, periods=rows)
