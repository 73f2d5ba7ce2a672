"""What an event, a track and a question accept, as pydantic models.

The organiser's forms, the seed loader (data/events.yml) and the API check through these, so a
bound written beside a column in models.py is applied the same way at every door.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from babel.localedata import locale_identifiers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from app.core.extensions import utcnow
from app.core.validation import FieldProblem, Id, Strict, multi_line, single_line
from app.events.models import (
    ANSWER_MAX,
    AUDIENCE_MAX,
    CHOICE_MAX,
    CHOICES_MAX,
    CONFIRM_DAYS_MAX,
    CONSENT_MAX,
    HELP_MAX,
    LANGUAGES_MAX,
    PLACE_MAX,
    PROMPT_MAX,
    SIGNATORY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TOPIC_MAX,
    TOPICS_MAX,
    TRACK_CAPACITY_MAX,
    URL_MAX,
    YEARS_AROUND,
    QuestionKind,
    known_timezones,
)
from app.planner.models import Format

Title = single_line(TITLE_MAX, min_length=1)
Place = single_line(PLACE_MAX)
Markdown = multi_line(TEXT_MAX)
ConsentText = multi_line(CONSENT_MAX)
Audience = multi_line(AUDIENCE_MAX)
Signatory = single_line(SIGNATORY_MAX)
Topic = single_line(TOPIC_MAX, min_length=1)
Choice = single_line(CHOICE_MAX, min_length=1)

# The question kinds that take a written answer (and so a length limit), and those that
# offer choices.
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
CHOICE_KINDS = frozenset({QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES})
MIN_CHOICES = 2


@cache
def language_codes() -> frozenset[str]:
    """Return the two-letter ISO 639-1 codes Babel can name."""
    return frozenset(code for code in locale_identifiers() if len(code) == 2)


def _email(value: str) -> str:
    if not value:
        return value
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(_("is not an email address")) from None


ContactEmail = Annotated[str, Field(max_length=254), AfterValidator(_email)]


def _timezone(value: str) -> str:
    if value not in known_timezones():
        raise ValueError(_("%(zone)r is not a known time zone", zone=value[:80]))
    return value


def _url(value: str) -> str:
    if value and not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", value):
        raise ValueError(_("give a web address starting with http:// or https://"))
    return value


MeetingUrl = Annotated[str, Field(max_length=URL_MAX), AfterValidator(_url)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]


def _languages(value: list[str]) -> list[str]:
    """Check working languages as ISO 639-1 codes, in lower case, each once."""
    codes = [code.strip().lower() for code in value if code.strip()]
    unknown = [code for code in codes if code not in language_codes()]
    if unknown:
        raise ValueError(
            _(
                "not a two-letter language code (ISO 639-1) such as en, fi or sv: %(codes)s",
                codes=", ".join(code[:10] for code in unknown[:5]),
            )
        )
    return list(dict.fromkeys(codes))


# An event's working languages, and a series' call template's, by the same rule.
WorkingLanguages = Annotated[list[str], Field(max_length=LANGUAGES_MAX), AfterValidator(_languages)]


def _years_around() -> tuple[date, date]:
    """Return the first and last day an event's dates and times may fall on, from today."""
    today = utcnow().date()
    return (
        date(today.year - YEARS_AROUND, 1, 1),
        date(today.year + YEARS_AROUND, 12, 31),
    )


def _around(value: date | datetime | None) -> Any:
    if value is None:
        return value
    first, last = _years_around()
    day = value.date() if isinstance(value, datetime) else value
    if not first <= day <= last:
        raise ValueError(
            _(
                "must be between %(first)s and %(last)s",
                first=first.isoformat(),
                last=last.isoformat(),
            )
        )
    return value


EventDate = Annotated[date, AfterValidator(_around)]
LocalTime = Annotated[datetime | None, AfterValidator(_around)]


class EventFields(Strict):
    """An event as its organiser types it; times are of the event's time zone (naive)."""

    title: Title
    starts_on: EventDate
    ends_on: EventDate
    place: Place = ""
    format: Format = Format.ON_SITE
    description: Markdown = ""
    audience: Audience = ""
    contact_email: ContactEmail = ""
    programme: Markdown = ""
    accommodation: Markdown = ""
    consent_text: ConsentText = ""
    languages: WorkingLanguages = []
    timezone: TimeZone = "Europe/Helsinki"
    opens_at: LocalTime = None
    # Checked even when left out, against the opening time checked before it.
    closes_at: Annotated[LocalTime, Field(validate_default=True)] = None
    invitation_only: bool = False
    second_choice: bool = False
    confirm_days: Annotated[int, Field(ge=1, le=CONFIRM_DAYS_MAX)] = 14
    disagreement_margin: Annotated[
        Decimal, Field(ge=0, le=4, decimal_places=2, allow_inf_nan=False)
    ] = Decimal("1.5")
    meeting_at: LocalTime = None
    meeting_url: MeetingUrl = ""
    signatory_name: Signatory = ""
    signatory_title: Signatory = ""
    activity_id: Id | None = None

    # The order of the dates is checked field by field, not once the whole model is valid,
    # so that a form lists it beside every other problem at once.
    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and value < starts_on:
            raise ValueError(_("the event ends before it starts"))
        return value

    @field_validator("closes_at")
    @classmethod
    def _closes_after_open(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if "opens_at" not in info.data:
            return value  # the opening time has a problem of its own
        opens_at = info.data["opens_at"]
        if (opens_at is None) != (value is None):
            missing = "closes_at" if value is None else "opens_at"
            raise FieldProblem(missing, _("give both the opening and the closing time, or neither"))
        if opens_at and value and value <= opens_at:
            raise ValueError(_("applications must close after they open"))
        starts_on = info.data.get("starts_on")
        if value and starts_on and value > datetime.combine(starts_on, datetime.min.time()):
            raise ValueError(_("applications must close before the event starts"))
        # Once decisions are sent, reopening the window would hide them from the applicants
        # and let the accepted change or withdraw what was decided on.
        sent = (info.context or {}).get("decisions_sent")
        if sent is not None and (value is None or value > sent):
            raise ValueError(
                _("the decisions are sent, so applications must stay closed: close them by then")
            )
        return value


class TrackFields(Strict):
    """A track of an event: who it is for, what it covers, how many it takes."""

    title: Title
    target_group: Audience = ""
    topics: Annotated[list[Topic], Field(max_length=TOPICS_MAX)] = []
    capacity: Annotated[int, Field(ge=1, le=TRACK_CAPACITY_MAX)] = 20


class QuestionFields(Strict):
    """A question of a track; a length limit only for text, choices only for choice kinds."""

    kind: QuestionKind = QuestionKind.SHORT_TEXT
    prompt: single_line(PROMPT_MAX, min_length=1)  # type: ignore[valid-type]
    help: multi_line(HELP_MAX) = ""  # type: ignore[valid-type]
    required: bool = False
    # Checked even when left out, against the kind checked before them.
    max_length: Annotated[
        Annotated[int, Field(ge=1, le=ANSWER_MAX)] | None, Field(validate_default=True)
    ] = None
    choices: Annotated[list[Choice], Field(max_length=CHOICES_MAX, validate_default=True)] = []
    # The question in Finnish and Swedish (optional): empty, the main text stands in.
    prompt_fi: single_line(PROMPT_MAX) = ""  # type: ignore[valid-type]
    prompt_sv: single_line(PROMPT_MAX) = ""  # type: ignore[valid-type]
    help_fi: multi_line(HELP_MAX) = ""  # type: ignore[valid-type]
    help_sv: multi_line(HELP_MAX) = ""  # type: ignore[valid-type]
    choices_fi: Annotated[list[Choice], Field(max_length=CHOICES_MAX)] = []
    choices_sv: Annotated[list[Choice], Field(max_length=CHOICES_MAX)] = []

    # Field by field, so that a form lists these beside every other problem at once.
    @field_validator("max_length")
    @classmethod
    def _length_for_text(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        if kind is not None and kind not in TEXT_KINDS and value is not None:
            raise ValueError(_("only text answers take a length limit"))
        return value

    @field_validator("choices")
    @classmethod
    def _choices_for_kind(cls, value: list[str], info: ValidationInfo) -> list[str]:
        kind = info.data.get("kind")
        if kind is None:
            return value
        if kind in CHOICE_KINDS:
            if len(value) < MIN_CHOICES:
                raise ValueError(_("give at least %(num)d choices, one per line", num=MIN_CHOICES))
            if len(set(value)) != len(value):
                raise ValueError(_("each choice may be given only once"))
        elif value:
            raise ValueError(_("only questions with choices take choices"))
        return value

    @field_validator("choices_fi", "choices_sv")
    @classmethod
    def _translated_choices(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if "choices" not in info.data:
            return value  # the main choices have a problem of their own
        if value and not info.data["choices"]:
            raise ValueError(_("only questions with choices take choices"))
        if value and len(value) != len(info.data["choices"]):
            raise ValueError(
                _(
                    "give as many translated choices as choices (%(num)d), in the same order, "
                    "or none",
                    num=len(info.data["choices"]),
                )
            )
        if len(set(value)) != len(value):
            raise ValueError(_("each choice may be given only once"))
        return value
