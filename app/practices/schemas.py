"""Pydantic models of the catalogue: the rules of a practice sheet's fields, and the API's shapes.

As in every package, schemas.py holds pydantic models (and the rules they apply): the rules of
a thing's fields, used by forms, files, imports and the API. PracticeSheet is the one validated
shape of a sheet, shared by its files, the database, the editor's form and the API; the API's
answers (PracticeSummary, PracticeDetail, PracticePage) are built from models here too, and the
OpenAPI document is generated from them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.core.validation import (
    TRUSTED,
    HttpUrl,
    Slug,
    Strict,
    multi_line,
    single_line,
    vocabulary_key,
)

__all__ = ["TRUSTED", "PracticeSheet", "strip_markers", "tidy_text"]

# Addresses under /practices/ that pages of the catalogue use.
RESERVED_SLUGS = frozenset({"new", "compare"})

# The private-use characters the catalogue search marks matches with: removed from every text
# of a sheet and from a search, so that no text can pose as a mark.
MARKER_CHARACTERS = "\ue000\ue001"
_NO_MARKERS = str.maketrans(dict.fromkeys(MARKER_CHARACTERS))

# The longest body: 20 times the longest shipped one. Rendering grows linearly with the text,
# and at this size the worst shapes (runs of `[` or `![[`) take well under a second.
BODY_MAX_CHARS = 50_000

# The ratings of a sheet that can be the editors' estimates rather than facts of its sources.
Estimable = Literal[
    "importance",
    "scale_of_change",
    "setup.cost",
    "setup.time",
    "setup.effort",
    "delivery.cost",
    "delivery.time",
    "delivery.effort",
]
ESTIMABLE: tuple[str, ...] = get_args(Estimable)

Text = multi_line(5000, min_length=1)
# Names and titles are one line: no line break or control character (feeds, exports, mail).
ShortText = single_line(300, min_length=1)
Level = Annotated[int, Field(ge=1, le=3, strict=True)]


GoalKey = vocabulary_key("goals")
CategoryKey = vocabulary_key("categories")
StageKey = vocabulary_key("mobility_stages")
TargetGroupKey = vocabulary_key("target_groups")
ScheduleKey = vocabulary_key("delivery_schedules")
ImportanceKey = vocabulary_key("importance")
UnitKey = vocabulary_key("indicator_units")
DirectionKey = vocabulary_key("directions")


def _check_unique(values: list[str]) -> list[str]:
    """Refuse a list that names a value twice."""
    seen = [v for i, v in enumerate(values) if v in values[:i]]
    if seen:
        raise ValueError(f"listed twice: {', '.join(seen)}")
    return values


class SheetIndicator(Strict):
    """A suggested indicator: what to measure, in which unit, and which way is better."""

    name: ShortText
    unit: UnitKey
    direction: DirectionKey


class Phase(Strict):
    """Setting a practice up, or delivering it: levels, people and indicators."""

    cost: Level
    time: Level
    effort: Level
    actors: Annotated[list[ShortText], Field(min_length=1)]
    partners: list[ShortText] = []
    indicators: Annotated[list[SheetIndicator], Field(min_length=1)]


class InternalActor(Strict):
    """A unit of the institution and its role in the practice."""

    unit: ShortText
    role: Text


class ExternalCollaborator(Strict):
    """An outside organisation and its role in the practice."""

    organisation: ShortText
    role: Text


class ActivityType(Strict):
    """A variant of the practice."""

    name: ShortText
    description: Text


class GoodExample(Strict):
    """A named case: who did it and what they did."""

    name: ShortText
    institution: ShortText
    description: Text


class Source(Strict):
    """Where the facts of the sheet come from."""

    title: ShortText
    url: HttpUrl | None = None


class PracticeSheet(Strict):
    """A whole practice sheet. The field order is the order of the file format."""

    title: single_line(200, min_length=3)  # type: ignore[valid-type]
    slug: Slug
    summary: Text
    goals: Annotated[list[GoalKey], Field(min_length=1)]
    categories: Annotated[list[CategoryKey], Field(min_length=1)]
    mobility_stages: Annotated[list[StageKey], Field(min_length=1)]
    delivery_schedule: ScheduleKey
    importance: ImportanceKey
    scale_of_change: Level
    target_groups: Annotated[list[TargetGroupKey], Field(min_length=1)]
    setup: Phase
    delivery: Phase
    internal_actors: list[InternalActor] = []
    external_collaborators: list[ExternalCollaborator] = []
    activity_types: list[ActivityType] = []
    considerations: list[Text] = []
    challenges: list[Text] = []
    good_examples: list[GoodExample] = []
    related: list[Slug] = []
    sources: list[Source] = []
    estimated: list[Estimable] = []
    # Checked in _tidy_body: stored sheets and revisions saved under the earlier, larger limit
    # still load.
    body: str = ""

    @model_validator(mode="before")
    @classmethod
    def _strip_markers(cls, data: Any) -> Any:
        return _without_markers(data)

    @field_validator("goals", "categories", "mobility_stages", "target_groups", "estimated")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return _check_unique(values)

    @field_validator("body")
    @classmethod
    def _tidy_body(cls, value: str, info: ValidationInfo) -> str:
        # Browsers send CRLF from text areas; equal text must compare equal.
        value = tidy_text(value)
        if len(value) > BODY_MAX_CHARS and not (info.context or {}).get("trusted"):
            raise ValueError(f"at most {BODY_MAX_CHARS:,} characters; this has {len(value):,}")
        return value

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(f"{value!r} is taken by a page of the catalogue; choose another")
        return value

    @field_validator("related")
    @classmethod
    def _related(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("slug") in values:
            raise ValueError("a practice cannot be related to itself")
        return _check_unique(values)

    def front_matter(self) -> dict[str, Any]:
        """Return every field but the body, in file order, without empty optional values."""
        return self.model_dump(mode="json", exclude={"body"}, exclude_none=True)


def strip_markers(text: str) -> str:
    """Remove the search's marker characters from a text."""
    return text.translate(_NO_MARKERS)


def _without_markers(data: Any) -> Any:
    """Remove the marker characters from every string of nested lists and mappings."""
    if isinstance(data, str):
        return strip_markers(data)
    if isinstance(data, dict):
        return {key: _without_markers(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_without_markers(value) for value in data]
    return data


def tidy_text(text: str) -> str:
    """Normalise line endings and trailing blanks so that equal content compares equal."""
    return re.sub(r"[ \t]+\n", "\n", text.replace("\r\n", "\n")).strip()
