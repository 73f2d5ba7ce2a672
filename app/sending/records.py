"""The figures a sending activity receives from the host's records, with consent.

A sending (app/sending/models.py) links an activity of the sending institution's plan to the
host's event. The activity gets three computed indicators (`sending.*`), whose values count
only the applications of that event whose applicant named the sending institution as their
home institution and consented (Application.plan_consent) that its plan counts them:

- staff sent: accepted applicants (the decision sent, not withdrawn, the place not given
  back or lapsed);
- days abroad: the days they were marked present;
- events attended: the events at which at least one of them was marked present.

The values follow the records as those of app/participation do: a session hook notes the
applications, attendances, events and sendings a flush touched, and before the commit the
activities of the sendings concerned are recomputed in the same transaction (so a figure is
never seen out of step with its records). Each value sits in the indicator's period of the
event's first day; an approved (locked) period keeps its value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import has_app_context
from flask_babel import ngettext
from sqlalchemy import event as orm_event
from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from app.applications.models import Application, ApplicationStatus, Decision, PlaceStatus
from app.core.extensions import db, flushed_rows
from app.core.i18n import lazy_gettext as _l
from app.events.models import Event, EventStatus
from app.indicators import computed
from app.indicators.computed import Figure, Source
from app.indicators.measurements import approvals_of, lock_for
from app.indicators.models import Indicator, Measurement
from app.indicators.services import add_computed_indicators, computed_indicators
from app.participation.models import Attendance
from app.planner.models import Activity
from app.sending.models import Sending

log = logging.getLogger(__name__)

PREFIX = "sending."


@dataclass(frozen=True)
class StaffRecords:
    """What the host's records say of one sending institution's consenting staff."""

    sent: int = 0  # accepted
    days: int = 0  # days marked present
    events: int = 0  # events at which one of them was present


def _words(basis: Mapping[str, Any]) -> str:
    parts = []
    if "sent" in basis:
        parts.append(
            ngettext(
                "%(num)d person accepted who agreed to be counted",
                "%(num)d people accepted who agreed to be counted",
                int(basis["sent"]),
            )
        )
    if "days" in basis:
        parts.append(ngettext("%(num)d day attended", "%(num)d days attended", int(basis["days"])))
    if "attended_events" in basis:
        parts.append(
            ngettext(
                "%(num)d event attended",
                "%(num)d events attended",
                int(basis["attended_events"]),
            )
        )
    return "; ".join(parts)


def _staff_sent(r: StaffRecords) -> Figure:
    return Decimal(r.sent), {"sent": r.sent}


def _days_abroad(r: StaffRecords) -> Figure:
    return Decimal(r.days), {"days": r.days, "sent": r.sent}


def _events_attended(r: StaffRecords) -> Figure:
    return Decimal(r.events), {"attended_events": r.events}


SOURCES = [
    computed.register(
        Source(
            PREFIX + "staff_sent",
            _l("Staff sent"),
            _l(
                "Your staff accepted to the event by its host, counted only for those who "
                "agreed that your plan counts them."
            ),
            "count",
            "sum",
            _staff_sent,
            _words,
        )
    ),
    computed.register(
        Source(
            PREFIX + "days_abroad",
            _l("Days abroad"),
            _l(
                "The days your staff were marked present at the event by its host (only "
                "those who agreed to be counted)."
            ),
            "count",
            "sum",
            _days_abroad,
            _words,
        )
    ),
    computed.register(
        Source(
            PREFIX + "events_attended",
            _l("Events attended"),
            _l(
                "The events at which at least one of your staff who agreed to be counted was "
                "marked present."
            ),
            "count",
            "sum",
            _events_attended,
            _words,
        )
    ),
]


# --- counting -----------------------------------------------------------------------------------


def counted_applications(event_ids: list[int], institution_id: int) -> Any:
    """Return the condition of the applications a sending institution may count: to those
    events, from that home institution, with consent, accepted and told so, still standing.
    An erased application still counts: erasure keeps what the figures count (the home
    institution, the decision, the place, the consent) and blanks only the person."""
    return (
        Application.event_id.in_(event_ids),
        Application.home_institution_id == institution_id,
        Application.plan_consent.is_(True),
        Application.status == ApplicationStatus.SUBMITTED,
        Application.decision == Decision.ACCEPTED,
        Application.decision_sent_at.is_not(None),
        or_(
            Application.place.is_(None),
            Application.place.in_([PlaceStatus.OFFERED, PlaceStatus.CONFIRMED]),
        ),
    )


def count_staff(event_ids: list[int], institution_id: int) -> StaffRecords:
    """Count a sending institution's consenting staff at some events, in two queries."""
    if not event_ids:
        return StaffRecords()
    where = counted_applications(event_ids, institution_id)
    sent = db.session.scalar(select(func.count(Application.id)).where(*where)) or 0
    days, events = db.session.execute(
        select(
            func.count(func.distinct(Attendance.id)),
            func.count(func.distinct(Application.event_id)),
        )
        .join(Application, Application.id == Attendance.application_id)
        .where(*where)
    ).one()
    return StaffRecords(sent=int(sent), days=int(days or 0), events=int(events or 0))


# --- the activity's indicators and their values -------------------------------------------------


def add_sending_indicators(activity: Activity) -> list[Indicator]:
    """Give a sending activity the computed indicators it lacks; return them."""
    have = {i.source for i in computed_indicators(activity.id, PREFIX)}
    return add_computed_indicators(activity.plan, SOURCES, have, activity.id)


# Transaction locks that serialise the recomputations of one activity (see participation).
LOCK_SPACE = 1415


def refresh_sending(sending: Sending) -> int:
    """Recompute a sending activity's figures from the host's records; return how many values
    were written or removed. Approved periods keep their values."""
    indicators = [
        i for i in computed_indicators(sending.activity_id, PREFIX) if computed.source_of(i)
    ]
    if not indicators:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": sending.activity_id},
        )
    event = db.session.get(Event, sending.event_id)
    approvals = approvals_of(indicators[0].plan)
    existing = {
        (m.indicator_id, m.period_key): m
        for m in db.session.scalars(
            select(Measurement)
            .where(Measurement.indicator_id.in_([i.id for i in indicators]))
            .execution_options(populate_existing=True)
        )
    }
    records = None
    if event is not None and event.status == EventStatus.PUBLISHED:
        records = count_staff([event.id], sending.plan.institution_id)
    changed = 0
    for indicator in indicators:
        source = computed.source_of(indicator)
        if source is None:
            continue
        period = None
        if records is not None and event is not None:
            period = computed.period_for(indicator, event.starts_on, event.ends_on)
            if not lock_for(approvals, period.end):
                value, basis = source.compute(records)
                changed += computed.write_value(
                    indicator,
                    period,
                    existing.get((indicator.id, period.key)),
                    value,
                    {**basis, "events": [event.id]},
                )
        for (indicator_id, key), measurement in existing.items():
            if indicator_id != indicator.id or (period is not None and key == period.key):
                continue
            if lock_for(approvals, measurement.period_end):
                continue
            db.session.delete(measurement)  # the event moved or was called off
            changed += 1
    db.session.flush()
    return changed


# --- following the records ------------------------------------------------------------------

EVENTS, APPLICATIONS, SENDINGS, EVERYTHING = (
    "sending.events",
    "sending.applications",
    "sending.sendings",
    "sending.everything",
)
COUNTED = frozenset({"applications", "attendances", "events", "sendings"})


def _noted(session: Session, name: str) -> set[int]:
    return session.info.setdefault(name, set())  # type: ignore[no-any-return]


def _forget(session: Session) -> None:
    for name in (EVENTS, APPLICATIONS, SENDINGS, EVERYTHING):
        session.info.pop(name, None)


@orm_event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    """Note the events, applications and sendings whose figures a flush may have changed."""
    for row, _new, deleted in flushed_rows(session):
        if isinstance(row, Application):
            _noted(session, EVENTS).add(row.event_id)
        elif isinstance(row, Attendance):
            _noted(session, APPLICATIONS).add(row.application_id)
        elif isinstance(row, Event):
            _noted(session, EVENTS).add(row.id)
        elif isinstance(row, Sending) and not deleted:
            _noted(session, SENDINGS).add(row.id)


@orm_event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: Any) -> None:
    """A bulk change of counted rows, which no flush shows, recomputes every sending."""
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get("changes_no_figures"):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in COUNTED:
        state.session.info[EVERYTHING] = True


@orm_event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    """Bring the sending activities' figures up to date with the records, in the transaction."""
    if not has_app_context() or session is not db.session():
        return
    for _round in range(2):
        session.flush()
        events = set(_noted(session, EVENTS))
        applications = set(_noted(session, APPLICATIONS))
        sendings = set(_noted(session, SENDINGS))
        everything = session.info.get(EVERYTHING, False)
        _forget(session)
        if not (events or applications or sendings or everything):
            return
        if applications:
            events |= set(
                db.session.scalars(
                    select(Application.event_id).where(Application.id.in_(applications))
                )
            )
        query = select(Sending)
        if not everything:
            query = query.where(or_(Sending.event_id.in_(events), Sending.id.in_(sendings)))
        found = list(db.session.scalars(query.order_by(Sending.id)))
        if not found:
            return
        for sending in found:
            if sending.id in sendings:
                add_sending_indicators(sending.activity)
        session.flush()
        for sending in found:
            refresh_sending(sending)
        session.flush()
        _forget(session)  # our own writes touched no counted record


@orm_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    _forget(session)
