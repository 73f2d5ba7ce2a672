"""Sending staff to another institution's event: the one-step sending activity, its budget
guidance and the Erasmus+ staff mobility rule on its length, and the staff records a sending
institution may see (its own consenting staff only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.applications.models import Application, ApplicationStatus
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_pgettext
from app.core.vocabularies import vocabularies
from app.events.models import Event, EventStatus, WindowState
from app.participation.models import Attendance
from app.planner.models import Activity, ActivityStatus, Plan, StatusChange
from app.planner.services import adopt_practice, plans_for, require_plan
from app.practices.models import Phase, Practice
from app.sending.models import Sending

# The practice sheet whose delivery phase is the sending kind of activity.
SHEET = "sending-staff-on-job-shadowing"
KINDS = {
    "job_shadowing": lazy_pgettext("sending kind", "Job shadowing"),
    "staff_training": lazy_pgettext("sending kind", "Staff training"),
}
# Erasmus+ staff mobility: an activity lasts from 2 days to 2 months.
MIN_DAYS = 2
MAX_MONTHS = 2


def mobility_days(start: date, end: date) -> int:
    """Return the days of an activity, its first and last day included."""
    return (end - start).days + 1


def mobility_problem(start: date, end: date) -> str | None:
    """Tell how an activity's dates break the Erasmus+ staff mobility rule (2 days to 2
    months): "short", "long", or None when they keep it."""
    if mobility_days(start, end) < MIN_DAYS:
        return "short"
    if end > start + relativedelta(months=MAX_MONTHS):
        return "long"
    return None


def problem_text(problem: str | None) -> str:
    """Say the rule's problem in the reader's language ('' when there is none)."""
    if problem == "short":
        return _(
            "Erasmus+ staff mobility lasts at least 2 days: this event is shorter, so it "
            "cannot be funded as a staff mobility on its own."
        )
    if problem == "long":
        return _(
            "Erasmus+ staff mobility lasts at most 2 months: this event is longer, so only "
            "part of it can be funded as one staff mobility."
        )
    return ""


def sendable_plans(user: Any, event: Event) -> list[Plan]:
    """Return the plans the user plans in that may send staff to the event: those of other
    institutions than the host (a host does not send its staff to its own event)."""
    return [p for p in plans_for(user, "planner") if p.institution_id != event.institution_id]


def sending_of(plan_id: int, event_id: int) -> Sending | None:
    return db.session.scalar(
        select(Sending).where(Sending.plan_id == plan_id, Sending.event_id == event_id)
    )


def sendings_to(event: Event, plans: list[Plan]) -> list[Sending]:
    """Return the sendings of some plans to an event."""
    if not plans:
        return []
    return list(
        db.session.scalars(
            select(Sending)
            .where(Sending.event_id == event.id, Sending.plan_id.in_([p.id for p in plans]))
            .order_by(Sending.id)
        )
    )


def sending_for_activity(activity_id: int) -> Sending | None:
    return db.session.scalar(select(Sending).where(Sending.activity_id == activity_id))


def timing_text(event: Event, now: datetime | None = None) -> str:
    """Say what sending staff to an event means when its call has closed or it is over: the
    sending may still be planned (a past event's records still fill the plan), but nobody new
    can apply."""
    now = now or utcnow()
    last_day_over = event.to_utc(datetime.combine(event.ends_on + timedelta(days=1), time()))
    if now >= last_day_over:
        return _(
            "This event is over. Adding it records in your plan that your staff went: its "
            "figures come from the host's records of those of your staff who took part."
        )
    if event.window_state(now) == WindowState.CLOSED:
        return _(
            "Applications to this call have closed: only your staff who have already applied "
            "can take part and be counted."
        )
    return ""


class OwnEvent(Exception):
    """A plan of the host institution cannot send staff to the host's own event."""


def send_staff(
    plan: Plan, event: Event, *, people: int, kind: str, by: str, language: str
) -> tuple[Sending, bool]:
    """Add to a plan, in one step, the activity that sends staff to another institution's
    event; return the sending and whether it is new. A second send of the same plan to the
    same event returns the first (also when two arrive at once).

    The activity is the delivery phase of the job-shadowing sheet (its checklist and its
    proposed indicators carried over, as adoption does), dated to the event, with the host as
    its partner and host; its computed indicators are added at the commit (records.py).
    """
    if plan.institution_id == event.institution_id:
        raise OwnEvent
    found = sending_of(plan.id, event.id)
    if found is not None:
        return found, False
    practice = db.session.scalar(select(Practice).where(Practice.slug == SHEET))
    host = event.institution.name
    title = _(
        "%(kind)s: %(event)s", kind=KINDS.get(kind, KINDS["job_shadowing"]), event=event.title
    )
    try:
        # One savepoint for the activity and its sending: of two sends at once, the later
        # one leaves nothing behind, not even an activity without its sending.
        with db.session.begin_nested():
            if practice is not None:
                activity = adopt_practice(
                    plan, practice, [Phase.DELIVERY], vocabularies(), by=by, language=language
                )[0]
            else:  # a catalogue without the sheet: the activity still links the event
                activity = Activity(
                    plan=plan,
                    status_changes=[StatusChange(status=ActivityStatus.IDEA, changed_by=by)],
                )
                db.session.add(activity)
            activity.title = title[:200]
            activity.start_date = event.starts_on
            activity.end_date = event.ends_on
            activity.host = host[:200]
            activity.partners = [host]
            activity.format = event.format
            sending = Sending(
                plan=plan, activity=activity, event=event, kind=kind, people=people, created_by=by
            )
            db.session.add(sending)
            db.session.flush()
    except IntegrityError:
        # Another request sent the same plan to the same event first: point to it.
        found = sending_of(plan.id, event.id)
        if found is None:
            raise
        return found, False
    return sending, True


@dataclass(frozen=True)
class Budget:
    """The budget guidance of a sending: what the planner typed, and what it adds up to."""

    people: int
    days: int
    travel: Decimal | None  # per person
    subsistence: Decimal | None  # per person and day
    problem: str | None  # the Erasmus+ length rule: "short", "long" or None

    @property
    def travel_total(self) -> Decimal | None:
        return None if self.travel is None else self.travel * self.people

    @property
    def subsistence_total(self) -> Decimal | None:
        if self.subsistence is None:
            return None
        return self.subsistence * self.people * self.days

    @property
    def total(self) -> Decimal | None:
        """(travel + subsistence * days) * people; None until both amounts are typed."""
        if self.travel_total is None or self.subsistence_total is None:
            return None
        return self.travel_total + self.subsistence_total


def budget(sending: Sending) -> Budget:
    start, end = sending.event.starts_on, sending.event.ends_on
    return Budget(
        people=sending.people,
        days=mobility_days(start, end),
        travel=sending.travel_per_person,
        subsistence=sending.subsistence_per_day,
        problem=mobility_problem(start, end),
    )


def update_budget(
    sending: Sending, *, people: int, travel: Decimal | None, subsistence: Decimal | None
) -> Budget:
    """Keep the planner's budget guidance; once both amounts are there, the activity's
    planned budget is their total."""
    sending.people = people
    sending.travel_per_person = travel
    sending.subsistence_per_day = subsistence
    guidance = budget(sending)
    if guidance.total is not None:
        sending.activity.budget_planned = guidance.total
    return guidance


def require_sending(plan_id: int, sending_id: int, user: Any, at_least: str) -> Sending:
    """Load a sending of a plan the user may reach: 404 to outsiders, 403 without the role."""
    plan = require_plan(plan_id, user, at_least, details=False)
    sending = db.session.get(Sending, sending_id)
    if sending is None or sending.plan_id != plan.id:
        abort(404)
    return sending


def published_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        abort(404)
    return event


@dataclass(frozen=True)
class StaffRecord:
    name: str
    track: str
    status: str  # "applied", "accepted", "withdrawn"
    days: int


def staff_records(sending: Sending) -> list[StaffRecord]:
    """Return the records of the sending institution's own staff at the event: only of those
    who named it as their home institution and agreed that its plan counts them. The host's
    decisions show only once they were sent."""
    rows = db.session.execute(
        select(Application, func.count(Attendance.id))
        .outerjoin(Attendance, Attendance.application_id == Application.id)
        .where(
            Application.event_id == sending.event_id,
            Application.home_institution_id == sending.plan.institution_id,
            Application.plan_consent.is_(True),
            Application.erased_at.is_(None),
        )
        .group_by(Application.id)
        .order_by(Application.name, Application.id)
    ).all()
    records = []
    for application, days in rows:
        if application.status == ApplicationStatus.WITHDRAWN:
            status = "withdrawn"
        elif application.decision_sent_at is not None and application.decision == "accepted":
            status = "accepted"
        elif application.decision_sent_at is not None and application.decision == "waiting_list":
            status = "waiting"
        elif application.decision_sent_at is not None and application.decision:
            status = "not_accepted"
        else:
            status = "applied"
        records.append(StaffRecord(application.name, application.track.title, status, int(days)))
    return records
