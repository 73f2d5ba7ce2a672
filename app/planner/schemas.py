"""What the planner API accepts and returns, as pydantic models.

The same models validate requests, shape responses and describe both in the OpenAPI document,
so the document cannot drift from the code. Unknown fields are refused (never silently
assigned): a client cannot set an id, an institution or a version it does not own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from app.core.validation import Slug, Strict, vocabulary_key
from app.planner.services import RecurrenceError, check_recurrence

PlanStatus = Literal["draft", "active", "closed"]
ActivityStatus = Literal["idea", "planned", "in_progress", "done", "cancelled"]
Format = Literal["on-site", "online", "hybrid"]
Phase = Literal["setup", "delivery"]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Days = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=1)]
Version = Annotated[
    int, Field(ge=1, description="The version the change is based on; a newer one is a 409.")
]


def _ordered(start: date | None, end: date | None, message: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(message)


class PlanCreate(Strict):
    """A new plan of an institution the caller plans for."""

    institution: Slug
    title: Title
    period_start: date
    period_end: date
    goals_text: Annotated[str, Field(max_length=5000)] = ""
    goals: list[vocabulary_key("goals")] = []  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _period(self) -> Self:
        _ordered(self.period_start, self.period_end, "the period ends before it starts")
        return self


class PlanPatch(Strict):
    """Changes to a plan; fields left out keep their value."""

    version: Version
    title: Title | None = None
    period_start: date | None = None
    period_end: date | None = None
    goals_text: Annotated[str, Field(max_length=5000)] | None = None
    goals: list[vocabulary_key("goals")] | None = None  # type: ignore[valid-type]
    status: PlanStatus | None = None


class _ActivityFields(Strict):
    """The fields of an activity a planner sets."""

    format: Format = "on-site"
    host: Name | None = Field(None, description="A partner's name; null is the own institution.")
    start_date: date | None = None
    end_date: date | None = None
    recurrence: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="An iCalendar RRULE, e.g. FREQ=MONTHLY;INTERVAL=6 for twice a year."
    )
    budget_planned: Money = Decimal(0)
    budget_actual: Money | None = None
    effort_planned: Days = Decimal(0)
    effort_actual: Days | None = None
    partners: list[Name] = []
    responsible: Annotated[str, Field(max_length=200)] = ""
    status: ActivityStatus = "idea"
    notes: LongText = ""
    evaluation: LongText = ""
    target_groups: list[vocabulary_key("target_groups")] = []  # type: ignore[valid-type]
    mobility_stages: list[vocabulary_key("mobility_stages")] = []  # type: ignore[valid-type]

    @field_validator("recurrence")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        try:
            return check_recurrence(value)
        except RecurrenceError as error:
            raise ValueError(str(error)) from None


class ActivityCreate(_ActivityFields):
    """A custom activity, not adopted from a practice."""

    title: Title

    @model_validator(mode="after")
    def _dates(self) -> Self:
        check_dates(self.start_date, self.end_date, self.recurrence)
        return self


class ActivityPatch(_ActivityFields):
    """Changes to an activity; fields left out keep their value."""

    version: Version
    title: Title | None = None
    format: Format | None = None  # type: ignore[assignment]
    budget_planned: Money | None = None  # type: ignore[assignment]
    effort_planned: Days | None = None  # type: ignore[assignment]
    partners: list[Name] | None = None  # type: ignore[assignment]
    responsible: Annotated[str, Field(max_length=200)] | None = None  # type: ignore[assignment]
    status: ActivityStatus | None = None  # type: ignore[assignment]
    notes: LongText | None = None  # type: ignore[assignment]
    evaluation: LongText | None = None  # type: ignore[assignment]
    target_groups: list[vocabulary_key("target_groups")] | None = None  # type: ignore[valid-type,assignment]
    mobility_stages: list[vocabulary_key("mobility_stages")] | None = None  # type: ignore[valid-type,assignment]


def check_dates(start: date | None, end: date | None, recurrence: str | None) -> None:
    """An activity ends on or after its start, and a repeating one has a start."""
    _ordered(start, end, "end_date is before start_date")
    if recurrence and start is None:
        raise ValueError("a repeating activity needs a start_date")


class AdoptionCreate(Strict):
    """A practice adopted into the plan: one pre-filled activity per phase."""

    practice: Slug
    phases: Annotated[list[Phase], Field(min_length=1, max_length=2)] = ["setup", "delivery"]

    @field_validator("phases")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


# Responses.


class Out(BaseModel):
    """Responses list every field, also when empty."""


class InstitutionRef(Out):
    slug: str
    name: str


class Totals(Out):
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
    practice: str | None = Field(description="The slug of the adopted practice, if any.")
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
    guidance: dict[str, int] = Field(description="The sheet's 1-3 cost, time and effort levels.")
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
    owner: str | None = Field(description="The email of the plan's owner.")
    version: int
    created_at: datetime
    updated_at: datetime


class PlanOut(PlanSummary):
    totals: Totals
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
