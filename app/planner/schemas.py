"""What the planner API accepts and returns, as pydantic models.

The same models validate requests, shape responses and describe both in the OpenAPI document,
so the document cannot drift from the code. Unknown fields are refused (never silently
assigned): a client cannot set an id, an institution or a version it does not own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Self, get_args

from flask_babel import gettext as _
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import Numeric

from app.core.validation import (
    LAST_DAY,
    FieldProblem,
    PlanningDate,
    Slug,
    Strict,
    Version,
    bounded_number,
    multi_line,
    single_line,
    vocabulary_key,
)
from app.planner.models import Activity, ActivityStatus, Format, PlanStatus
from app.planner.recurrence import first_occurrence
from app.planner.services import RecurrenceError, check_recurrence
from app.practices.models import Phase

Title = single_line(200, min_length=1)
Name = single_line(200, min_length=1)
Person = single_line(200)
LongText = multi_line(10_000)
GoalsText = multi_line(5000)

# A plan spans at most this long, and its activities lie within this margin of its period
# (a preparatory meeting the autumn before, a follow-up after it ends).
MAX_PLAN_YEARS = 10
ACTIVITY_MARGIN = timedelta(days=366)
# Lists a person fills: more than this is no plan but a flood.
MAX_PARTNERS = 100
MAX_KEYS = 50


def _column_max(column: Any) -> Decimal:
    """Return the largest number a Numeric column holds, e.g. 9999999999.99 for (12, 2)."""
    kind: Numeric = column.type  # type: ignore[type-arg]
    digits, places = kind.precision or 0, kind.scale or 0
    return Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)


Money = bounded_number(le=_column_max(Activity.__table__.c.budget_planned), places=2)
Days = bounded_number(le=_column_max(Activity.__table__.c.effort_planned), places=1)


def _keys(name: str) -> Any:
    return Annotated[list[vocabulary_key(name)], Field(max_length=MAX_KEYS)]  # type: ignore[misc]


Goals = _keys("goals")
TargetGroups = _keys("target_groups")
MobilityStages = _keys("mobility_stages")
Partners = Annotated[list[Name], Field(max_length=MAX_PARTNERS)]


def _ordered(start: date | None, end: date | None, message: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(message)


def check_period(start: date, end: date) -> None:
    """A plan's period ends on or after its start, at most MAX_PLAN_YEARS later."""
    _ordered(start, end, _("the period ends before it starts"))
    try:
        longest = start.replace(year=start.year + MAX_PLAN_YEARS)
    except ValueError:  # 29 February
        longest = start.replace(year=start.year + MAX_PLAN_YEARS, day=28)
    if end >= longest:
        raise ValueError(_("a plan spans at most %(num)d years", num=MAX_PLAN_YEARS))


class PlanFields(Strict):
    """A plan's title, period and goals, as a person sets them (form and API)."""

    title: Title
    period_start: PlanningDate
    period_end: PlanningDate
    goals_text: GoalsText = ""
    goals: Goals = []

    # Checked field by field, not once the whole model is valid, so that a form lists the
    # period's problem beside every other one at once (a too-long title and reversed dates).
    @field_validator("period_end")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None:
            check_period(start, value)
        return value


class PlanCreate(PlanFields):
    """A new plan of an institution the caller plans for."""

    institution: Slug


class PlanCopy(Strict):
    """Where a copy of a plan starts, and its title.

    With the copied plan's length as context (`span`), the copy must end by LAST_DAY too.
    """

    title: Title
    period_start: PlanningDate

    @model_validator(mode="after")
    def _ends_in_range(self, info: ValidationInfo) -> Self:
        span = (info.context or {}).get("span")
        if span is not None and self.period_start + span > LAST_DAY:
            end = self.period_start + span
            raise FieldProblem(
                "period_start",
                _(
                    "the copy would end on %(end)s, after %(last)s; start it earlier",
                    end=end.isoformat(),
                    last=LAST_DAY.isoformat(),
                ),
            )
        return self


def _not_null(value: Any) -> Any:
    """Refuse null for a field a change may leave out but not empty."""
    if value is None:
        raise ValueError(_("may not be null"))
    return value


class PlanPatch(Strict):
    """Changes to a plan; fields left out keep their value; title and period are never null."""

    version: Version
    title: Title | None = None
    period_start: PlanningDate | None = None
    period_end: PlanningDate | None = None
    goals_text: GoalsText | None = None
    goals: Goals | None = None
    status: PlanStatus | None = None

    _required = field_validator("title", "period_start", "period_end")(_not_null)


class _ActivityFields(Strict):
    """The fields of an activity a planner sets."""

    # The OpenAPI document's descriptions (English, for developers) are the fields' docstrings.
    model_config = ConfigDict(use_attribute_docstrings=True)

    format: Format = Format.ON_SITE
    host: Name | None = None
    """A partner's name; null is the own institution."""
    start_date: PlanningDate | None = None
    end_date: PlanningDate | None = None
    recurrence: Annotated[str, Field(max_length=200)] | None = None
    """How it repeats, weekly at most often: words such as 'every 6 months', 'twice a year',
    'monthly' or 'every 2 weeks', or an iCalendar RRULE such as FREQ=MONTHLY;INTERVAL=6; it
    must give a day between the start and the plan's end."""
    budget_planned: Money = Decimal(0)
    budget_actual: Money | None = None
    effort_planned: Days = Decimal(0)
    effort_actual: Days | None = None
    partners: Partners = []
    responsible: Person = ""
    status: ActivityStatus = ActivityStatus.IDEA
    notes: LongText = ""
    evaluation: LongText = ""
    target_groups: TargetGroups = []
    mobility_stages: MobilityStages = []

    # A partner named twice is one partner, whichever door the list came through.
    @field_validator("partners")
    @classmethod
    def _each_partner_once(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    @field_validator("recurrence")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        try:
            return check_recurrence(value)
        except RecurrenceError as error:
            raise ValueError(str(error)) from None

    # Checked field by field as well as with the rule below, so that a form lists reversed
    # dates beside every other problem at once, not on the next submit.
    @field_validator("end_date")
    @classmethod
    def _after_the_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if start is not None and value is not None and value < start:
            raise ValueError(_("the end date (end_date) is before the start date (start_date)"))
        return value

    @field_validator("start_date", "end_date")
    @classmethod
    def _near_the_plan(cls, value: date | None, info: ValidationInfo) -> date | None:
        period = (info.context or {}).get("period")
        if value is not None and period is not None:
            first, last = period[0] - ACTIVITY_MARGIN, period[1] + ACTIVITY_MARGIN
            if not first <= value <= last:
                raise ValueError(
                    _(
                        "must lie within a year of the plan's period, from %(first)s to %(last)s",
                        first=first.isoformat(),
                        last=last.isoformat(),
                    )
                )
        return value


class ActivityCreate(_ActivityFields):
    """A custom activity, not adopted from a practice."""

    title: Title

    @model_validator(mode="after")
    def _dates(self, info: ValidationInfo) -> Self:
        check_dates(
            self.start_date, self.end_date, self.recurrence, (info.context or {}).get("period")
        )
        return self


class ActivityPatch(_ActivityFields):
    """Changes to an activity; fields left out keep their value."""

    version: Version
    title: Title | None = None
    format: Format | None = None  # type: ignore[assignment]
    budget_planned: Money | None = None  # type: ignore[assignment]
    effort_planned: Days | None = None  # type: ignore[assignment]
    partners: Partners | None = None  # type: ignore[assignment]
    responsible: Person | None = None  # type: ignore[assignment]
    status: ActivityStatus | None = None  # type: ignore[assignment]
    notes: LongText | None = None  # type: ignore[assignment]
    evaluation: LongText | None = None  # type: ignore[assignment]
    target_groups: TargetGroups | None = None  # type: ignore[assignment]
    mobility_stages: MobilityStages | None = None  # type: ignore[assignment]

    # Only what a new activity may lack (a host, dates, a rule, actual figures) may be nulled.
    _required = field_validator(
        *(
            name
            for name, field in ActivityCreate.model_fields.items()
            if type(None) not in get_args(field.annotation)
        )
    )(_not_null)


class ActivityRow(ActivityCreate):
    """A row of an imported file: an activity, with its phase and the units it names."""

    phase: Phase | None = None
    units: Annotated[list[Name], Field(max_length=MAX_KEYS)] = []


class DateProblem(FieldProblem):
    """An activity's dates do not fit together; `field` names the one to correct."""


def check_dates(
    start: date | None,
    end: date | None,
    recurrence: str | None,
    period: tuple[date, date] | None = None,
) -> None:
    """An activity ends on or after its start; a repeating one has a start and occurs.

    A rule must give a day from the start to the plan's end (or within ten years when the plan
    is not known), as the timeline shows it: one that never occurs there would vanish.
    """
    if start is not None and end is not None and end < start:
        raise DateProblem(
            "end_date", _("the end date (end_date) is before the start date (start_date)")
        )
    if not recurrence:
        return
    if start is None:
        raise DateProblem("start_date", _("a repeating activity needs a start date (start_date)"))
    last = max(period[1], start) if period else start + timedelta(days=3653)
    if first_occurrence(recurrence, start, last) is None:
        raise DateProblem(
            "recurrence",
            _(
                "the rule gives no day from %(start)s to %(last)s (the plan's end)",
                start=start.isoformat(),
                last=last.isoformat(),
            )
            if period
            else _(
                "the rule gives no day from %(start)s to %(last)s",
                start=start.isoformat(),
                last=last.isoformat(),
            ),
        )


class AdoptionCreate(Strict):
    """A practice adopted into the plan: one pre-filled activity per phase."""

    practice: Slug
    phases: Annotated[list[Phase], Field(min_length=1, max_length=len(Phase))] = list(Phase)

    @field_validator("phases", mode="before")
    @classmethod
    def _some(cls, value: Any) -> Any:
        # Said in the planner's words, before the length check's generic message.
        if isinstance(value, list) and not value:
            raise ValueError(_("Choose at least one phase"))
        return value

    @field_validator("phases")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class SuggestionAsk(Strict):
    """What a planner asks practices to be suggested within: money, person-days (None: no
    bound) and how many practices at most."""

    budget: Money | None = None
    days: Days | None = None
    count: Annotated[int, Field(ge=1, le=10)] = 3


class SuggestionAdopt(Strict):
    """The suggested practices a planner adopts in one step (each with both its phases)."""

    practices: Annotated[list[Slug], Field(min_length=1, max_length=10)]

    @field_validator("practices", mode="before")
    @classmethod
    def _some(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError(_("Tick at least one practice"))
        return value

    @field_validator("practices")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


# Responses.


class Out(BaseModel):
    """Responses list every field, also when empty."""

    # The OpenAPI document's descriptions (English, for developers) are the fields' docstrings.
    model_config = ConfigDict(use_attribute_docstrings=True)


class InstitutionRef(Out):
    slug: str
    name: str


class TotalsOut(Out):
    budget_planned: float
    budget_actual: float
    effort_planned: float
    effort_actual: float


class ChecklistItemOut(Out):
    text: str
    done: bool


class IndicatorOut(Out):
    name: str
    unit: str
    direction: str


class StatusChangeOut(Out):
    status: ActivityStatus
    changed_at: datetime
    changed_by: str


class OccurrenceOut(Out):
    start: date
    end: date


class UnitRef(Out):
    id: int
    name: str


class ActivityOut(Out):
    id: int
    plan_id: int
    url: str
    practice: str | None
    """The slug of the adopted practice, if any."""
    phase: Phase | None
    title: str
    format: Format
    host: str | None
    start_date: date | None
    end_date: date | None
    recurrence: str | None
    occurrences: list[OccurrenceOut]
    budget_planned: float
    budget_actual: float | None
    effort_planned: float
    effort_actual: float | None
    guidance: dict[str, int]
    """The sheet's 1-3 cost, time and effort levels."""
    target_groups: list[str]
    mobility_stages: list[str]
    units: list[UnitRef]
    other_actors: list[str]
    partners: list[str]
    responsible: str
    status: ActivityStatus
    status_changes: list[StatusChangeOut]
    notes: str
    evaluation: str
    checklist: list[ChecklistItemOut]
    indicators: list[IndicatorOut]
    version: int
    created_at: datetime
    updated_at: datetime


class PlanSummary(Out):
    id: int
    url: str
    page_url: str
    institution: InstitutionRef
    title: str
    period_start: date
    period_end: date
    goals: list[str]
    goals_text: str
    status: PlanStatus
    owner: str | None
    """The email of the plan's owner."""
    version: int
    created_at: datetime
    updated_at: datetime


class PlanOut(PlanSummary):
    totals: TotalsOut
    activities: list[ActivityOut]


class PlanList(Out):
    items: list[PlanSummary]
    total: int


class ActivityList(Out):
    items: list[ActivityOut]
    total: int


REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    PlanCreate,
    PlanPatch,
    ActivityCreate,
    ActivityPatch,
    AdoptionCreate,
)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (PlanList, PlanOut, ActivityList, ActivityOut)
