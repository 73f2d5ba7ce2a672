"""The models of the events API: what a list of calls is asked, and what it answers.

The API answers are built from these models and the OpenAPI document is generated from them
(app/api/openapi.py). Enumerations come from the models' own enums; text bounds from the
models' constants.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.applications.models import ApplicationStatus, Decision, PlaceStatus
from app.core.validation import CONFIG_MARK
from app.events.listing import SORTS
from app.events.models import TOPIC_MAX, EventStatus, QuestionKind, WindowState
from app.planner.models import Format

MAX_PAGE = 100_000
SLUG_MAX = 120
# Text of a query: no control characters (PostgreSQL refuses NUL in text outright).
PLAIN = r"^[^\x00-\x1f\x7f]*$"


# Which calls a list shows by their application window: open for applications now, closing
# within a week, not open yet (opening later), closed; empty for every published one. The
# listing checks it as its "state" (app/events/listing.py).
WINDOW_FILTERS = ("", "open", "closing", "soon", "closed")


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("query", "{message}", {"message": message})


def _whole_number(value: Any) -> int:
    """Read a whole number of at least 1 from a request argument."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raw = str(value)
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1:
        return int(raw)
    raise _problem(_("must be a whole number of at least 1"))


def _at_most(limit_of: str | int) -> Any:
    def check(value: int, info: ValidationInfo) -> int:
        limit = limit_of if isinstance(limit_of, int) else (info.context or {}).get(limit_of)
        if limit is not None and value > limit:
            raise _problem(_("at most %(limit)d", limit=limit))
        return value

    return check


def _plain(limit: int, json_schema: dict[str, Any] | None = None) -> Any:
    def check(value: str) -> str:
        if len(value) > limit:
            raise _problem(_("at most %(limit)d characters", limit=limit))
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise _problem(_("must not contain control characters"))
        return value.strip()

    return Annotated[
        str,
        AfterValidator(check),
        WithJsonSchema(json_schema or {"type": "string", "maxLength": limit, "pattern": PLAIN}),
    ]


Slug = _plain(SLUG_MAX)
TopicText = _plain(TOPIC_MAX)
Page = Annotated[
    int,
    BeforeValidator(_whole_number),
    AfterValidator(_at_most(MAX_PAGE)),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
]
PerPage = Annotated[
    int,
    BeforeValidator(_whole_number),
    AfterValidator(_at_most("max_per_page")),
    WithJsonSchema(
        {
            "type": "integer",
            "minimum": 1,
            CONFIG_MARK: {"maximum": "MAX_PAGE_SIZE", "default": "PAGE_SIZE"},
        }
    ),
]


def _offered(values: Any) -> Any:
    """A query word among those offered: checked by the listing of calls, which says which."""
    return Annotated[
        str,
        AfterValidator(lambda value: value.strip()),
        WithJsonSchema({"type": "string", "enum": list(values)}),
    ]


IsoDate = _plain(10, {"type": "string", "format": "date"})


class EventQuery(BaseModel):
    """What a list of published calls asks for; every field is a query parameter.

    The filters are the listing's (/events): app/events/listing.py checks them, as it does the
    page's, and a refused value answers 400 with the field and the reason.
    """

    model_config = ConfigDict(extra="ignore")

    window: _offered(WINDOW_FILTERS) = Field(  # type: ignore[valid-type]
        default="",
        description="open: open for applications now; closing: open and closing within a "
        "week; soon: opening later; closed: closed.",
    )
    institution: Slug = Field(  # type: ignore[valid-type]
        default="", description="Only the calls of the institution with this slug."
    )
    topic: TopicText = Field(  # type: ignore[valid-type]
        default="",
        description="Only the calls with a track whose topics mention this text (any case).",
    )
    category: TopicText = Field(  # type: ignore[valid-type]
        default="",
        description="Only the calls carrying out a practice of this catalogue category (its key).",
    )
    target_group: TopicText = Field(  # type: ignore[valid-type]
        default="",
        description="Only the calls with a track whose target group mentions this text.",
    )
    country: TopicText = Field(  # type: ignore[valid-type]
        default="", description="Only the calls of hosts in this country (its English name)."
    )
    network: Slug = Field(  # type: ignore[valid-type]
        default="", description="Only the calls of members of the network with this slug."
    )
    start: IsoDate = Field(
        default="", description="Only the events taking place, at least partly, from this day."
    )
    end: IsoDate = Field(
        default="", description="Only the events taking place, at least partly, until this day."
    )
    format: _offered(Format) = Field(  # type: ignore[valid-type]
        default="", description="Only the events of this format."
    )
    language: _plain(TOPIC_MAX, {"type": "string", "pattern": "^[a-z]{2}$"}) = Field(  # type: ignore[valid-type]
        default="", description="Only the events with this working language (ISO 639-1)."
    )
    sort: _offered(SORTS) = Field(  # type: ignore[valid-type]
        default="starting",
        description="starting: by first day; closing: the soonest to close first; newest: the "
        "latest published first.",
    )
    page: Page = Field(default=1)
    per_page: PerPage = Field(description="Calls per page.")


class ApplicationQuery(BaseModel):
    """What a list of an event's applications asks for."""

    model_config = ConfigDict(extra="ignore")

    page: Page = Field(default=1)
    per_page: PerPage = Field(description="Applications per page.")


class InstitutionRef(BaseModel):
    """An institution as other objects name it."""

    slug: str
    name: str


class WindowOut(BaseModel):
    """The application window: in UTC, and as the event's time zone reads it."""

    state: WindowState = Field(description="Where the window stands at the time of the answer.")
    opens_at: datetime | None = Field(description="UTC.")
    closes_at: datetime | None = Field(description="UTC; applications close before it.")
    opens_local: datetime | None = Field(description="The opening in the event's time zone.")
    closes_local: datetime | None = Field(description="The closing in the event's time zone.")


class QuestionOut(BaseModel):
    """A question a track asks its applicants."""

    id: int
    kind: QuestionKind
    prompt: str
    help: str
    required: bool
    max_length: int | None
    choices: list[str]


class TrackOut(BaseModel):
    """A track of an event: its audience, topics, places and questions."""

    id: int
    title: str
    target_group: str
    topics: list[str]
    capacity: int = Field(description="Places in the track.")
    questions: list[QuestionOut]


class TrackRef(BaseModel):
    """A track as an application names it."""

    id: int
    title: str


class EventSummary(BaseModel):
    """What a list shows of a call: never anything of its applicants."""

    id: int
    url: str
    page_url: str | None = Field(description="The public call page.")
    institution: InstitutionRef
    title: str
    status: EventStatus
    starts_on: date
    ends_on: date
    timezone: str = Field(description="IANA time zone of the event's place.")
    place: str
    format: Format
    languages: list[str]
    invitation_only: bool
    window: WindowOut
    track_topics: list[str] = Field(description="The topics of all its tracks.")


class EventOut(EventSummary):
    """A whole call: its texts (Markdown as written), tracks and their questions."""

    description: str
    audience: str
    contact_email: str
    programme: str
    accommodation: str
    second_choice: bool
    tracks: list[TrackOut]


class EventPage(BaseModel):
    """A page of published calls."""

    items: list[EventSummary]
    page: int
    per_page: int
    total: int
    pages: int


class AnswerOut(BaseModel):
    """An application's answer to one of its track's questions."""

    question_id: int
    prompt: str
    value: Any = Field(description="A string, a list of strings, or a boolean.")


class ApplicationOut(BaseModel):
    """An application with the decision as prepared (personal data: organisers and the
    track's committee only)."""

    id: int
    track: TrackRef
    second_track: TrackRef | None
    status: ApplicationStatus
    language: str
    name: str
    email: str
    current_role: str
    background: str
    institution_name: str
    home_institution: InstitutionRef | None
    country: str
    networks: list[str]
    submitted_at: datetime
    withdrawn_at: datetime | None
    decision: Decision | None = Field(description="As prepared; applicants see it once sent.")
    waiting_rank: int | None
    decision_sent_at: datetime | None
    place: PlaceStatus | None
    offer_deadline: datetime | None
    erased: bool = Field(description="The applicant's personal data was erased at their request.")
    answers: list[AnswerOut]


class ApplicationPage(BaseModel):
    """A page of an event's applications."""

    items: list[ApplicationOut]
    page: int
    per_page: int
    total: int
    pages: int
