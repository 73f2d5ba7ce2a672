"""Pydantic models of the catalogue: the rules of a practice sheet's fields, and the API's shapes.

As in every package, schemas.py holds pydantic models (and the rules they apply): the rules of
a thing's fields, used by forms, files, imports and the API. PracticeSheet is the one validated
shape of a sheet, shared by its files, the database, the editor's form and the API; the API's
answers (PracticeSummary, PracticeDetail, PracticePage) are built from models here too, and the
OpenAPI document is generated from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from app.core.formatting import number
from app.core.i18n import lazy_gettext as _l
from app.core.pagination import MAX_PAGE
from app.core.validation import (
    CONFIG_MARK,
    TRUSTED,
    VOCABULARY_MARK,
    HttpUrl,
    Slug,
    Strict,
    multi_line,
    single_line,
    vocabulary_key,
)

__all__ = ["TRUSTED", "PracticeSheet", "strip_markers", "tidy_text", "translation_differences"]

# Addresses under /practices/ that pages of the catalogue use.
RESERVED_SLUGS = frozenset({"new", "compare"})

# The private-use characters the catalogue search marks matches with: removed from every text
# of a sheet and from a search, so that no text can pose as a mark.
MARKER_CHARACTERS = "\ue000\ue001"
_NO_MARKERS = str.maketrans(dict.fromkeys(MARKER_CHARACTERS))
# The validation context's key for "the text this data was read from has no marker in it".
WITHOUT_MARKERS = "without_markers"

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
        raise ValueError(_("listed twice: %(values)s", values=", ".join(seen)))
    return values


class SheetIndicator(Strict):
    """A suggested indicator: what to measure, in which unit, and which way is better."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"name"})

    name: ShortText
    unit: UnitKey
    direction: DirectionKey


class SheetPhase(Strict):
    """Setting a practice up, or delivering it: levels, people and indicators."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"actors", "partners"})

    # The API answers every field, also an empty list of partners.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    cost: Level
    time: Level
    effort: Level
    actors: Annotated[list[ShortText], Field(min_length=1)]
    partners: list[ShortText] = []
    indicators: Annotated[list[SheetIndicator], Field(min_length=1)]


class InternalActor(Strict):
    """A unit of the institution and its role in the practice."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"unit", "role"})

    unit: ShortText
    role: Text


class ExternalCollaborator(Strict):
    """An outside organisation and its role in the practice."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"organisation", "role"})

    organisation: ShortText
    role: Text


class ActivityType(Strict):
    """A variant of the practice."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"name", "description"})

    name: ShortText
    description: Text


class GoodExample(Strict):
    """A named case: who did it and what they did."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"name", "institution", "description"})

    name: ShortText
    institution: ShortText
    description: Text


class Source(Strict):
    """Where the facts of the sheet come from."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset({"title"})

    title: ShortText
    url: HttpUrl | None = None


class PracticeSheet(Strict):
    """A whole practice sheet. The field order is the order of the file format."""

    # The prose of this part, which a translation translates; every other field it keeps.
    TRANSLATED: ClassVar[frozenset[str]] = frozenset(
        {"title", "summary", "body", "considerations", "challenges"}
    )

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
    setup: SheetPhase
    delivery: SheetPhase
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
    def _strip_markers(cls, data: Any, info: ValidationInfo) -> Any:
        # A caller that saw the whole text without a marker spares the walk through the data.
        if (info.context or {}).get(WITHOUT_MARKERS):
            return data
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
            raise ValueError(
                _(
                    "at most %(limit)s characters; this has %(length)s",
                    limit=number(BODY_MAX_CHARS),
                    length=number(len(value)),
                )
            )
        return value

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(
                _("%(slug)s is taken by a page of the catalogue; choose another", slug=repr(value))
            )
        return value

    @field_validator("related")
    @classmethod
    def _related(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("slug") in values:
            raise ValueError(_("a practice cannot be related to itself"))
        return _check_unique(values)

    def front_matter(self) -> dict[str, Any]:
        """Return every field but the body, in file order, without empty optional values."""
        return self.model_dump(mode="json", exclude={"body"}, exclude_none=True)


# A difference between a translation and its source: where (a field path) and what.
Difference = tuple[tuple[str | int, ...], str]


def translation_differences(source: BaseModel, translation: BaseModel) -> list[Difference]:
    """Find where a translated sheet differs from its English source in more than its prose.

    A translation keeps every field that is not prose (slug, levels, vocabulary keys, units,
    directions, related sheets, addresses, estimates) and the number of items of every list;
    only the text of the fields a part names in TRANSLATED may differ.
    """
    return _differences(source, translation, ())


def _differences(source: Any, translation: Any, loc: tuple[str | int, ...]) -> list[Difference]:
    if isinstance(source, BaseModel) and type(source) is type(translation):
        found: list[Difference] = []
        prose = getattr(source, "TRANSLATED", frozenset())
        for name in type(source).model_fields:
            mine, theirs = getattr(source, name), getattr(translation, name)
            if name not in prose:
                # Equal plain values (most fields) need no walk; a model, or a list of them,
                # may differ in prose only, which the walk allows.
                if not _holds_models(mine) and mine == theirs:
                    continue
                found += _differences(mine, theirs, (*loc, name))
            elif isinstance(mine, list) and len(mine) != len(theirs):
                found.append(((*loc, name), _count_message(len(theirs), len(mine))))
        return found
    if isinstance(source, list) and source and isinstance(source[0], BaseModel):
        if len(source) != len(translation):
            return [(loc, _count_message(len(translation), len(source)))]
        return [
            difference
            for index, (mine, theirs) in enumerate(zip(source, translation, strict=True))
            for difference in _differences(mine, theirs, (*loc, index))
        ]
    if source != translation:
        shown = source if isinstance(source, int | str | list) else str(source)
        return [
            (
                loc,
                f"is {translation!r} here but {shown!r} in the English sheet; a "
                "translation keeps every field that is not text as its source has it",
            )
        ]
    return []


def _holds_models(value: Any) -> bool:
    """Tell whether _differences walks into a value (a model, or a list of models)."""
    return isinstance(value, BaseModel) or (
        isinstance(value, list) and bool(value) and isinstance(value[0], BaseModel)
    )


def _count_message(here: int, there: int) -> str:
    return (
        f"has {here} item(s) here but {there} in the English sheet; a translation translates "
        "each item and keeps their number"
    )


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


# --- the catalogue's search: its parameters and their rules --------------------------------


@dataclass(frozen=True)
class Facet:
    """A filter of the catalogue: its URL name, label, vocabulary and practice_terms name."""

    name: str
    label: str
    vocabulary: str  # the list of data/vocabularies.yml its values come from
    term: str  # the PracticeTerm.vocabulary its values are stored under
    group: str = "sheet"


FACETS: tuple[Facet, ...] = (
    Facet("category", _l("Category"), "categories", "categories"),
    Facet("mobility_stage", _l("Mobility stage"), "mobility_stages", "mobility_stages"),
    Facet("target_group", _l("Target group"), "target_groups", "target_groups"),
    Facet("goal", _l("Goal"), "goals", "goals"),
    Facet("delivery_schedule", _l("Delivery schedule"), "delivery_schedules", "delivery_schedule"),
    Facet("importance", _l("Importance"), "importance", "importance"),
    Facet(
        "scale_of_change",
        _l("Scale of organisational change"),
        "scales_of_change",
        "scale_of_change",
    ),
    Facet("setup_cost", _l("Cost"), "levels", "setup_cost", group="setup"),
    Facet("setup_time", _l("Time required"), "levels", "setup_time", group="setup"),
    Facet("setup_effort", _l("Personnel effort"), "levels", "setup_effort", group="setup"),
    Facet("delivery_cost", _l("Cost"), "levels", "delivery_cost", group="delivery"),
    Facet("delivery_time", _l("Time required"), "levels", "delivery_time", group="delivery"),
    Facet("delivery_effort", _l("Personnel effort"), "levels", "delivery_effort", group="delivery"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
FacetName = Literal[tuple(FACETS_BY_NAME)]  # type: ignore[valid-type]

SORTS = {
    "relevance": _l("Best match"),
    "title": _l("Title (A–Z)"),
    "setup_cost": _l("Lowest setup cost"),
    "delivery_cost": _l("Lowest delivery cost"),
    "effort": _l("Lowest total effort"),
    "importance": _l("Most important first"),
    "updated": _l("Recently updated"),
}

QUERY_MAX_CHARS = 200
# The words of a search the full-text engines are given; the rest are ignored.
QUERY_MAX_TERMS = 20


def _problem(message: str) -> PydanticCustomError:
    """Return a validation error whose message is exactly the one given (no prefix), already
    in the request's language."""
    return PydanticCustomError("query", message)  # type: ignore[arg-type]


def _search_text(value: Any) -> str:
    """Read the search: trimmed, without marker characters, bounded, with a word in it."""
    raw = strip_markers(str(value))
    text = raw.strip()
    if len(text) > QUERY_MAX_CHARS:
        raise _problem(_("at most %(limit)d characters", limit=QUERY_MAX_CHARS))
    if raw and not re.search(r"\w", raw):
        raise _problem(_("no words to search for in %(text)s", text=repr(raw)))
    return text


def _sort(value: str) -> str:
    """Accept a known sort or none (the default order)."""
    if value and value not in SORTS:
        raise _problem(
            _(
                "unknown sort %(given)s; allowed: %(allowed)s",
                given=repr(value),
                allowed=", ".join(SORTS),
            )
        )
    return value


def _whole_number(value: Any) -> int:
    """Read a whole number of at least 1 from a request argument."""
    if isinstance(value, int) and value >= 1:
        return value
    raw = str(value)
    # Nine digits at most: int() of a huge string is slow, and no page number needs more.
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1:
        return int(raw)
    raise _problem(_("must be a whole number of at least 1"))


def _page(value: int) -> int:
    if value > MAX_PAGE:
        raise _problem(_("at most %(limit)d", limit=MAX_PAGE))
    return value


def _page_size(value: int, info: ValidationInfo) -> int:
    limit = (info.context or {}).get("max_per_page")
    if limit is not None and value > limit:
        raise _problem(_("at most %(limit)d", limit=limit))
    return value


def _facet_values(name: str) -> Any:
    """Return the type of a facet's values: keys of its vocabulary, each named once."""

    def check(values: list[str], info: ValidationInfo) -> list[str]:
        vocab = (info.context or {}).get("vocab")
        if vocab is not None:
            allowed = vocab.keys(name)
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise _problem(
                    _(
                        "unknown value %(given)s; allowed: %(allowed)s",
                        given=", ".join(map(repr, unknown)),
                        allowed=", ".join(allowed),
                    )
                )
        return list(dict.fromkeys(values))

    # The empty value is a form's empty field, and ignored.
    key = Annotated[str, Field(json_schema_extra={"enum": [""], VOCABULARY_MARK: name})]
    return Annotated[list[key], AfterValidator(check)]  # type: ignore[valid-type]


class _Query(BaseModel):
    """What every catalogue search has besides its facets (added from FACETS below)."""

    # Other arguments of the address (the sheets ticked for comparing) belong to the page.
    model_config = ConfigDict(extra="ignore")

    if TYPE_CHECKING:  # fields of PracticeQuery, made below
        q: str
        sort: str
        page: int
        per_page: int

    @property
    def filters(self) -> dict[str, list[str]]:
        """Return the chosen values of each facet that has any."""
        return {f.name: getattr(self, f.name) for f in FACETS if getattr(self, f.name)}

    @property
    def effective_sort(self) -> str:
        """Sort by relevance when there is a search, else by title, unless told otherwise."""
        if self.sort and (self.sort != "relevance" or self.terms):
            return self.sort
        return "relevance" if self.terms else "title"

    @property
    def terms(self) -> list[str]:
        """Return the words of the search, as the full-text engines will see them."""
        return re.findall(r"\w+", self.q)[:QUERY_MAX_TERMS]


# Everything a catalogue search asks for; the address holds all of it. The page and the API
# read it from the request with search.parse_query (context: vocab, max_per_page), and the
# OpenAPI document lists its fields as the parameters of GET /api/v1/practices.
PracticeQuery = create_model(
    "PracticeQuery",
    __base__=_Query,
    __doc__="Everything a catalogue search asks for; the address holds all of it.",
    # The search first, as people read the address and the document's parameters.
    q=(
        Annotated[
            str,
            BeforeValidator(_search_text),
            # Empty for no search; otherwise at least one word character.
            WithJsonSchema({"type": "string", "maxLength": QUERY_MAX_CHARS, "pattern": r"^$|\w"}),
        ],
        Field(
            default="",
            description="Full-text search over title, summary and body: at least one letter "
            "or digit.",
        ),
    ),
    **{
        facet.name: (
            _facet_values(facet.vocabulary),
            Field(
                default=[],
                description=f"{facet.label} ({facet.group}); repeat or comma-separate for any "
                "of several values. An empty value is ignored (a form's empty field).",
            ),
        )
        for facet in FACETS
    },
    sort=(
        Annotated[
            str,
            AfterValidator(_sort),
            WithJsonSchema({"type": "string", "enum": ["", *SORTS]}),
        ],
        Field(
            default="",
            description="The order; empty or absent: best match when searching, else by title.",
        ),
    ),
    page=(
        Annotated[
            int,
            BeforeValidator(_whole_number),
            AfterValidator(_page),
            WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        ],
        Field(default=1),
    ),
    per_page=(
        Annotated[
            int,
            BeforeValidator(_whole_number),
            AfterValidator(_page_size),
            WithJsonSchema(
                {
                    "type": "integer",
                    "minimum": 1,
                    CONFIG_MARK: {"maximum": "MAX_PAGE_SIZE", "default": "PAGE_SIZE"},
                }
            ),
        ],
        # No default here: parse_query gives the configured one (PAGE_SIZE).
        Field(),
    ),
)


# --- what the API answers ----------------------------------------------------------------------

# An absolute address (the API's url fields start with PUBLIC_BASE_URL).
AbsoluteUrl = Annotated[str, Field(json_schema_extra={"format": "uri"})]
# A moment with its offset, written as Python's isoformat writes it ("+00:00", not "Z").
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class PhaseLevels(BaseModel):
    """A phase's cost, time and effort, from 1 (low) to 3 (high)."""

    cost: Level
    time: Level
    effort: Level


class Highlight(BaseModel):
    """A sheet's title and a snippet of its text, matched words in [brackets]."""

    title: str
    snippet: str


class PracticeSummary(BaseModel):
    """What a list shows of a practice."""

    slug: Slug
    title: str
    summary: str
    url: AbsoluteUrl
    page_url: AbsoluteUrl
    goals: list[GoalKey]
    categories: list[CategoryKey]
    mobility_stages: list[StageKey]
    target_groups: list[TargetGroupKey]
    delivery_schedule: ScheduleKey
    importance: ImportanceKey
    scale_of_change: Level
    setup: PhaseLevels
    delivery: PhaseLevels
    estimated: list[Estimable] = Field(
        description="The ratings that are the editors' estimates, not facts of the sources: "
        "importance, scale_of_change, or a phase's level as setup.cost."
    )
    # Left out of the answer (not null) when there is no search.
    highlight: Highlight | SkipJsonSchema[None] = Field(
        default=None, description="Present when q is given; matched words are in [brackets]."
    )


class PracticeDetail(PracticeSheet):
    """A whole practice sheet as the API answers it: where it lives, and whether withdrawn."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    url: AbsoluteUrl
    page_url: AbsoluteUrl
    withdrawn: bool
    updated_at: Timestamp


class FacetValue(BaseModel):
    """One value of a facet with its count under the other filters and the search."""

    key: str = Field(serialization_alias="value")
    label: str
    count: Annotated[int, Field(ge=0)]
    selected: bool


class PracticePage(BaseModel):
    """A page of practices with the facet counts of the whole result."""

    items: list[PracticeSummary]
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    total: Annotated[int, Field(ge=0)]
    pages: Annotated[int, Field(ge=1)]
    sort: Annotated[str, WithJsonSchema({"type": "string", "enum": list(SORTS)})]
    facets: dict[FacetName, list[FacetValue]]
