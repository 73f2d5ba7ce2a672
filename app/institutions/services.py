"""Reads and writes of institutions and networks. Functions add and flush; the caller commits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import abort
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from app.core.extensions import db
from app.core.pagination import Pagination
from app.core.snapshots import kept
from app.core.validation import is_slug
from app.core.vocabularies import Vocabularies
from app.core.yamlfile import Problem, YamlProblem, compose, decode, line_of, pydantic_message
from app.institutions.models import (
    Institution,
    Network,
    NetworkMembership,
    StrategicPartnership,
    Unit,
)
from app.institutions.schemas import InstitutionEntry, NetworkEntry, Since
from app.permissions import require_role

# The parts of an institution entry that must not list the same thing twice, and by what.
UNIQUE_PARTS = (
    ("units", "name", "unit"),
    ("memberships", "network", "network"),
    ("partnerships", "partner_name", "partner"),
)

NETWORKS_FILE = "networks.yml"
INSTITUTIONS_FILE = "institutions.yml"

Item = TypeVar("Item", bound=BaseModel)


# --- reading the files -----------------------------------------------------------------------


@dataclass
class ReferenceData:
    """The validated content of data/, or the problems that stop it."""

    networks: list[NetworkEntry] = field(default_factory=list)
    institutions: list[InstitutionEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _read(
    path: Path,
    key: str,
    model: type[Item],
    vocab: Vocabularies,
    max_bytes: int,
    problems: list[Problem],
) -> tuple[list[tuple[int, Item]], set[str], Any]:
    """Read one YAML file holding a list of entries under `key`, validating entry by entry.

    Returns the valid entries with their positions in the file, the slugs every entry claims (valid or not, so that one bad
    entry is not echoed as unknown wherever it is referred to), and the node tree for lines.
    """
    name = str(path)
    try:
        data, node = compose(decode(path.read_bytes(), max_bytes))
    except FileNotFoundError:
        problems.append(Problem(name, 1, "file", "missing"))
        return [], set(), None
    except YamlProblem as error:
        problems.append(Problem(name, error.line, error.field, error.message))
        return [], set(), None
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or set(data) != {key}:
        problems.append(Problem(name, 1, key, f"the file must hold one list named {key!r}"))
        return [], set(), node
    entries: list[tuple[int, Item]] = []
    claimed = {str(raw["slug"]) for raw in data[key] if isinstance(raw, dict) and "slug" in raw}
    for position, raw in enumerate(data[key]):
        try:
            entries.append((position, model.model_validate(raw, context={"vocab": vocab})))
        except ValidationError as error:
            for item in error.errors():
                loc = (key, position, *item["loc"])
                problems.append(
                    Problem(
                        name,
                        line_of(node, loc) + 1,
                        ".".join(map(str, loc)),
                        pydantic_message(item),
                    )
                )
    return entries, claimed, node


def _repeated(items: list[tuple[int, Any]], key: Callable[[Any], str]) -> list[tuple[int, Any]]:
    """Return the (position, item) pairs whose key an earlier item already had."""
    seen: set[str] = set()
    repeated = []
    for position, item in items:
        if key(item) in seen:
            repeated.append((position, item))
        seen.add(key(item))
    return repeated


def read_reference_data(folder: Path, vocab: Vocabularies, max_bytes: int) -> ReferenceData:
    """Read data/networks.yml and data/institutions.yml, checking each and across both."""
    result = ReferenceData()
    problems = result.problems
    networks_path, institutions_path = folder / NETWORKS_FILE, folder / INSTITUTIONS_FILE
    networks, network_slugs, networks_node = _read(
        networks_path, "networks", NetworkEntry, vocab, max_bytes, problems
    )
    institutions, _, inst_node = _read(
        institutions_path, "institutions", InstitutionEntry, vocab, max_bytes, problems
    )

    def at(path: Path, node: Any, loc: tuple[Any, ...], message: str) -> None:
        problems.append(
            Problem(str(path), line_of(node, loc) + 1, ".".join(map(str, loc)), message)
        )

    for i, entry in networks:
        if entry.parent is not None and entry.parent not in network_slugs:
            at(
                networks_path,
                networks_node,
                ("networks", i, "parent"),
                f"no network with slug {entry.parent!r} in {NETWORKS_FILE}",
            )
        if entry.parent == entry.slug:
            at(
                networks_path,
                networks_node,
                ("networks", i, "parent"),
                "a network cannot be its own parent",
            )
    for i, entry in _repeated(networks, lambda e: e.slug):
        at(networks_path, networks_node, ("networks", i, "slug"), f"duplicate slug {entry.slug!r}")
    for i, entry in _repeated(institutions, lambda e: e.slug):
        at(
            institutions_path,
            inst_node,
            ("institutions", i, "slug"),
            f"duplicate slug {entry.slug!r}",
        )
    for i, entry in institutions:
        where = ("institutions", i)
        for part, key, noun in UNIQUE_PARTS:
            for j, item in _repeated(
                list(enumerate(getattr(entry, part))), lambda x, key=key: getattr(x, key)
            ):
                at(
                    institutions_path,
                    inst_node,
                    (*where, part, j, key),
                    f"{noun} {getattr(item, key)!r} listed twice",
                )
        for j, membership in enumerate(entry.memberships):
            if membership.network not in network_slugs:
                at(
                    institutions_path,
                    inst_node,
                    (*where, "memberships", j, "network"),
                    f"no network with slug {membership.network!r} in {NETWORKS_FILE}",
                )
    result.networks = [entry for _, entry in networks]
    result.institutions = [entry for _, entry in institutions]
    problems.sort()
    return result


# --- loading into the database ---------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load did, by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Say the counts in one line."""
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def _digest(entry: BaseModel) -> str:
    """Fingerprint an entry, so that an unchanged one can be left alone."""
    data = json.dumps(entry.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


Row = TypeVar("Row")
Entry = TypeVar("Entry")


def _merge(
    rows: list[Row],
    entries: list[Entry],
    row_key: Callable[[Row], str],
    entry_key: Callable[[Entry], str],
    make: Callable[[], Row],
    fill: Callable[[Row, Entry], None],
) -> list[Row]:
    """Match child rows to entries by key: update matches, add new ones, drop the rest.

    Rows keep their ids where their key stays, so that what refers to them stays valid.
    """
    by_key = {row_key(row): row for row in rows}
    merged = []
    for entry in entries:
        row = by_key.get(entry_key(entry)) or make()
        fill(row, entry)
        merged.append(row)
    return merged


def _fill_network(network: Network, entry: NetworkEntry, by_slug: dict[str, Network]) -> None:
    network.slug, network.name, network.kind = entry.slug, entry.name, entry.kind
    network.url, network.description = entry.url, entry.description
    network.parent = by_slug[entry.parent] if entry.parent else None


def _fill_institution(
    institution: Institution, entry: InstitutionEntry, networks: dict[str, Network]
) -> None:
    institution.slug, institution.name = entry.slug, entry.name
    institution.country, institution.kind = entry.country, entry.kind
    institution.website, institution.description = entry.website, entry.description

    def fill_unit(unit: Unit, item: Any) -> None:
        unit.name, unit.kind, unit.description = item.name, item.kind, item.description

    def fill_membership(membership: NetworkMembership, item: Any) -> None:
        membership.network = networks[item.network]
        membership.role, membership.note = item.role, item.note
        membership.since = item.since.date if item.since else None
        membership.since_precision = item.since.precision if item.since else "day"

    def fill_partnership(partnership: StrategicPartnership, item: Any) -> None:
        partnership.partner_name = item.partner_name
        partnership.partner_country = item.partner_country
        partnership.priority_areas = list(item.priority_areas)
        partnership.note = item.note

    institution.units = _merge(
        institution.units, entry.units, lambda r: r.name, lambda e: e.name, Unit, fill_unit
    )
    institution.memberships = _merge(
        institution.memberships,
        entry.memberships,
        lambda r: r.network.slug,
        lambda e: e.network,
        NetworkMembership,
        fill_membership,
    )
    institution.partnerships = _merge(
        institution.partnerships,
        entry.partnerships,
        lambda r: r.partner_name,
        lambda e: e.partner_name,
        StrategicPartnership,
        fill_partnership,
    )


def load_reference_data(data: ReferenceData) -> tuple[LoadReport, LoadReport]:
    """Create or update the networks and institutions of validated reference data.

    An entry whose fingerprint matches the last load is left alone, so that edits made in the
    app survive. Entries gone from the files are kept: plans may depend on them.
    """
    assert not data.problems, "load_reference_data takes validated data only"
    networks_report, institutions_report = LoadReport(), LoadReport()
    networks = {n.slug: n for n in db.session.scalars(select(Network))}
    for entry in data.networks:
        networks.setdefault(entry.slug, Network(slug=entry.slug))
    for entry in data.networks:
        network, digest = networks[entry.slug], _digest(entry)
        report = networks_report
        if network.id is None:
            report.created.append(entry.slug)
        elif network.source_digest == digest:
            report.unchanged.append(entry.slug)
            continue
        else:
            report.updated.append(entry.slug)
        _fill_network(network, entry, networks)
        network.source_digest = digest
        db.session.add(network)
    institutions = {
        i.slug: i
        for i in db.session.scalars(
            select(Institution).options(
                selectinload(Institution.units),
                selectinload(Institution.memberships).selectinload(NetworkMembership.network),
                selectinload(Institution.partnerships),
            )
        )
    }
    for entry in data.institutions:
        institution, digest = institutions.get(entry.slug), _digest(entry)
        if institution is None:
            institution = Institution()
            db.session.add(institution)
            institutions_report.created.append(entry.slug)
        elif institution.source_digest == digest:
            institutions_report.unchanged.append(entry.slug)
            continue
        else:
            institutions_report.updated.append(entry.slug)
        _fill_institution(institution, entry, networks)
        institution.source_digest = digest
    db.session.flush()
    return networks_report, institutions_report


# --- reading for pages -----------------------------------------------------------------------


def page_of_institutions(page: int, per_page: int) -> tuple[list[Institution], Pagination]:
    """Return one page of the institutions by name, and where it stands among the pages.

    Counted in the database, and only the page's rows read, with only the columns the list
    shows: its length, not the number of institutions, sets what a page costs.
    """
    total = db.session.scalar(select(func.count()).select_from(Institution)) or 0
    pages = Pagination(page=page, per_page=per_page, total=total)
    if total == 0 or pages.past_the_end:
        return [], pages
    rows = db.session.scalars(
        select(Institution)
        .options(
            load_only(Institution.slug, Institution.name, Institution.kind, Institution.country)
        )
        # The id breaks ties between institutions of one name, so that no row falls between
        # two pages.
        .order_by(Institution.name, Institution.id)
        .limit(per_page)
        .offset(pages.offset)
    )
    return list(rows), pages


def get_institution(slug: str, *, outline: bool = False) -> Institution | None:
    """Return one institution with its units, memberships (and networks) and partners; with
    `outline`, its row alone (enough to decide who may see a page answered from the store)."""
    if not is_slug(slug):  # no institution has it; PostgreSQL would refuse a NUL outright
        return None
    query = select(Institution).where(Institution.slug == slug)
    if outline:
        # Kept while the data version stays the same (see app/core/snapshots.py).
        return kept("institution", slug, lambda: db.session.scalar(query))
    return db.session.scalar(
        query.options(
            selectinload(Institution.units),
            selectinload(Institution.memberships)
            .selectinload(NetworkMembership.network)
            .selectinload(Network.parent),
            selectinload(Institution.partnerships),
        )
    )


@dataclass(frozen=True)
class PartnerChoices:
    """The partners an institution's plans can name: its strategic partners and networks."""

    strategic: list[str]
    networks: list[str]

    def all(self) -> list[str]:
        """Return every known partner's name, strategic partners first."""
        return [*self.strategic, *(n for n in self.networks if n not in self.strategic)]


def require_institution(
    slug: str, user: Any, at_least: str, *, missing: str | None = None, outline: bool = False
) -> Institution:
    """Load an institution the user holds the role in: 404 to outsiders, 403 to other members.

    `missing` says what a 404 for an unknown slug explains (the API names the slug);
    `outline` loads the row alone (see get_institution).
    """
    institution = get_institution(slug, outline=outline)
    if institution is None:
        abort(404, description=missing)
    require_role(user, institution, at_least)
    return institution


def partner_choices(institution: Institution) -> PartnerChoices:
    """Return the names an activity's partners and host can be chosen from."""
    return PartnerChoices(
        strategic=sorted(p.partner_name for p in institution.partnerships),
        networks=sorted(m.network.name for m in institution.memberships),
    )


def list_networks() -> list[Network]:
    """Return every network by name, with its parent."""
    return list(
        db.session.scalars(
            select(Network).options(selectinload(Network.parent)).order_by(Network.name)
        )
    )


def apply_profile(
    institution: Institution,
    *,
    name: str,
    country: str,
    kind: str,
    website: str | None,
    description: str,
) -> None:
    """Store what a manager edited of an institution's profile."""
    institution.name, institution.country, institution.kind = name, country, kind
    institution.website, institution.description = website or None, description


def add_unit(institution: Institution, *, name: str, kind: str, description: str) -> Unit | None:
    """Add a unit, or return None when the institution already has one of that name."""
    if any(unit.name.lower() == name.strip().lower() for unit in institution.units):
        return None
    unit = Unit(name=name.strip(), kind=kind, description=description)
    institution.units.append(unit)
    db.session.flush()
    return unit


def add_membership(
    institution: Institution, network: Network, *, role: str, since: Since | None, note: str
) -> NetworkMembership | None:
    """Add a network membership, or return None when the institution already has it."""
    if any(m.network_id == network.id for m in institution.memberships):
        return None
    membership = NetworkMembership(
        network=network,
        role=role,
        since=since.date if since else None,
        since_precision=since.precision if since else "day",
        note=note,
    )
    institution.memberships.append(membership)
    db.session.flush()
    return membership


def find_child(rows: list[Any], row_id: int) -> Any | None:
    """Return the row with this id from one of an institution's lists; None if absent."""
    return next((r for r in rows if r.id == row_id), None)


def remove_child(rows: list[Any], row_id: int) -> Any | None:
    """Remove the row with this id from one of an institution's lists; None if absent."""
    row = find_child(rows, row_id)
    if row is not None:
        rows.remove(row)
    return row


def add_partnership(
    institution: Institution, *, partner_name: str, partner_country: str, priority_areas: list[str]
) -> StrategicPartnership | None:
    """Add a strategic partner, or return None when it is already listed."""
    if any(
        p.partner_name.lower() == partner_name.strip().lower() for p in institution.partnerships
    ):
        return None
    partnership = StrategicPartnership(
        partner_name=partner_name.strip(),
        partner_country=partner_country.strip(),
        priority_areas=priority_areas,
    )
    institution.partnerships.append(partnership)
    db.session.flush()
    return partnership


def get_network(slug: str) -> Network | None:
    """Return one network."""
    if not is_slug(slug):
        return None
    return db.session.scalar(select(Network).where(Network.slug == slug))
