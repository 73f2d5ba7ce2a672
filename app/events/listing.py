"""Reads of the public listing of calls (/events) and of its feeds: the filters a reader
chooses, checked once here, and the query they make; the ties between a reader's
institutions and an event's host; an institution's upcoming calls.

Functions return rows or Select objects and never write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, String, case, cast, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.validation import is_slug, single_line_problem
from app.core.vocabularies import vocabularies
from app.events.models import TOPIC_MAX, YEARS_AROUND, Event, EventStatus, Track
from app.institutions.models import (
    Institution,
    Network,
    NetworkMembership,
    StrategicPartnership,
)
from app.planner.models import Activity, Format
from app.practices.models import PracticeTerm

# A page of the listing holds this many calls unless the reader asks for another of these.
PER_PAGE = 20
PER_PAGE_CHOICES = (10, 20, 50)
PAGE_MAX = 1_000
# "Closing this week": the window closes within this many days from now.
CLOSING_DAYS = 7
# A feed carries at most this many calls, the newest first.
FEED_MAX = 50
# The institution page lists at most this many upcoming calls.
UPCOMING_MAX = 20
STATES = ("open", "soon", "closing", "closed")
SORTS = ("closing", "starting", "newest")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
DIGITS = re.compile(r"^[0-9]{1,6}$")
# The filters that choose calls (the page and its size only show them): the feeds carry these.
FILTERS = (
    "topic",
    "category",
    "target_group",
    "country",
    "network",
    "institution",
    "start",
    "end",
    "state",
    "format",
    "language",
    "sort",
)


@dataclass
class Filters:
    """What a reader chose on the listing's form, checked; `problems` says what was refused,
    by field, and a refused value is left out of the query."""

    topic: str = ""
    category: str = ""
    target_group: str = ""
    country: str = ""
    network: str = ""
    institution: str = ""
    start: date | None = None
    end: date | None = None
    state: str = ""
    format: str = ""
    language: str = ""
    sort: str = "closing"
    page: int = 1
    per_page: int = PER_PAGE
    problems: dict[str, str] = field(default_factory=dict)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Return the chosen filters as query arguments (empty ones left out), changed."""
        values: dict[str, Any] = {}
        for name in FILTERS:
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            if value and not (name == "sort" and value == "closing"):
                values[name] = value
        if self.per_page != PER_PAGE:
            values["per_page"] = self.per_page
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "")}

    @property
    def chosen(self) -> bool:
        """Tell whether any filter narrows the list."""
        return any(getattr(self, name) for name in FILTERS if name != "sort")


def _text(args: Mapping[str, str], name: str, problems: dict[str, str]) -> str:
    value = " ".join((args.get(name) or "").split())
    # NUL and other control characters: PostgreSQL refuses them, and no topic has them.
    problem = single_line_problem(value)
    if problem:
        problems[name] = problem
        return ""
    if len(value) > TOPIC_MAX:
        problems[name] = _("Write at most %(max)d characters.", max=TOPIC_MAX)
        return ""
    return value


def _date(args: Mapping[str, str], name: str, today: date, problems: dict[str, str]) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        problems[name] = _("Give a date as YYYY-MM-DD, such as 2026-05-06.")
        return None
    if abs(value.year - today.year) > YEARS_AROUND:
        problems[name] = _("Give a date at most %(years)d years from today.", years=YEARS_AROUND)
        return None
    return value


def _number(raw: str | None, default: int) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return default
    return int(raw) if DIGITS.match(raw) else None


def countries() -> list[str]:
    """Return the countries of institutions that host published calls, by name."""
    return list(
        db.session.scalars(
            select(Institution.country)
            .join(Event, Event.institution_id == Institution.id)
            .where(Event.status == EventStatus.PUBLISHED)
            .distinct()
            .order_by(Institution.country)
        )
    )


def networks() -> list[Network]:
    """Return the networks a reader may choose, by name."""
    return list(db.session.scalars(select(Network).order_by(Network.name)))


def languages() -> list[str]:
    """Return the working languages of the published calls (ISO 639-1 codes), sorted."""
    found: set[str] = set()
    for codes in db.session.scalars(
        select(Event.languages).where(Event.status == EventStatus.PUBLISHED)
    ):
        found.update(code for code in codes or [] if isinstance(code, str))
    return sorted(found)


def parse_filters(args: Mapping[str, str], today: date) -> Filters:
    """Read the listing's query arguments; every refused value is named in `problems`."""
    problems: dict[str, str] = {}
    found = Filters(problems=problems)
    found.topic = _text(args, "topic", problems)
    found.target_group = _text(args, "target_group", problems)
    category = (args.get("category") or "").strip()
    if category and category not in vocabularies().keys("categories"):
        problems["category"] = _("Choose one of the categories offered.")
    elif category:
        found.category = category
    country = _text(args, "country", problems)
    if country and country.casefold() not in {c.casefold() for c in countries()}:
        problems["country"] = _("No institution of this country hosts a published call.")
    else:
        found.country = country
    network = (args.get("network") or "").strip()
    if network and (
        not is_slug(network)
        or db.session.scalar(select(Network.id).where(Network.slug == network)) is None
    ):
        problems["network"] = _("Choose one of the networks offered.")
    else:
        found.network = network
    institution = (args.get("institution") or "").strip()
    if institution and not is_slug(institution):
        problems["institution"] = _("Name an institution by its short name, such as uni-a.")
    else:
        found.institution = institution
    found.start = _date(args, "start", today, problems)
    found.end = _date(args, "end", today, problems)
    if found.start and found.end and found.end < found.start:
        problems["end"] = _("The end of the range cannot be before its start.")
        found.end = None
    for name, allowed in (
        ("state", STATES),
        ("format", tuple(Format)),
        ("sort", SORTS),
    ):
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            problems[name] = _("Choose one of the values offered.")
        elif value:
            setattr(found, name, value)
    language = (args.get("language") or "").strip().lower()
    if language and not LANGUAGE_CODE.match(language):
        problems["language"] = _("Choose a language by its two-letter code, such as fi.")
    else:
        found.language = language
    page = _number(args.get("page"), 1)
    if page is None or not 1 <= page <= PAGE_MAX:
        problems["page"] = _("Give a page number from 1 to %(max)d.", max=PAGE_MAX)
    else:
        found.page = page
    per_page = _number(args.get("per_page"), PER_PAGE)
    if per_page not in PER_PAGE_CHOICES:
        problems["per_page"] = _("Choose one of the page sizes offered.")
    else:
        found.per_page = per_page
    return found


def _like(text: str) -> str:
    """Return a LIKE pattern that finds the text anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_json(column: Any, text: str) -> Any:
    """Find text inside a JSON column, as typed and as JSON writes letters outside ASCII."""
    stored = func.lower(cast(column, String))
    written = json.dumps(text.lower())[1:-1]
    return or_(
        stored.like(_like(text.lower()), escape="\\"),
        stored.like(_like(written), escape="\\"),
    )


def calls(filters: Filters, now: datetime) -> Select[Any]:
    """Select the published calls the filters choose, in the chosen order."""
    query = (
        select(Event)
        .join(Institution, Institution.id == Event.institution_id)
        .where(Event.status == EventStatus.PUBLISHED)
    )
    if filters.topic:
        in_tracks = select(Track.event_id).where(_in_json(Track.topics, filters.topic))
        query = query.where(Event.id.in_(in_tracks))
    if filters.category:
        of_sheet = (
            select(Activity.id)
            .join(PracticeTerm, PracticeTerm.practice_id == Activity.practice_id)
            .where(PracticeTerm.vocabulary == "categories", PracticeTerm.key == filters.category)
        )
        query = query.where(Event.activity_id.in_(of_sheet))
    if filters.target_group:
        groups = select(Track.event_id).where(
            func.lower(Track.target_group).like(_like(filters.target_group.lower()), escape="\\")
        )
        query = query.where(Event.id.in_(groups))
    if filters.country:
        query = query.where(func.lower(Institution.country) == filters.country.lower())
    if filters.network:
        members = (
            select(NetworkMembership.institution_id)
            .join(Network, Network.id == NetworkMembership.network_id)
            .where(Network.slug == filters.network)
        )
        query = query.where(Event.institution_id.in_(members))
    if filters.institution:
        query = query.where(Institution.slug == filters.institution)
    # A date range keeps the events that take place, at least partly, within it.
    if filters.start:
        query = query.where(Event.ends_on >= filters.start)
    if filters.end:
        query = query.where(Event.starts_on <= filters.end)
    scheduled = Event.opens_at.is_not(None) & Event.closes_at.is_not(None)
    if filters.state == "open":
        query = query.where(scheduled, Event.opens_at <= now, Event.closes_at > now)
    elif filters.state == "soon":
        query = query.where(scheduled, Event.opens_at > now)
    elif filters.state == "closing":
        query = query.where(
            scheduled,
            Event.opens_at <= now,
            Event.closes_at > now,
            Event.closes_at <= now + timedelta(days=CLOSING_DAYS),
        )
    elif filters.state == "closed":
        query = query.where(scheduled, Event.closes_at <= now)
    if filters.format:
        query = query.where(Event.format == filters.format)
    if filters.language:
        query = query.where(cast(Event.languages, String).like(_like(f'"{filters.language}"')))
    return query.order_by(*_order(filters.sort, now))


def _order(sort: str, now: datetime) -> list[Any]:
    if sort == "starting":
        return [Event.starts_on, Event.id]
    if sort == "newest":
        return [Event.created_at.desc(), Event.id.desc()]
    # By closing date: calls still to close first, the soonest first; then those without a
    # window; then closed ones, the most recently closed first.
    still = Event.closes_at.is_not(None) & (Event.closes_at > now)
    closed = Event.closes_at.is_not(None) & (Event.closes_at <= now)
    return [
        case((still, 0), (Event.closes_at.is_(None), 1), else_=2),
        case((still, Event.closes_at), else_=None).asc().nulls_last(),
        case((closed, Event.closes_at), else_=None).desc().nulls_last(),
        Event.starts_on,
        Event.id,
    ]


def with_rows(query: Select[Any]) -> Select[Any]:
    """Load each call's host and tracks with the calls (a page stays a few queries)."""
    return query.options(selectinload(Event.institution), selectinload(Event.tracks))


@dataclass(frozen=True)
class Page:
    """One page of the listing: its calls, and where it stands among all."""

    events: list[Event]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the calls fill (at least one)."""
        return max(1, -(-self.total // self.per_page))


def page_of(filters: Filters, now: datetime) -> Page:
    """Return the page of calls the filters choose (a page past the last is empty)."""
    query = calls(filters, now)
    total = int(
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    events = list(
        db.session.scalars(
            with_rows(query).limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
        )
    )
    return Page(events=events, total=total, page=filters.page, per_page=filters.per_page)


def feed_calls(filters: Filters, now: datetime) -> list[Event]:
    """Return the newest calls the filters choose, for a feed (at most FEED_MAX)."""
    query = calls(filters, now).order_by(None).order_by(Event.created_at.desc(), Event.id.desc())
    return list(db.session.scalars(with_rows(query).limit(FEED_MAX)))


def upcoming_calls(institution: Institution, today: date) -> list[Event]:
    """Return an institution's published events still to come, the soonest first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.institution_id == institution.id,
                Event.status == EventStatus.PUBLISHED,
                Event.ends_on >= today,
            )
            .order_by(Event.starts_on, Event.id)
            .limit(UPCOMING_MAX)
        )
    )


# --- the ties between a reader's institutions and a host -----------------------------------


@dataclass(frozen=True)
class Ties:
    """How one of the reader's institutions stands to an event's host."""

    institution: Institution
    partner: bool  # either names the other as a strategic partner
    networks: list[str]  # names of the networks both belong to

    @property
    def any(self) -> bool:
        """Tell whether there is a tie at all."""
        return self.partner or bool(self.networks)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def ties(host: Institution, mine: list[Institution]) -> list[Ties]:
    """Return, for each of the reader's institutions other than the host, whether it and the
    host are strategic partners (either lists the other by name) and which networks they share
    (in a fixed number of queries)."""
    others = [institution for institution in mine if institution.id != host.id]
    if not others:
        return []
    ids = [institution.id for institution in others]
    partner_rows = db.session.execute(
        select(StrategicPartnership.institution_id, StrategicPartnership.partner_name).where(
            StrategicPartnership.institution_id.in_([*ids, host.id])
        )
    ).all()
    named: dict[int, set[str]] = {}
    for institution_id, name in partner_rows:
        named.setdefault(institution_id, set()).add(_key(name))
    membership_rows = db.session.execute(
        select(NetworkMembership.institution_id, Network.id, Network.name)
        .join(Network, Network.id == NetworkMembership.network_id)
        .where(NetworkMembership.institution_id.in_([*ids, host.id]))
        .order_by(Network.name)
    ).all()
    host_networks = {network_id for owner, network_id, _n in membership_rows if owner == host.id}
    found = []
    for institution in others:
        partner = _key(host.name) in named.get(institution.id, set()) or _key(
            institution.name
        ) in named.get(host.id, set())
        shared = [
            name
            for owner, network_id, name in membership_rows
            if owner == institution.id and network_id in host_networks
        ]
        found.append(Ties(institution=institution, partner=partner, networks=shared))
    return found
