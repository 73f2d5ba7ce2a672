"""Pydantic models of networks and institutions: the rules of their fields.

As in every package, schemas.py holds pydantic models (and the rules they apply, such as
parse_since): the rules of a thing's fields, used by forms, files, imports and the API. Here
they read the reference data files data/networks.yml and data/institutions.yml, and the
institution forms take their rules (a membership's "since") from them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, NamedTuple

from flask_babel import gettext as _
from pydantic import BeforeValidator

from app.core.validation import (
    HttpUrl,
    Slug,
    Strict,
    multi_line,
    single_line,
    vocabulary_key,
)

Name = single_line(200, min_length=1)
Text = multi_line(5000)

NetworkKind = vocabulary_key("network_kinds")
InstitutionKind = vocabulary_key("institution_kinds")
UnitKind = vocabulary_key("unit_kinds")


class NetworkEntry(Strict):
    """A network, alliance or mobility scheme."""

    slug: Slug
    name: Name
    kind: NetworkKind
    url: HttpUrl | None = None
    description: Text = ""
    parent: Slug | None = None


class UnitEntry(Strict):
    """An internal unit of an institution."""

    name: Name
    kind: UnitKind
    description: Text = ""


class Since(NamedTuple):
    """Since when a membership holds, to the precision known: a year, a month or a day."""

    date: dt.date  # the first day of the year or month when only those are known
    precision: str  # "year", "month" or "day"


# Years a membership can have begun in: the oldest universities, to the end of planning.
SINCE_YEARS = (1000, 2100)
_SINCE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_since(value: Any) -> Since:
    """Read a year (2014), a month (2019-10) or a day (2019-10-04); refuse anything else."""
    if isinstance(value, Since):
        return value
    if isinstance(value, dt.date):
        value = value.isoformat()
    match = _SINCE.match(str(value).strip()) if isinstance(value, str | int) else None
    if match is None:
        raise ValueError(_("give a year (2014), a month (2019-10) or a day (2019-10-04)"))
    year, month, day = (int(part) if part else None for part in match.groups())
    if not SINCE_YEARS[0] <= year <= SINCE_YEARS[1]:  # type: ignore[operator]
        raise ValueError(
            _(
                "the year must be between %(first)s and %(last)s",
                first=SINCE_YEARS[0],
                last=SINCE_YEARS[1],
            )
        )
    try:
        date = dt.date(year, month or 1, day or 1)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(_("%(value)s is not a date of the calendar", value=value)) from None
    return Since(date, "day" if day else "month" if month else "year")


class MembershipEntry(Strict):
    """An institution's membership of a network."""

    network: Slug
    role: Name = "Member"
    # A year where only the year is known (Scholars at Risk: 2014), else a month or a day.
    since: Annotated[Since, BeforeValidator(parse_since)] | None = None
    note: Text = ""


class PartnershipEntry(Strict):
    """A strategic partner and the priority areas agreed with it."""

    partner_name: Name
    partner_country: single_line(100) = ""  # type: ignore[valid-type]
    priority_areas: list[Name] = []
    note: Text = ""


class InstitutionEntry(Strict):
    """An institution with its units, memberships and strategic partners."""

    slug: Slug
    name: Name
    country: single_line(100, min_length=1)  # type: ignore[valid-type]
    kind: InstitutionKind
    website: HttpUrl | None = None
    description: Text = ""
    units: list[UnitEntry] = []
    memberships: list[MembershipEntry] = []
    partnerships: list[PartnershipEntry] = []


class NetworksFile(Strict):
    """data/networks.yml."""

    networks: list[NetworkEntry]


class InstitutionsFile(Strict):
    """data/institutions.yml."""

    institutions: list[InstitutionEntry]
