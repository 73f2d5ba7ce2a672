"""Reads and writes of series: who hosts next, the next edition, the figures of every edition,
and what a member institution's plan shows of its series."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.extensions import db, utcnow
from app.events.models import Event
from app.events.planning import copy_event
from app.institutions.models import Institution
from app.participation.figures import Records
from app.participation.records import count_records
from app.permissions import can_organise, require_series
from app.series.models import CADENCE_MONTHS, Cadence, Series, SeriesMember, SeriesTrack


class NoHost(LookupError):
    """A decentralised edition of a series whose rotation is empty: a programmer's error,
    never shown (the page checks for a host first)."""


# What an edition's event takes from the series' call template, as it is.
TEMPLATE_FIELDS = ("timezone", "format", "description", "audience", "contact_email", "languages")


def get_series(series_id: int, user: object, *, coordinate: bool = False) -> Series:
    """Load a series with its members and tracks, for a user who may see it (404 to anyone
    else), or who coordinates it when asked (403 to the other members)."""
    series = db.session.scalar(
        select(Series)
        .where(Series.id == series_id)
        .options(
            selectinload(Series.members).selectinload(SeriesMember.institution),
            selectinload(Series.tracks),
        )
    )
    if series is None:
        abort(404, description=_("There is no series %(id)s.", id=series_id))
    require_series(user, institutions(series), series.coordinator, coordinate=coordinate)
    return series


def institutions(series: Series) -> list[Institution]:
    """Return the institutions a series concerns: its coordinator and every member (also
    those who left, whose past editions stay theirs)."""
    return [series.coordinator, *(member.institution for member in series.members)]


def series_of(institution: Institution) -> list[Series]:
    """Return the series an institution coordinates or is a member of, by name."""
    member_of = select(SeriesMember.series_id).where(SeriesMember.institution_id == institution.id)
    return list(
        db.session.scalars(
            select(Series)
            .where(or_(Series.coordinator_id == institution.id, Series.id.in_(member_of)))
            .options(selectinload(Series.coordinator))
            .order_by(Series.name, Series.id)
        )
    )


def create_series(coordinator: Institution, **fields: object) -> Series:
    """Start a series coordinated by an institution, which is its first member."""
    series = Series(coordinator=coordinator, **fields)
    series.members.append(SeriesMember(institution=coordinator, position=0))
    db.session.add(series)
    db.session.flush()
    return series


def add_member(series: Series, institution: Institution) -> SeriesMember:
    """Add an institution at the end of the rotation; one who had left comes back there."""
    last = max((member.position for member in series.members), default=-1)
    found = next((m for m in series.members if m.institution_id == institution.id), None)
    if found is None:
        found = SeriesMember(institution=institution, position=last + 1)
        series.members.append(found)
    elif found.left_at is not None:
        found.left_at = None
        found.position = last + 1
    db.session.flush()
    return found


def leave(member: SeriesMember) -> None:
    """Take a member out of the rotation: it keeps its place and its past editions."""
    member.left_at = member.left_at or utcnow()
    db.session.flush()


def move_member(series: Series, member: SeriesMember, direction: str) -> None:
    """Swap a member with the neighbour above or below it in the rotation."""
    order = list(series.members)
    index = order.index(member)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    for position, row in enumerate(order):
        row.position = position
    db.session.flush()


def add_track(series: Series, **fields: object) -> SeriesTrack:
    """Add a shared track at the end of the series' tracks."""
    track = SeriesTrack(position=len(series.tracks), **fields)
    series.tracks.append(track)
    db.session.flush()
    return track


def _last_rotating_host(series: Series) -> int | None:
    """Return the institution that hosted the series' latest decentralised edition."""
    return db.session.scalar(
        select(Event.institution_id)
        .where(Event.series_id == series.id, Event.centralised.is_(False))
        .order_by(Event.starts_on.desc(), Event.id.desc())
        .limit(1)
    )


def next_host(series: Series) -> Institution | None:
    """Return whose turn it is to host a decentralised edition: the next member in the
    rotation after the host of the latest one, skipping members who left, from the first
    again after the last; the first member if none has hosted yet. None without members."""
    rotation = series.rotation
    if not rotation:
        return None
    last = _last_rotating_host(series)
    previous = next((m for m in series.members if m.institution_id == last), None)
    if previous is None:
        return rotation[0].institution
    later = [m for m in rotation if (m.position, m.id) > (previous.position, previous.id)]
    return (later or rotation)[0].institution


def host_of(series: Series, centralised: bool) -> Institution | None:
    """Return who hosts an edition: the coordinator when centralised, else the next host."""
    return series.coordinator if centralised else next_host(series)


def proposed_dates(series: Series, today: date) -> tuple[date, date]:
    """Propose the next edition's days: the cadence after the latest edition (as long as
    it was), or the cadence from today for the first one."""
    latest = db.session.execute(
        select(Event.starts_on, Event.ends_on)
        .where(Event.series_id == series.id)
        .order_by(Event.starts_on.desc(), Event.id.desc())
        .limit(1)
    ).first()
    months = CADENCE_MONTHS[Cadence(series.cadence)]
    if latest is None:
        start = today + relativedelta(months=months)
        return start, start + timedelta(days=1)
    start = latest.starts_on + relativedelta(months=months)
    return start, start + (latest.ends_on - latest.starts_on)


def create_edition(
    series: Series,
    *,
    centralised: bool,
    title: str,
    starts_on: date,
    ends_on: date,
    by: User | None,
) -> Event:
    """Create the next edition as a draft event of its host: the call template's fields and
    the shared tracks copied, held at the central place or at the host."""
    host = host_of(series, centralised)
    if host is None:
        raise NoHost(series.id)
    event = copy_event(
        series,
        series.tracks,
        fields=TEMPLATE_FIELDS,
        institution_id=host.id,
        series_id=series.id,
        centralised=centralised,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        place=series.central_place if centralised else host.name,
        created_by=by,
    )
    db.session.flush()
    return event


# --- the figures of every edition ----------------------------------------------------------------


@dataclass(frozen=True)
class EditionFigures:
    """One edition's figures, as the participation records count them."""

    event: Event
    records: Records

    @property
    def satisfaction(self) -> Decimal | None:
        """Return the mean overall rating of the feedback, None without responses."""
        r = self.records
        if not r.responses:
            return None
        return (Decimal(r.overall_total) / r.responses).quantize(Decimal("0.01"))


def editions_with_figures(series: Series) -> list[EditionFigures]:
    """Return every edition of a series with its figures, first to last (a fixed number of
    queries per edition: the series runs a few a year)."""
    editions = db.session.scalars(
        select(Event)
        .where(Event.series_id == series.id)
        .options(selectinload(Event.institution))
        .order_by(Event.starts_on, Event.id)
    ).all()
    return [EditionFigures(e, count_records([e.id], e.institution_id)) for e in editions]


# --- a member's plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionInPlan:
    """An edition of a series as a member's plan shows it, with the member's role in it."""

    event: Event
    organiser: bool  # the member hosts it; otherwise it sends staff


@dataclass(frozen=True)
class SeriesInPlan:
    """A series of a member institution with its editions within a plan's period."""

    series: Series
    editions: list[EditionInPlan]


def series_in_plan(institution: Institution, start: date, end: date) -> list[SeriesInPlan]:
    """Return the institution's series, each with its editions from start to end and the
    institution's role in each: organiser where it hosts, sender elsewhere (two queries)."""
    found = series_of(institution)
    if not found:
        return []
    events = db.session.scalars(
        select(Event)
        .where(
            Event.series_id.in_([s.id for s in found]),
            Event.starts_on <= end,
            Event.ends_on >= start,
        )
        .options(selectinload(Event.institution))
        .order_by(Event.starts_on, Event.id)
    ).all()
    return [
        SeriesInPlan(
            series,
            [
                EditionInPlan(event, event.institution_id == institution.id)
                for event in events
                if event.series_id == series.id
            ],
        )
        for series in found
    ]


def may_coordinate(user: object, series: Series) -> bool:
    """Tell whether a user coordinates a series (pages offer the coordinator's actions)."""
    return can_organise(user, series.coordinator)


def choosable_institutions(exclude: Iterable[int]) -> list[Institution]:
    """Return the institutions that may be added as members, by name."""
    return list(
        db.session.scalars(
            select(Institution)
            .where(Institution.id.not_in(list(exclude)))
            .order_by(Institution.name, Institution.id)
        )
    )
