"""Reads and writes of plans and activities. Functions add and flush; the caller commits."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.charts.figures import TimelineRow
from app.core.conflicts import EditConflict, flush_or_conflict
from app.core.extensions import db
from app.core.i18n import DEFAULT_LANGUAGE, in_every_language
from app.core.i18n import lazy_gettext as _l
from app.core.routing import MAX_ID
from app.core.snapshots import kept
from app.core.vocabularies import Vocabularies
from app.institutions.models import Institution, NetworkMembership, Unit
from app.permissions import ROLE_RANK, require_role
from app.planner.models import (
    Activity,
    ActivityStatus,
    ChecklistItem,
    Plan,
    ProposedIndicator,
    StatusChange,
)
from app.planner.recurrence import MAX_OCCURRENCES, NotWords, expand, rule_from_words
from app.planner.signals import plan_copied
from app.practices.models import Phase, Practice, PracticeTerm
from app.practices.services import shown_sheets


class RecurrenceError(ValueError):
    """A recurrence rule that cannot be read; the message says why."""


def create_plan(
    institution: Institution,
    *,
    title: str,
    period_start: date,
    period_end: date,
    owner: Any = None,
    goals: list[str] | None = None,
    goals_text: str = "",
) -> Plan:
    """Add a draft plan to an institution."""
    plan = Plan(
        institution=institution,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=owner,
        goals=goals or [],
        goals_text=goals_text,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def _match_units(
    actors: list[str], units: list[Unit], vocab: Vocabularies
) -> tuple[list[int], list[str]]:
    """Map the sheet's actors to the institution's units by name or kind; keep the rest."""
    unit_ids: list[int] = []
    others: list[str] = []
    for actor in actors:
        text = actor.lower()
        match = next(
            (
                unit
                for unit in units
                if unit.name.lower() in text or vocab.label("unit_kinds", unit.kind).lower() in text
            ),
            None,
        )
        if match is None:
            others.append(actor)
        elif match.id not in unit_ids:
            unit_ids.append(match.id)
    return unit_ids, others


# The titles adoption gives each phase's activity, in the adopter's language.
SETUP_TITLE = _l("Set up: %(title)s")
DELIVERY_TITLE = _l("Deliver: %(title)s")


def without_phase_prefix(title: str) -> str:
    """Return an adopted activity's title without the "Deliver: " adoption put before it, in
    whichever language it was adopted; a title the planner wrote stays as it is.

    For what carries the activity out under its own name, such as a hosted event: its
    applicants read "International staff training days", not an instruction to the planner.
    """
    for template in (SETUP_TITLE, DELIVERY_TITLE):
        for said in in_every_language(template):
            prefix = said.replace("%(title)s", "")
            if said.endswith("%(title)s") and title.startswith(prefix) and title != prefix:
                return title.removeprefix(prefix).strip() or title
    return title


def adopt_practice(
    plan: Plan,
    practice: Practice,
    phases: list[str],
    vocab: Vocabularies,
    *,
    by: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> list[Activity]:
    """Create one activity per chosen phase of a practice, pre-filled from its sheet in the
    adopter's language where the sheet is translated (its title, checklist, actors and
    indicators; the English sheet otherwise)."""
    units = list(plan.institution.units)
    shown = shown_sheets([practice], language)[0]
    sheet = shown.sheet
    activities = []
    for phase in phases:
        english_actors = getattr(practice, f"{phase}_actors")
        # Units are matched by the English actors; the others are named as the reader reads.
        said = dict(zip(english_actors, getattr(sheet, phase).actors, strict=False))
        unit_ids, others = _match_units(english_actors, units, vocab)
        title = shown.practice.title
        activity = Activity(
            plan=plan,
            practice=practice,
            phase=phase,
            title=(SETUP_TITLE if phase == Phase.SETUP else DELIVERY_TITLE) % {"title": title},
            guidance={
                level: getattr(practice, f"{phase}_{level}") for level in ("cost", "time", "effort")
            },
            target_groups=practice.terms_of("target_groups"),
            mobility_stages=practice.terms_of("mobility_stages"),
            unit_ids=unit_ids,
            other_actors=[said.get(actor, actor) for actor in others],
            # The sheet's partners describe kinds of partner ("nearby universities"), not
            # names; the editor shows them as suggestions, and the planner names real ones.
            partners=[],
            checklist=[
                ChecklistItem(position=i, text=text) for i, text in enumerate(sheet.considerations)
            ],
            indicators=[
                ProposedIndicator(
                    position=i, name=item.name, unit=item.unit, direction=item.direction
                )
                for i, item in enumerate(getattr(sheet, phase).indicators)
            ],
            status_changes=[StatusChange(status=ActivityStatus.IDEA, changed_by=by)],
        )
        db.session.add(activity)
        activities.append(activity)
    db.session.flush()
    return activities


def add_activity(plan: Plan, fields: dict[str, Any], *, by: str) -> Activity:
    """Add a custom activity (not from a practice) to a plan, its status recorded."""
    fields = dict(fields)
    status = fields.pop("status", ActivityStatus.IDEA)
    activity = Activity(
        plan=plan,
        **fields,
        status=status,
        status_changes=[StatusChange(status=status, changed_by=by)],
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def delete_activity(activity: Activity) -> None:
    """Remove an activity with its checklist, indicators and status history."""
    db.session.delete(activity)
    db.session.flush()


# Capacity-building activities repeat weekly at most often; a finer rule (hourly, daily)
# would flood the timeline and the calendar with hundreds of occurrences.
ALLOWED_FREQUENCIES = ("WEEKLY", "MONTHLY", "YEARLY")
RULE_EXAMPLE = _l("FREQ=MONTHLY;INTERVAL=6 for twice a year")


def check_recurrence(rule: str | None) -> str | None:
    """Return a tidy RRULE, or None for a one-off; raise RecurrenceError if it is unreadable.

    Words such as "every 6 months" or "twice a year" are read too, here, so that the form, the
    import and the API (which all come through here) take the same things.
    """
    if rule is None or not rule.strip():
        return None
    with contextlib.suppress(NotWords):
        rule = rule_from_words(rule) or ""
    if not rule:
        return None
    text = rule.strip().upper().removeprefix("RRULE:")
    parts = {}
    for part in text.split(";"):
        name, separator, value = part.partition("=")
        if not separator or not name or not value:
            raise RecurrenceError(
                _(
                    "write it in words such as “every 6 months” or “weekly”, or as a rule like "
                    "%(example)s, not “%(rule)s”",
                    example=RULE_EXAMPLE,
                    rule=rule.strip(),
                )
            )
        parts[name] = value
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RecurrenceError(
            _(
                "FREQ must be one of %(allowed)s (e.g. %(example)s)",
                allowed=", ".join(ALLOWED_FREQUENCIES),
                example=RULE_EXAMPLE,
            )
        )
    if "INTERVAL" in parts and not (parts["INTERVAL"].isdigit() and int(parts["INTERVAL"]) >= 1):
        raise RecurrenceError(_("INTERVAL must be a whole number of at least 1"))
    # "the 53rd Monday" of a month sends dateutil past the end of its tables (IndexError).
    ordinals = [item[:-2] for item in parts.get("BYDAY", "").split(",") if item[:-2]]
    largest = {"WEEKLY": 0, "MONTHLY": 5, "YEARLY": 53}[parts["FREQ"]]
    for ordinal in ordinals:
        if not ordinal.lstrip("+-").isdigit() or not 1 <= abs(int(ordinal)) <= largest:
            raise RecurrenceError(
                _(
                    "BYDAY counts weekdays from 1 to %(largest)d in a %(freq)s rule",
                    largest=largest,
                    freq=parts["FREQ"],
                )
                if largest
                else _("BYDAY takes plain weekdays (MO,TH) in a weekly rule")
            )
    try:
        rrulestr(text, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError) as error:
        raise RecurrenceError(
            _("not a rule this planner understands (%(error)s)", error=error)
        ) from None
    return text


@dataclass(frozen=True)
class Occurrence:
    """One time an activity takes place."""

    activity: Activity
    start: date
    end: date


def occurrences(activity: Activity, until: date | None = None) -> list[Occurrence]:
    """List when an activity takes place: once, or by its rule up to `until` (the plan's end).

    The expansion is bounded (recurrence.expand): at most MAX_OCCURRENCES, and no more work
    than the window holds, whatever rule was stored.
    """
    if activity.start_date is None:
        return []
    length = (activity.end_date or activity.start_date) - activity.start_date
    if not activity.recurrence:
        return [Occurrence(activity, activity.start_date, activity.start_date + length)]
    # Repeats stop at the plan's end; an activity that starts after it still shows its first
    # time, as a one-off out of the period does, so that nothing vanishes from the timeline.
    last = max(until or activity.plan.period_end, activity.start_date)
    return [
        Occurrence(activity, day, day + length)
        for day in _repeats(activity.recurrence, activity.start_date, last)
    ]


@lru_cache(maxsize=8192)
def _repeats(rule: str, start: date, last: date) -> tuple[date, ...]:
    """Return the days a rule yields from start to last, kept: a plan's page lists every
    occurrence of every activity on each view, and a rule's days never change."""
    return tuple(expand(rule, start, last, limit=MAX_OCCURRENCES).days)


# How many activities an export reads from the database at a time.
BATCH = 500


def activities_in_batches(plan: Plan) -> Iterator[Activity]:
    """Yield a plan's activities in its order, read BATCH at a time with their practices.

    For the exports, which write a row at a time: the plan's whole list is never held, so
    their memory does not grow with the plan.
    """
    yield from db.session.scalars(
        select(Activity)
        .where(Activity.plan_id == plan.id)
        .order_by(Activity.start_date, Activity.id)
        .options(selectinload(Activity.practice))
        .execution_options(yield_per=BATCH)
    )


def outside_period(plan: Plan) -> list[Activity]:
    """Return the dated activities that start or end outside the plan's period."""
    return [
        a
        for a in plan.activities
        if a.start_date is not None
        and (a.start_date < plan.period_start or (a.end_date or a.start_date) > plan.period_end)
    ]


def timeline_rows(found: list[Occurrence]) -> list[TimelineRow]:
    """Turn occurrences into timeline rows, one row per activity even when titles repeat."""
    labels: dict[int, str] = {}
    taken: set[str] = set()
    for occurrence in found:
        activity = occurrence.activity
        if activity.id in labels:
            continue
        label, n = activity.title, 1
        while label in taken:
            n += 1
            label = f"{activity.title} ({n})"
        labels[activity.id] = label
        taken.add(label)
    return [TimelineRow(labels[o.activity.id], o.start, o.end, o.activity.status) for o in found]


@dataclass(frozen=True)
class Totals:
    """Money and person-days of a plan, planned against actual."""

    budget_planned: Decimal
    budget_actual: Decimal
    effort_planned: Decimal
    effort_actual: Decimal


def totals(plan: Plan) -> Totals:
    """Sum the plan's budget and effort in the database; cancelled activities do not count."""
    row = db.session.execute(
        select(
            func.coalesce(func.sum(Activity.budget_planned), 0),
            func.coalesce(func.sum(Activity.budget_actual), 0),
            func.coalesce(func.sum(Activity.effort_planned), 0),
            func.coalesce(func.sum(Activity.effort_actual), 0),
        ).where(Activity.plan_id == plan.id, Activity.status != ActivityStatus.CANCELLED)
    ).one()
    return Totals(*(Decimal(str(value)) for value in row))


def coverage(
    plan: Plan, vocab: Vocabularies, activities: list[Activity] | None = None
) -> dict[str, dict[str, int]]:
    """Count the plan's live activities per mobility stage and target group, gaps included."""
    result: dict[str, dict[str, int]] = {
        "mobility_stages": dict.fromkeys(vocab.keys("mobility_stages"), 0),
        "target_groups": dict.fromkeys(vocab.keys("target_groups"), 0),
    }
    for activity in plan.activities if activities is None else activities:
        if activity.status == ActivityStatus.CANCELLED:
            continue
        for name, counts in result.items():
            for key in getattr(activity, name):
                if key in counts:
                    counts[key] += 1
    return result


@dataclass(frozen=True)
class Gaps:
    """Where a plan's live activities reach, and where they do not.

    `matrix` counts the activities that reach a mobility stage and a target group both (a
    zero is a gap); `stages` and `groups` count each alone; `goals`, the plan's own goals,
    counts the activities adopted from a practice that serves it. Keys in vocabulary order.
    """

    matrix: dict[str, dict[str, int]]
    stages: dict[str, int]
    groups: dict[str, int]
    goals: dict[str, int]

    @property
    def stage_gaps(self) -> list[str]:
        """Return the mobility stages no activity reaches."""
        return [key for key, count in self.stages.items() if not count]

    @property
    def group_gaps(self) -> list[str]:
        """Return the target groups no activity reaches."""
        return [key for key, count in self.groups.items() if not count]

    @property
    def goal_gaps(self) -> list[str]:
        """Return the plan's goals no activity serves."""
        return [key for key, count in self.goals.items() if not count]

    @property
    def open_cells(self) -> int:
        """Return how many stage and group pairs no activity reaches."""
        return sum(1 for row in self.matrix.values() for count in row.values() if not count)


def adopted_practices(plan: Plan) -> Select[tuple[int | None]]:
    """Return the query of the ids of the practices a plan has adopted (any phase, any
    status): run alone, or as a subquery of a query of the catalogue."""
    return select(Activity.practice_id).where(
        Activity.plan_id == plan.id, Activity.practice_id.is_not(None)
    )


def adopted_practice_ids(plan: Plan) -> set[int]:
    """Return the ids of the practices a plan has adopted (any phase, any status)."""
    return {
        practice_id for practice_id in db.session.scalars(adopted_practices(plan)) if practice_id
    }


def gaps(plan: Plan, vocab: Vocabularies) -> Gaps:
    """Return a plan's gaps: its live (not cancelled) activities by mobility stage and target
    group together, each alone, and by the plan's goals (two statements, however large the
    plan)."""
    stage_keys, group_keys = vocab.keys("mobility_stages"), vocab.keys("target_groups")
    matrix = {stage: dict.fromkeys(group_keys, 0) for stage in stage_keys}
    stages, groups = dict.fromkeys(stage_keys, 0), dict.fromkeys(group_keys, 0)
    live = (Activity.plan_id == plan.id, Activity.status != ActivityStatus.CANCELLED)
    for reached_stages, reached_groups in db.session.execute(
        select(Activity.mobility_stages, Activity.target_groups).where(*live)
    ):
        known_stages = [key for key in dict.fromkeys(reached_stages or []) if key in stages]
        known_groups = [key for key in dict.fromkeys(reached_groups or []) if key in groups]
        for stage in known_stages:
            stages[stage] += 1
            for group in known_groups:
                matrix[stage][group] += 1
        for group in known_groups:
            groups[group] += 1
    goals = {key: 0 for key in vocab.keys("goals") if key in plan.goals}
    if goals:
        served = db.session.execute(
            select(PracticeTerm.key, func.count(Activity.id))
            .join(PracticeTerm, PracticeTerm.practice_id == Activity.practice_id)
            .where(*live, PracticeTerm.vocabulary == "goals", PracticeTerm.key.in_(goals))
            .group_by(PracticeTerm.key)
        )
        for key, count in served:
            goals[key] = count
    return Gaps(matrix=matrix, stages=stages, groups=groups, goals=goals)


def set_status(activity: Activity, status: str, *, by: str) -> None:
    """Change an activity's status and record when and by whom."""
    if status != activity.status:
        activity.status = status
        activity.status_changes.append(StatusChange(status=status, changed_by=by))


def plans_for(user: Any, at_least: str = "viewer") -> list[Plan]:
    """Return the plans of the institutions where a user holds at least a role, newest first.

    Site admins may open any plan, but lists show the plans of their own institutions only:
    every plan of every institution would bury them (and a page) under thousands.
    """
    if not user.is_authenticated:
        return []
    institution_ids = [
        r.institution_id for r in user.roles if ROLE_RANK[r.role] >= ROLE_RANK[at_least]
    ]
    query = (
        select(Plan)
        .where(Plan.institution_id.in_(institution_ids))
        .order_by(Plan.period_start.desc(), Plan.id.desc())
    )
    return list(db.session.scalars(query.options(selectinload(Plan.institution))))


# The columns of an activity that say what it is called and when it takes place: all a page
# that judges indicators (by the occurrences of their activities) reads of the activities.
TIMING = (
    Activity.id,
    Activity.plan_id,
    Activity.title,
    Activity.status,
    Activity.start_date,
    Activity.end_date,
    Activity.recurrence,
)


def get_plan(
    plan_id: int,
    *,
    details: bool = True,
    proposals: bool = False,
    timing: bool = False,
    outline: bool = False,
) -> Plan | None:
    """Return a plan with its institution and activities; with `details` (the planner's
    pages), also the institution's units, networks and partners and what each activity
    carries. A page that shows none of those (the dashboard) asks for details=False, and
    one that shows only the indicators the activities propose (the indicators page) adds
    proposals=True; one that shows of its activities no more than when they take place
    (the dashboard) adds timing=True, so that their texts and lists are not read. With
    `outline`, the plan's row alone: enough to decide who may see it, before a cached page
    is answered."""
    if outline:
        # Kept while the plan's data version stays the same: a page answered from the store
        # reads no more than the version then.
        return kept("plan", plan_id, lambda: db.session.get(Plan, plan_id), scope=("plan", plan_id))
    options: list[Any]
    if not details:
        # The institution: usually in the session already (the user's roles loaded it).
        activities = selectinload(Plan.activities)
        if timing:
            activities = activities.load_only(*TIMING)
        options = [activities.selectinload(Activity.indicators) if proposals else activities]
    else:
        options = [
            selectinload(Plan.institution).selectinload(Institution.units),
            selectinload(Plan.institution)
            .selectinload(Institution.memberships)
            .selectinload(NetworkMembership.network),
            selectinload(Plan.institution).selectinload(Institution.partnerships),
            selectinload(Plan.activities).selectinload(Activity.checklist),
            selectinload(Plan.activities).selectinload(Activity.indicators),
            selectinload(Plan.activities).selectinload(Activity.status_changes),
            selectinload(Plan.activities).selectinload(Activity.practice),
        ]
    return db.session.scalar(select(Plan).where(Plan.id == plan_id).options(*options))


def require_plan(
    plan_id: int,
    user: Any,
    at_least: str,
    *,
    details: bool = True,
    proposals: bool = False,
    timing: bool = False,
    outline: bool = False,
) -> Plan:
    """Load a plan the user may reach with the role: 404 to outsiders, 403 without the role.

    The one loader of the planner's and the indicators' pages and of the API, so that a plan
    is guarded the same way wherever it is reached. details=False for a page that shows
    neither the plan's units and partners nor what its activities carry (see get_plan).
    """
    plan = get_plan(plan_id, details=details, proposals=proposals, timing=timing, outline=outline)
    if plan is None:
        abort(404, description=_("There is no plan %(id)s.", id=plan_id))
    require_role(user, plan.institution, at_least)
    return plan


def _feed_signature(plan_id: int, user_id: int, plan_key: str, user_key: str) -> str:
    message = f"plan-feed:{plan_id}:{user_id}:{plan_key}:{user_key}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode("ascii")


def feed_token(plan: Plan, user: User) -> str:
    """Return the secret part of a member's own calendar feed address of a plan.

    It names the plan and the member and is signed with the app's secret key, the plan's
    feed key and the member's: computed, never stored. A new member key (one's "new address")
    or a new SECRET_KEY stops it; removing the member stops it too, since every request
    checks the member's role (see plan_for_feed's caller).
    """
    return (
        f"{plan.id}-{user.id}-{_feed_signature(plan.id, user.id, plan.feed_token, user.feed_key)}"
    )


FEED_TOKEN = re.compile(r"([0-9]{1,10})-([0-9]{1,10})-([A-Za-z0-9_-]{32})")


def plan_for_feed(token: str) -> tuple[Plan, User] | None:
    """Return the plan and the member a feed address names, if its signature holds."""
    parts = FEED_TOKEN.fullmatch(token)
    if parts is None:
        return None
    plan_id, user_id = int(parts.group(1)), int(parts.group(2))
    if max(plan_id, user_id) > MAX_ID:  # no such row; the driver could not even bind it
        return None
    plan_key = db.session.scalar(select(Plan.feed_token).where(Plan.id == plan_id))
    user_key = db.session.scalar(select(User.feed_key).where(User.id == user_id))
    if plan_key is None or user_key is None:
        return None
    expected = _feed_signature(plan_id, user_id, plan_key, user_key)
    if not hmac.compare_digest(expected, parts.group(3)):
        return None
    plan, user = get_plan(plan_id), db.session.get(User, user_id)
    return (plan, user) if plan is not None and user is not None else None


def get_activity(plan: Plan, activity_id: int) -> Activity | None:
    """Return one activity of a plan with what it carries (None if it belongs to another
    plan): read alone, so that editing one activity of a plan of 10,000 reads one, and the
    plan can be its outline (require_plan(..., outline=True))."""
    return db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id, Activity.plan_id == plan.id)
        .options(
            joinedload(Activity.practice),
            selectinload(Activity.checklist),
            selectinload(Activity.indicators),
            selectinload(Activity.status_changes),
        )
    )


def update_activity(
    activity: Activity,
    changes: dict[str, Any],
    *,
    base_version: int | None,
    by: str,
    checklist_done: set[int] | None = None,
) -> Activity:
    """Apply an editor's changes unless someone saved in between (then EditConflict).

    `checklist_done` names the checklist items now ticked; None leaves them as they are.
    """
    if base_version is not None and base_version != activity.version:
        raise EditConflict(activity)
    status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(activity, name, value)
    if checklist_done is not None:
        for item in activity.checklist:
            item.done = item.id in checklist_done
    if status is not None:
        set_status(activity, status, by=by)
    flush_or_conflict(activity)
    return activity


def copy_plan(plan: Plan, *, period_start: date, title: str, by: Any) -> Plan:
    """Copy a plan to a new period: dates shift with it; actuals and statuses start afresh."""
    old = plan.period_start
    months = (period_start.year - old.year) * 12 + period_start.month - old.month
    # Whole months keep calendar dates (1 March stays 1 March across a leap year); otherwise
    # everything moves by the same number of days.
    shift: Any = relativedelta(months=months) if period_start.day == old.day else period_start - old
    copy = create_plan(
        plan.institution,
        title=title,
        period_start=period_start,
        period_end=plan.period_end + shift,
        owner=by,
        goals=list(plan.goals),
        goals_text=plan.goals_text,
    )
    keep = (
        "practice",
        "phase",
        "title",
        "format",
        "host",
        "recurrence",
        "budget_planned",
        "effort_planned",
        "guidance",
        "target_groups",
        "mobility_stages",
        "unit_ids",
        "other_actors",
        "partners",
        "responsible",
        "notes",
    )
    copies: dict[int, Activity] = {}
    for activity in plan.activities:
        copies[activity.id] = Activity(
            plan=copy,
            **{name: getattr(activity, name) for name in keep},
            start_date=activity.start_date + shift if activity.start_date else None,
            end_date=activity.end_date + shift if activity.end_date else None,
            checklist=[ChecklistItem(position=i.position, text=i.text) for i in activity.checklist],
            indicators=[
                ProposedIndicator(
                    position=i.position, name=i.name, unit=i.unit, direction=i.direction
                )
                for i in activity.indicators
            ],
            status_changes=[
                StatusChange(status=ActivityStatus.IDEA, changed_by=getattr(by, "email", ""))
            ],
        )
        db.session.add(copies[activity.id])
    db.session.flush()
    # Indicators (a feature above the planner) copy themselves on this signal.
    plan_copied.send(plan, copy=copy, activities=copies, shift=shift)
    return copy


def update_plan(plan: Plan, changes: dict[str, Any], *, base_version: int | None) -> Plan:
    """Apply an editor's changes to a plan unless someone saved in between (EditConflict)."""
    if base_version is not None and base_version != plan.version:
        raise EditConflict(plan)
    for name, value in changes.items():
        setattr(plan, name, value)
    flush_or_conflict(plan)
    return plan
