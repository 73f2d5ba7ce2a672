"""The reference data files data/networks.yml and data/institutions.yml as validated data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from app.core.validation import HttpUrl, Slug, Strict, vocabulary_key

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=5000)]

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


class MembershipEntry(Strict):
    """An institution's membership of a network."""

    network: Slug
    role: Name = "Member"
    since: dt.date | None = None
    note: Text = ""


class PartnershipEntry(Strict):
    """A strategic partner and the priority areas agreed with it."""

    partner_name: Name
    partner_country: Annotated[str, Field(max_length=100)] = ""
    priority_areas: list[Name] = []
    note: Text = ""


class InstitutionEntry(Strict):
    """An institution with its units, memberships and strategic partners."""

    slug: Slug
    name: Name
    country: Annotated[str, Field(min_length=1, max_length=100)]
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
