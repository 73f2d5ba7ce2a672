"""What a plan's page shows: one page of its activity list, grouped by status or by month,
a capped timeline and its coverage, with work and size bounded however many activities it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from app.core.enums import labels
from app.core.extensions import db
from app.core.formatting import day as format_day
from app.core.vocabularies import Vocabularies
from app.institutions.models import Institution
from app.planner.models import Activity, ActivityStatus, Plan
from app.planner.recurrence import describe
from app.planner.services import TIMING, Occurrence, coverage, occurrences


@dataclass(frozen=True)
class Line:
    """An activity as a plan's page lists it: its units by name, its rule in words, its dates.

    Under a month, `start` and `end` are those of the occurrence in that month.
    """

    activity: Activity
    units: list[str]
    repeats: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Group:
    """A heading of a plan's activity list, how many entries it has, and those on this page."""

    label: str
    total: int
    lines: list[Line]


@dataclass(frozen=True)
class PlanPage:
    """What a plan's page shows, with work and size bounded however many activities it has."""

    groups: list[Group]
    page: int
    pages: int
    entries: int
    first: int
    last: int
    # The timeline's occurrences (the first TIMELINE_LIMIT), and how many there are in all.
    occurrences: list[Occurrence]
    occurrence_count: int
    outside: list[Activity]
    coverage: dict[str, dict[str, int]]


# A page lists this many activities (or occurrences, by month); the totals count them all.
PAGE_SIZE = 50
# The timeline draws at most this many occurrences; the CSV export lists every one.
TIMELINE_LIMIT = 200
_LISTED = (*TIMING, Activity.target_groups, Activity.mobility_stages)


def get_plan_outline(plan_id: int) -> Plan | None:
    """Return a plan with its institution and units, without its activities."""
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(selectinload(Plan.institution).selectinload(Institution.units))
    )


def month_label(day: date) -> str:
    """Name a month as a heading ("March 2027", "maaliskuu 2027")."""
    # The month's stand-alone name: Finnish inflects it inside a date ("1. maaliskuuta").
    return format_day(day.replace(day=1), "LLLL y")


def group_by_status(activities: list[Activity]) -> list[tuple[str, list[Activity]]]:
    """Group activities under each status, in the order of a plan's life."""
    return [(status, [a for a in activities if a.status == status]) for status in ActivityStatus]


def group_by_month(
    activities: list[Activity],
    period: tuple[date, date] | None = None,
    found: dict[int, list[Occurrence]] | None = None,
) -> list[tuple[str, list[Occurrence | Activity]]]:
    """Group activities under every month in which they take place; undated ones last.

    A repeating activity is listed under each month of the plan's period in which one of its
    occurrences starts (and under its first month, should that be outside the period), so that
    nothing vanishes from the list. `found` holds each activity's occurrences if known.
    """
    dated: list[Occurrence] = []
    undated: list[Occurrence | Activity] = []
    for activity in activities:
        if found is not None:
            times = found[activity.id]
        else:
            times = occurrences(activity, until=period[1] if period else None)
        if not times:
            undated.append(activity)
        for index, occurrence in enumerate(times):
            inside = period is None or period[0] <= occurrence.start <= period[1]
            if inside or index == 0:
                dated.append(occurrence)
    dated.sort(key=lambda o: (o.start, o.activity.id))
    groups: dict[tuple[int, int], list[Occurrence | Activity]] = {}
    for occurrence in dated:
        groups.setdefault((occurrence.start.year, occurrence.start.month), []).append(occurrence)
    named: list[tuple[str, list[Occurrence | Activity]]] = [
        (month_label(date(year, month, 1)), items) for (year, month), items in groups.items()
    ]
    if undated:
        named.append((_("Not dated"), undated))
    return named


def plan_page(
    plan: Plan, vocab: Vocabularies, *, grouping: str = "status", page: int = 1
) -> PlanPage:
    """Gather a plan's page: one page of its activity list, a capped timeline, its coverage.

    The activities are read once with the few columns the page needs for all of them, and the
    page's own activities in full, so that the page's size and its number of queries stay the
    same however many activities the plan has.
    """
    listed = list(
        db.session.scalars(
            select(Activity)
            .where(Activity.plan_id == plan.id)
            .options(load_only(*_LISTED))
            # Undated last on both databases (SQLite sorts NULL first, PostgreSQL last).
            .order_by(Activity.start_date.is_(None), Activity.start_date, Activity.id)
        )
    )
    period = (plan.period_start, plan.period_end)
    per_activity = {a.id: occurrences(a, until=plan.period_end) for a in listed}
    found = sorted(
        (o for times in per_activity.values() for o in times),
        key=lambda o: (o.start, o.activity.id),
    )
    # Entries are (group label, activity, occurrence or None), in the order they are listed.
    entries: list[tuple[str, Activity, Occurrence | None]] = []
    if grouping == "month":
        for label, items in group_by_month(listed, period, per_activity):
            for item in items:
                if isinstance(item, Occurrence):
                    entries.append((label, item.activity, item))
                else:
                    entries.append((label, item, None))
    else:
        named = labels(ActivityStatus)
        for status, items in group_by_status(listed):
            entries += [(named[status], a, None) for a in items]
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    # The page's activities in full (their practice too); the session fills in the columns
    # left out above on the objects it already holds.
    db.session.scalars(
        select(Activity)
        .where(Activity.id.in_({activity.id for _label, activity, _occurrence in shown}))
        .options(selectinload(Activity.practice))
    ).all()
    units = {unit.id: unit.name for unit in plan.institution.units}
    totals_by_label: dict[str, int] = {}
    for label, _activity, _occurrence in entries:
        totals_by_label[label] = totals_by_label.get(label, 0) + 1
    groups: list[Group] = []
    for label, activity, occurrence in shown:
        if not groups or groups[-1].label != label:
            groups.append(Group(label, totals_by_label[label], []))
        groups[-1].lines.append(
            Line(
                activity=activity,
                units=[units[i] for i in activity.unit_ids if i in units],
                repeats=describe(activity.recurrence),
                start=occurrence.start if occurrence else activity.start_date,
                end=occurrence.end if occurrence else activity.end_date,
            )
        )
    return PlanPage(
        groups=groups,
        page=page,
        pages=pages,
        entries=len(entries),
        first=(page - 1) * PAGE_SIZE + 1 if shown else 0,
        last=(page - 1) * PAGE_SIZE + len(shown),
        occurrences=found[:TIMELINE_LIMIT],
        occurrence_count=len(found),
        outside=[
            a
            for a in listed
            if a.start_date is not None
            and (a.start_date < plan.period_start or (a.end_date or a.start_date) > plan.period_end)
        ],
        coverage=coverage(plan, vocab, listed),
    )
