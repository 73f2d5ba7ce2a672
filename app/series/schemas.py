"""The rules of what a series' coordinator types: the series with its call template (an
event's fields, by the events schema's types, so an edition copies nothing its host's event
would refuse) and the next edition."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from pydantic import ValidationInfo, field_validator

from app.core.validation import Id, Strict, single_line
from app.events.schemas import (
    Audience,
    ContactEmail,
    EventDate,
    Markdown,
    Place,
    TimeZone,
    Title,
    WorkingLanguages,
)
from app.planner.models import Format
from app.series.models import EDITION_DAYS_MAX, NAME_MAX, Cadence


class SeriesFields(Strict):
    """A series as its coordinator types it: its name, network, cadence and call template."""

    name: single_line(NAME_MAX, min_length=1)  # type: ignore[valid-type]
    network_id: Id | None = None
    cadence: Cadence = Cadence.TWICE_A_YEAR
    central_place: Place = ""
    format: Format = Format.ON_SITE
    description: Markdown = ""
    audience: Audience = ""
    contact_email: ContactEmail = ""
    languages: WorkingLanguages = []
    timezone: TimeZone = "Europe/Helsinki"


class EditionFields(Strict):
    """The next edition: centralised or at the next host, its title and days."""

    centralised: bool
    title: Title
    starts_on: EventDate
    ends_on: EventDate

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and value < starts_on:
            raise ValueError(_("the event ends before it starts"))
        if starts_on is not None and (value - starts_on).days >= EDITION_DAYS_MAX:
            raise ValueError(_("an edition lasts at most %(num)d days", num=EDITION_DAYS_MAX))
        return value
