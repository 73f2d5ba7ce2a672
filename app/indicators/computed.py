"""Computed indicators: the sources whose values come from records, never typed.

An indicator whose `source` is set is computed. Its sources are registered here at import by
the package that holds the records (participation registers the event sources); indicators
only show them, refuse typed values for them, and chart them as any other indicator. Keeping
the registry here, below the events packages, lets the indicator pages name a source and
describe its counts without importing upward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.core.extensions import db, utcnow
from app.core.i18n import in_every_language
from app.indicators.models import Indicator, Measurement
from app.indicators.periods import Period, occurrence_period, period_of

# What a source computes from a set of records: the value (None: nothing to show yet, such
# as a mean satisfaction before any feedback) and the record counts behind it.
Figure = tuple[Decimal | None, dict[str, Any]]


@dataclass(frozen=True)
class Source:
    """A kind of value computed from records: how it is named, measured and combined."""

    key: str  # "event.applications": what Indicator.source holds
    label: Any  # lazy: the indicator's name when it is added, in the adder's language
    description: Any  # lazy: what exactly is counted
    unit: str  # an IndicatorUnit
    aggregation: str  # how the values of several periods combine (an Aggregation)
    compute: Callable[[Any], Figure]  # from the registrant's record counts to the figure
    describe: Callable[[Mapping[str, Any]], str]  # the counts behind a value, in words
    scale_max: Decimal | None = None
    direction: str = "higher"


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Make a source known (once per key; registering it again replaces it)."""
    _SOURCES[source.key] = source
    return source


def sources() -> list[Source]:
    """Return the registered sources in the order they were registered."""
    return list(_SOURCES.values())


def source_of(indicator: Indicator) -> Source | None:
    """Return a computed indicator's source (None for a typed one, or an unknown source)."""
    return _SOURCES.get(indicator.source) if indicator.source else None


# Each source's name and description as written in every language, computed once.
_SPELLINGS: dict[tuple[str, str], frozenset[str]] = {}


def _as_given(source: Source, field: str, stored: str) -> bool:
    """Tell whether a stored text is the source's own, in any language (not renamed)."""
    key = (source.key, field)
    if key not in _SPELLINGS:
        _SPELLINGS[key] = frozenset(in_every_language(getattr(source, field)))
    return stored in _SPELLINGS[key]


def shown_name(indicator: Indicator) -> str:
    """Name an indicator for the reader: a computed one keeps the name its source gives, in
    the reader's language (it was stored in the language of whoever linked the event), unless
    a planner renamed it; any other is named as it was typed."""
    found = source_of(indicator)
    if found is not None and _as_given(found, "label", indicator.name):
        return str(found.label)
    return indicator.name


def shown_description(indicator: Indicator) -> str:
    """Describe an indicator for the reader, as shown_name names it."""
    found = source_of(indicator)
    if found is not None and _as_given(found, "description", indicator.description):
        return str(found.description)
    return indicator.description


def is_computed(indicator: Indicator) -> bool:
    """Tell whether an indicator's values come from records (and may not be typed)."""
    return bool(indicator.source)


def basis_text(indicator: Indicator, measurement: Measurement | None) -> str:
    """Describe the record counts behind a computed value ("84 applications, 3 withdrawn")."""
    found = source_of(indicator)
    if found is None or measurement is None or not measurement.basis:
        return ""
    return found.describe(measurement.basis)


def period_for(indicator: Indicator, start: date, end: date) -> Period:
    """Return the period of an indicator a computed value of a span of days (an event) is in:
    the occurrence that starts that day, or the month, quarter, term or year of its start."""
    if indicator.frequency == "occurrence":
        return occurrence_period(start, end)
    return period_of(indicator.frequency, start)


def write_value(
    indicator: Indicator,
    period: Period,
    measurement: Measurement | None,
    value: Decimal | None,
    basis: dict[str, Any],
) -> int:
    """Write one computed value into its period (or remove the one there when the records
    give none); return 1 if anything changed. Every package that follows records writes
    through here, so a computed value is stored the same way whatever it counts."""
    if value is None:
        if measurement is None:
            return 0
        db.session.delete(measurement)
        return 1
    if measurement is None:
        db.session.add(
            Measurement(
                indicator_id=indicator.id,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                value=value,
                basis=basis,
                recorded_by="",
            )
        )
        return 1
    if measurement.value == value and measurement.basis == basis:
        return 0
    measurement.value = value
    measurement.basis = basis
    measurement.period_start, measurement.period_end = period.start, period.end
    measurement.recorded_at = utcnow()
    return 1


class Computed(Exception):
    """A typed value for a computed indicator: its values come from records only."""

    def __init__(self, indicator: Indicator) -> None:
        super().__init__(f"indicator {indicator.id} is computed from records")
        self.indicator = indicator
