"""The records that feed the plan: an event's figures as computed indicators of its activity.

When an event is linked to a plan activity (Event.activity_id), the activity gets one computed
indicator per source of figures.py (applications, places filled, participants, countries,
partners, networks, satisfaction ...), and their values follow the records: one Measurement
per indicator per event, in the indicator's period of the event's first day, its `basis`
holding the record counts behind it.

Why SQLAlchemy session events rather than signals or a periodic job: the records change in
four packages written apart (applying, withdrawing, decisions and offers, check-in, feedback,
and the jobs that expire offers), and every one of those writes goes through a session
commit. A hook on the commit sees them all, with nothing to remember at each place that
writes, and recomputes in the same transaction, so a figure is never seen out of step with
its records (a job would leave a window; a page view would write on a GET). It stays bounded:
a commit that touched no event's records costs nothing; one that did recomputes the
activities of the events it touched, in a fixed number of aggregate queries per event (a
bulk UPDATE or DELETE of counted rows, which no flush shows row by row, recomputes every
activity that has computed indicators).
Concurrent commits of one event recompute one after the other (an advisory lock per activity
on PostgreSQL; SQLite writes one transaction at a time anyway), so the later one counts the
earlier one's records.

Past events keep their figures: each event's value stays at its own date in its own plan,
and once an applicant's data has been erased after the event (the aggregates stay), the
event's figures are no longer recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import has_app_context
from sqlalchemy import event as orm_event
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from app.applications.models import Application, ApplicationStatus, PlaceStatus
from app.core.extensions import db, flushed_rows
from app.events.models import Event, EventStatus, Track
from app.indicators import computed
from app.indicators.measurements import approvals_of, lock_for
from app.indicators.models import Indicator, Measurement
from app.indicators.services import add_computed_indicators, computed_indicators
from app.institutions.models import Institution, Network, NetworkMembership, StrategicPartnership
from app.participation.figures import CENT, PREFIX, SOURCES, Records
from app.participation.models import Attendance, Feedback
from app.planner.models import Activity

log = logging.getLogger(__name__)


def _key(text: str) -> str:
    """Compare names as people write them: without case and surrounding spaces."""
    return " ".join(text.split()).casefold()


# --- counting the records -----------------------------------------------------------------------


def _network_keys(
    names: Iterable[str], networks: dict[str, str], memberships: Iterable[str]
) -> set[str]:
    """Return the networks of one participant: named by them (a known network's name or slug
    counts as that network) and those of their home institution, as comparable keys."""
    keys = {networks.get(_key(n), _key(n)) for n in names if isinstance(n, str) and n.strip()}
    return keys | set(memberships)


def count_records(event_ids: list[int], host_id: int) -> Records:
    """Count the records of some events of one host, in a fixed number of queries."""
    if not event_ids:
        return Records()
    submitted = Application.status == ApplicationStatus.SUBMITTED
    by_status = dict(
        db.session.execute(
            select(Application.status, func.count())
            .where(Application.event_id.in_(event_ids))
            .group_by(Application.status)
        ).all()
    )
    tracks = db.session.execute(
        select(Track.id, Track.title, Track.capacity)
        .where(Track.event_id.in_(event_ids))
        .order_by(Track.event_id, Track.position, Track.id)
    ).all()
    by_track = dict(
        db.session.execute(
            select(Application.track_id, func.count())
            .where(Application.event_id.in_(event_ids), submitted)
            .group_by(Application.track_id)
        ).all()
    )
    per_track: dict[str, int] = {}
    for track_id, title, _capacity in tracks:
        per_track[title] = per_track.get(title, 0) + int(by_track.get(track_id, 0))
    participants = db.session.execute(
        select(
            Application.country,
            Application.home_institution_id,
            Application.institution_name,
            Application.networks,
        ).where(
            Application.event_id.in_(event_ids),
            submitted,
            Application.place == PlaceStatus.CONFIRMED,
        )
    ).all()
    homes = {row.home_institution_id for row in participants if row.home_institution_id}
    home_names = (
        dict(
            db.session.execute(
                select(Institution.id, Institution.name).where(Institution.id.in_(homes))
            ).all()
        )
        if homes
        else {}
    )
    home_networks: dict[int, set[str]] = {}
    if homes:
        for institution_id, slug in db.session.execute(
            select(NetworkMembership.institution_id, Network.slug)
            .join(Network, Network.id == NetworkMembership.network_id)
            .where(NetworkMembership.institution_id.in_(homes))
        ):
            home_networks.setdefault(institution_id, set()).add(slug)
    known_networks: dict[str, str] = {}
    for slug, name in db.session.execute(select(Network.slug, Network.name)):
        known_networks[_key(slug)] = slug
        known_networks[_key(name)] = slug
    partner_names = {
        _key(name)
        for name in db.session.scalars(
            select(StrategicPartnership.partner_name).where(
                StrategicPartnership.institution_id == host_id
            )
        )
    }
    countries: set[str] = set()
    partners: set[str] = set()
    from_partners = 0
    networks: set[str] = set()
    for row in participants:
        if row.country:
            countries.add(row.country.upper())
        home = home_names.get(row.home_institution_id) or row.institution_name or ""
        if _key(home) in partner_names:
            partners.add(_key(home))
            from_partners += 1
        networks |= _network_keys(
            row.networks or [], known_networks, home_networks.get(row.home_institution_id, ())
        )
    attended = db.session.scalar(
        select(func.count(func.distinct(Attendance.application_id)))
        .join(Application, Application.id == Attendance.application_id)
        .where(Application.event_id.in_(event_ids))
    )
    responses, overall_total = db.session.execute(
        select(func.count(Feedback.id), func.coalesce(func.sum(Feedback.overall), 0))
        .join(Application, Application.id == Feedback.application_id)
        .where(Application.event_id.in_(event_ids))
    ).one()
    return Records(
        applications=int(by_status.get(ApplicationStatus.SUBMITTED, 0)),
        withdrawn=int(by_status.get(ApplicationStatus.WITHDRAWN, 0)),
        per_track=per_track,
        tracks=len(tracks),
        places=sum(int(capacity) for _id, _title, capacity in tracks),
        participants=len(participants),
        attended=int(attended or 0),
        countries=len(countries),
        partners=len(partners),
        from_partners=from_partners,
        networks=len(networks),
        responses=int(responses),
        overall_total=int(overall_total),
    )


# --- an institution's past events, as its public page shows them ------------------------------

# The institution page shows the figures of at most this many past events (a few queries each).
PAST_SHOWN = 10


@dataclass(frozen=True)
class PastEvent:
    """A past event of an institution with the counts of its records."""

    event: Event
    records: Records

    @property
    def satisfaction(self) -> Decimal | None:
        """Return the mean overall rating of the feedback, 1 to 5 (None without any)."""
        if not self.records.responses:
            return None
        mean = Decimal(self.records.overall_total) / self.records.responses
        return mean.quantize(CENT, ROUND_HALF_UP)


def past_events(institution: Institution, today: date) -> list[PastEvent]:
    """Return an institution's published events that have ended, the latest first, each with
    the counts of its records (the figures the plan's indicators are computed from)."""
    events = db.session.scalars(
        select(Event)
        .where(
            Event.institution_id == institution.id,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_on < today,
        )
        .order_by(Event.ends_on.desc(), Event.id.desc())
        .limit(PAST_SHOWN)
    )
    return [PastEvent(event, count_records([event.id], institution.id)) for event in events]


# --- the activity's indicators and their values -------------------------------------------------


def add_event_indicators(activity: Activity) -> list[Indicator]:
    """Give an activity the computed indicators of its events that it lacks; return them."""
    have = {i.source for i in computed_indicators(activity.id, PREFIX)}
    added = add_computed_indicators(activity.plan, SOURCES, have, activity.id)
    if added:
        log.info("%s computed indicators added to activity %s", len(added), activity.id)
    return added


def _frozen(event_ids: list[int]) -> set[int]:
    """Return the events whose figures stay as they are: an applicant's data was erased."""
    if not event_ids:
        return set()
    return set(
        db.session.scalars(
            select(Application.event_id)
            .where(Application.event_id.in_(event_ids), Application.erased_at.is_not(None))
            .distinct()
        )
    )


# The first key of the transaction locks that serialise recomputations (any number of ours).
LOCK_SPACE = 1414


def _one_at_a_time(activity_id: int) -> None:
    """Recompute an activity's figures one transaction at a time: on PostgreSQL a later commit
    waits here, then counts the records the earlier one committed (SQLite writes one
    transaction at a time anyway). An advisory lock, not a row lock: it waits only for another
    recomputation, never for a page that edits the event or a track."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": activity_id},
        )


def refresh_activity(activity_id: int) -> int:
    """Recompute the computed indicators of an activity from its events' records; return how
    many values were written or removed. Approved (locked) periods are left as approved."""
    indicators = [i for i in computed_indicators(activity_id, PREFIX) if computed.source_of(i)]
    if not indicators:
        return 0
    _one_at_a_time(activity_id)
    events = list(
        db.session.scalars(
            select(Event)
            .where(Event.activity_id == activity_id, Event.status == EventStatus.PUBLISHED)
            .order_by(Event.id)
        )
    )
    frozen = _frozen([e.id for e in events])
    approvals = approvals_of(indicators[0].plan)
    existing = {
        (m.indicator_id, m.period_key): m
        for m in db.session.scalars(
            select(Measurement)
            .where(Measurement.indicator_id.in_([i.id for i in indicators]))
            .execution_options(populate_existing=True)
        )
    }
    counted: dict[tuple[int, ...], Records] = {}
    changed = 0
    for indicator in indicators:
        source = computed.source_of(indicator)
        if source is None:
            continue  # filtered above
        groups: dict[str, tuple[Any, list[Event]]] = {}
        for found in events:
            period = computed.period_for(indicator, found.starts_on, found.ends_on)
            groups.setdefault(period.key, (period, []))[1].append(found)
        for key, (period, group) in groups.items():
            ids = tuple(e.id for e in group)
            if lock_for(approvals, period.end):
                continue
            if frozen & set(ids) and (indicator.id, key) in existing:
                continue  # counted before the erasure: the figure stays as it was
            if ids not in counted:
                counted[ids] = count_records(list(ids), group[0].institution_id)
            value, basis = source.compute(counted[ids])
            changed += computed.write_value(
                indicator,
                period,
                existing.get((indicator.id, key)),
                value,
                {**basis, "events": list(ids)},
            )
        for (indicator_id, key), measurement in existing.items():
            if indicator_id != indicator.id or key in groups:
                continue
            kept = frozen & set((measurement.basis or {}).get("events", []))
            if kept or lock_for(approvals, measurement.period_end):
                continue
            db.session.delete(measurement)  # its event moved, was unlinked or called off
            changed += 1
    db.session.flush()
    return changed


# --- following the records: the session's commit hook ----------------------------------------

EVENTS, APPLICATIONS, ACTIVITIES, LINKED = (
    "records.events",
    "records.applications",
    "records.activities",
    "records.linked",
)


def _noted(session: Session, name: str) -> set[int]:
    return session.info.setdefault(name, set())  # type: ignore[no-any-return]


@orm_event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    """Note the events, applications and activities whose records a flush changed."""
    for row, is_new, _deleted in flushed_rows(session):
        if isinstance(row, Application | Track):
            _noted(session, EVENTS).add(row.event_id)
        elif isinstance(row, Attendance | Feedback):
            _noted(session, APPLICATIONS).add(row.application_id)
        elif isinstance(row, Event):
            _note_event(session, row, is_new)
        elif isinstance(row, Indicator) and row.source and row.activity_id:
            _noted(session, ACTIVITIES).add(row.activity_id)


@orm_event.listens_for(Event.activity_id, "set", active_history=True)
def _load_the_old_activity(_row: Event, value: Any, _old: Any, _initiator: Any) -> Any:
    """Load an event's activity before it changes, so the one it leaves is known (history)."""
    return value


def _note_event(session: Session, row: Event, is_new: bool) -> None:
    """Note an event's activity, and the one it was linked to before if that changed."""
    history = inspect(row).attrs.activity_id.history
    before = [a for a in history.deleted if a]
    if row.activity_id:
        _noted(session, ACTIVITIES).add(row.activity_id)
        if is_new or before or history.added:
            _noted(session, LINKED).add(row.activity_id)
    _noted(session, ACTIVITIES).update(before)


# The tables whose rows the figures count: a bulk UPDATE or DELETE of them (one that goes
# past the flush, so that no row of it is seen) recomputes every computed activity.
COUNTED = frozenset({"applications", "attendances", "feedback", "tracks", "events"})
EVERYTHING = "records.everything"


@orm_event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: Any) -> None:
    """Note a bulk change of counted rows, whose rows no flush shows.

    A statement that changes no counted figure says so with the execution option
    `changes_no_figures=True` (the bump of a track's seats_version that serialises its
    places): otherwise each confirmation would recompute every computed activity there is.
    """
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get("changes_no_figures"):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in COUNTED:
        state.session.info[EVERYTHING] = True


def computed_activities() -> set[int]:
    """Return every activity that has computed indicators of events."""
    return set(
        db.session.scalars(
            select(Indicator.activity_id)
            .where(Indicator.source.like(PREFIX + "%"), Indicator.activity_id.is_not(None))
            .distinct()
        )
    )


def _forget(session: Session) -> None:
    for name in (EVENTS, APPLICATIONS, ACTIVITIES, LINKED, EVERYTHING):
        session.info.pop(name, None)


@orm_event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    """Bring the computed indicators of the events a transaction touched up to date in it."""
    if not has_app_context() or session is not db.session():
        return
    for _round in range(3):  # the indicators added on a link are recomputed in the next round
        session.flush()
        events = _noted(session, EVENTS)
        applications = _noted(session, APPLICATIONS)
        activities = set(_noted(session, ACTIVITIES))
        linked = set(_noted(session, LINKED))
        everything = session.info.get(EVERYTHING, False)
        _forget(session)
        if not (events or applications or activities or linked or everything):
            return
        if everything:
            activities |= computed_activities()
        if applications:
            events |= set(
                db.session.scalars(
                    select(Application.event_id).where(Application.id.in_(applications))
                )
            )
        if events:
            activities |= set(
                db.session.scalars(
                    select(Event.activity_id).where(
                        Event.id.in_(events), Event.activity_id.is_not(None)
                    )
                )
            )
        for activity_id in sorted(linked):
            activity = db.session.get(Activity, activity_id)
            if activity is not None:
                add_event_indicators(activity)
        session.flush()
        _forget(session)  # the indicators just added are recomputed right below
        for activity_id in sorted(activities | linked):
            refresh_activity(activity_id)


@orm_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    """A rolled-back transaction changed no records."""
    _forget(session)
