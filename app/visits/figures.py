"""The figures of individual visits a host gives its plan: the computed sources `visit.*`.

Registered with the indicators (app.indicators.computed) at import, as app.participation
registers `event.*`; services.refresh_indicators keeps their values in step with the requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import ngettext

from app.core.i18n import lazy_gettext as _l
from app.indicators import computed
from app.indicators.computed import Figure, Source

PREFIX = "visit."


@dataclass(frozen=True)
class VisitCounts:
    """The counts of one host's visit requests in one period (or one unit and year)."""

    requests: int = 0  # verified requests
    hosted: int = 0  # visits recorded after they took place
    days: int = 0  # days the visitors of recorded visits were present


def describe(basis: Mapping[str, Any]) -> str:
    """Write the counts behind a computed value as the reader reads them."""
    parts = []
    if "requests" in basis:
        num = int(basis["requests"])
        parts.append(ngettext("%(num)d visit request", "%(num)d visit requests", num))
    if "hosted" in basis:
        num = int(basis["hosted"])
        parts.append(ngettext("%(num)d visit hosted", "%(num)d visits hosted", num))
    if "days" in basis:
        num = int(basis["days"])
        parts.append(ngettext("%(num)d visit day", "%(num)d visit days", num))
    return ", ".join(parts)


def _requests(c: VisitCounts) -> Figure:
    return Decimal(c.requests), {"requests": c.requests}


def _hosted(c: VisitCounts) -> Figure:
    return Decimal(c.hosted), {"hosted": c.hosted, "requests": c.requests}


def _days(c: VisitCounts) -> Figure:
    return Decimal(c.days), {"days": c.days, "hosted": c.hosted}


def _source(key: str, label: Any, description: Any, compute: Any) -> Source:
    return computed.register(
        Source(PREFIX + key, label, description, "count", "sum", compute, describe)
    )


SOURCES = (
    _source(
        "requests",
        _l("Individual visit requests"),
        _l("Requests for individual staff training visits, with the visitor's email confirmed."),
        _requests,
    ),
    _source(
        "hosted",
        _l("Individual visits hosted"),
        _l("Individual staff training visits whose attendance the host unit recorded."),
        _hosted,
    ),
    _source(
        "days",
        _l("Individual visit days"),
        _l("Days the visitors of recorded individual visits were present."),
        _days,
    ),
)
