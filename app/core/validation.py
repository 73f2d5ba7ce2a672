"""Pieces shared by every schema and form of user input: text, numbers, dates, ids, versions.

A rule lives here once; the pydantic schemas (API, imports, forms) and the WTForms fields take
it from here, so no door into the database forgets one.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from flask import flash
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic import ValidationError as SchemaError
from wtforms import DecimalField, HiddenField, SelectMultipleField
from wtforms.validators import DataRequired, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from app.core.formatting import typed
from app.core.i18n import lazy_gettext as _l
from app.core.routing import MAX_ID
from app.core.spreadsheets import parse_number
from app.core.vocabularies import Vocabularies
from app.core.yamlfile import pydantic_message

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=120)]


def is_slug(text: str) -> bool:
    """Tell whether a text has the shape of a slug (what a lookup by slug may be given)."""
    return len(text) <= 120 and re.fullmatch(SLUG_PATTERN, text) is not None


HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s\x00-\x1f\x7f]+$", max_length=500)]

# Validation context for data that was checked on its way into the database: stored rows keep
# vocabulary keys that a later edit of data/vocabularies.yml may have dropped.
TRUSTED: dict[str, Any] = {"trusted": True}


class Strict(BaseModel):
    """Common settings: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _vocab(info: ValidationInfo) -> Vocabularies | None:
    """Return the vocabularies to check keys against, or None for trusted stored data."""
    context = info.context or {}
    if context.get("trusted"):
        return None
    if "vocab" not in context:
        raise RuntimeError("validation needs the vocabularies as context")
    return context["vocab"]


# Marks in a JSON schema for what only a deployment knows, filled in by the OpenAPI document:
# the keys of a vocabulary list (appended to the schema's enum), and values of the config.
VOCABULARY_MARK = "x-vocabulary"
CONFIG_MARK = "x-config"


def vocabulary_key(name: str) -> Any:
    """Return a string type that must be a key of the named vocabulary list."""

    def check(value: str, info: ValidationInfo) -> str:
        vocab = _vocab(info)
        if vocab is None:
            return value
        if value not in vocab.translations[name]:
            raise ValueError(
                _(
                    "unknown value %(value)r; allowed: %(allowed)s",
                    value=value,
                    allowed=", ".join(vocab.keys(name)),
                )
            )
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={VOCABULARY_MARK: name})]


# Text. Control characters (Unicode category Cc) break feeds, mail headers, XLSX files and, for
# NUL, PostgreSQL's text columns: a single line holds none, a longer text only tab and newlines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SINGLE_LINE_MESSAGE = _l("must be a single line, without line breaks, tabs or control characters")
TEXT_MESSAGE = _l("must not contain control characters (other than tabs and line breaks)")


def single_line_problem(value: str) -> str | None:
    """Return why a value is not one line of text, or None."""
    return str(SINGLE_LINE_MESSAGE) if _CONTROL.search(value) else None


def text_problem(value: str) -> str | None:
    """Return why a value is not acceptable free text, or None."""
    return str(TEXT_MESSAGE) if _CONTROL_IN_TEXT.search(value) else None


def _single_line(value: str) -> str:
    problem = single_line_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


SingleLine = Annotated[str, AfterValidator(_single_line)]
"""One line of text: no CR, LF, NUL, tab or other control character (titles, names)."""
MultiLine = Annotated[str, AfterValidator(_text)]
"""Free text: line breaks and tabs, but no other control character (notes, descriptions)."""


class SingleLineText:
    """A WTForms validator: the field is one line, without control characters (SingleLine)."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = single_line_problem(field.data or "")
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")


class FreeText:
    """A WTForms validator: line breaks and tabs, but no other control character (MultiLine)."""

    def __call__(self, form: Any, field: Any) -> None:
        problem = text_problem(field.data or "")
        if problem:
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")


# The same rules as patterns, for the OpenAPI document (the validators give the messages).
_SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def single_line(max_length: int, *, min_length: int = 0) -> Any:
    """Return a single-line text type of bounded length."""
    return Annotated[
        str,
        Field(
            min_length=min_length,
            max_length=max_length,
            json_schema_extra={"pattern": _SINGLE_LINE_PATTERN},
        ),
        AfterValidator(_single_line),
    ]


def multi_line(max_length: int, *, min_length: int = 0) -> Any:
    """Return a free-text type of bounded length."""
    return Annotated[
        str,
        Field(
            min_length=min_length,
            max_length=max_length,
            json_schema_extra={"pattern": _TEXT_PATTERN},
        ),
        AfterValidator(_text),
    ]


# Numbers. Decimal reads "NaN", "sNaN", "Infinity" and "1e400"; none is an amount, and NaN
# cannot even be compared (InvalidOperation), so every number is finite and bounded.
FiniteNumber = Annotated[Decimal, Field(allow_inf_nan=False)]
"""A finite decimal number (no NaN, no infinity); bound it with bounded_number()."""


def bounded_number(*, ge: Decimal | int = 0, le: Decimal | int, places: int) -> Any:
    """Return a finite decimal type between ge and le with at most `places` decimals.

    The bounds must fit the column (Numeric(12, 2) holds up to 9,999,999,999.99).
    """
    return Annotated[
        Decimal,
        Field(ge=Decimal(ge), le=Decimal(le), decimal_places=places, allow_inf_nan=False),
    ]


class FiniteDecimalField(DecimalField):
    """A decimal field read as people type numbers in their language: 1234,50, 1 234,50,
    1,234.50 or 1234.50 (app.core.spreadsheets.parse_number, the imports' reader).

    A text input (inputmode decimal), not type=number: a browser's number input drops a comma
    it does not expect, so "1234,50" reached the server as 123450 and was saved a hundred times
    too large. NaN, infinities and numbers past `limit` are refused; what was typed comes back
    with the problem. A number is shown again as the reader's language writes it, ungrouped.
    """

    widget = TextInput()

    def __init__(self, *args: Any, limit: Decimal | int = Decimal("1e12"), **kwargs: Any) -> None:
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)
        self.limit = Decimal(limit)

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the typed number; refuse one that is not a finite number of sensible size."""
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = parse_number(text[:100], self.limit)
        except ValueError as error:
            self.data = None
            raise ValueError(_sentence(str(error))) from None

    def pre_validate(self, form: Any) -> None:
        """A number that could not be read has nothing more to check: its reading problem is
        the one message, without a range rule's ("Number must be at least 0.") on no number."""
        if self.process_errors:
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if not isinstance(self.data, Decimal):
            return ""
        return typed(self.data, self.places or 0)


# Dates: what planning needs. Far dates (9999-12-31) overflow date arithmetic and long periods
# make pages of megabytes, so every date of a plan, an activity or a value lies in this range.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
PlanningDate = Annotated[
    date,
    Field(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description=f"A day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.",
    ),
]
"""A date between 2000-01-01 and 2100-12-31."""


def planning_date_problem(value: date | None) -> str | None:
    """Return why a date is outside the planning range, or None (also for no date)."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        return _(
            "must be between %(first)s and %(last)s",
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return None


# Ids and versions taken from a form or a JSON body fit the 32-bit id columns.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""The id of a row: a positive 32-bit integer."""
Version = Annotated[
    int,
    Field(ge=1, le=MAX_ID, description="The version the change is based on; a newer one is a 409."),
]


def form_id(value: Any) -> int | None:
    """Read a row id sent by a form: a whole number that fits the id column, or None."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text[:12])  # more digits than any id has: refuse, without a huge int
    return number if len(text) <= 12 and 1 <= number <= MAX_ID else None


VERSION_MESSAGE = _l(
    "This form was sent without the version it edits, so it cannot be checked against other "
    "saves and nothing was saved. Reload the page and make your changes again."
)


class VersionField(HiddenField):
    """The version an HTML editor was opened at, for the optimistic-concurrency check.

    A form without a readable version would skip the conflict check and overwrite someone
    else's save, so a missing, empty or non-numeric version is a form error (the page is shown
    again with what was typed). A valid one is kept as the digits of a whole number.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Keep the posted text; pre_validate checks it."""
        self.data = valuelist[0] if valuelist else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form: Any) -> None:
        """Refuse a submission that does not say which version it edits."""
        number = form_id(self.data)
        self.data = None if number is None else str(number)
        if number is None:
            # A hidden field's error shows nowhere on the page: say it at the top too.
            flash(str(VERSION_MESSAGE), "error")
            raise ValidationError(str(VERSION_MESSAGE))


# One schema, every door: the API, imports and forms report a schema's problems by field.


class FieldProblem(ValueError):
    """A problem a model-wide check finds, blamed on one field (e.g. an end before a start)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _message(problem: dict[str, Any]) -> str:
    """Say a problem in plain words, naming the value refused when a choice is wrong."""
    kind, given = problem["type"], problem.get("input")
    if kind in ("greater_than_equal", "less_than_equal") and isinstance(given, date | Decimal):
        # Dates and amounts read as typed (2100-12-31, 1E+20), not as Python writes them.
        bound = (problem.get("ctx") or {}).get("ge" if kind == "greater_than_equal" else "le")
        if kind == "greater_than_equal":
            return _("must be at least %(bound)s, not %(given)s", bound=bound, given=given)
        return _("must be at most %(bound)s, not %(given)s", bound=bound, given=given)
    if kind in ("literal_error", "enum"):
        allowed = str((problem.get("ctx") or {}).get("expected", "")).replace("'", "")
        return _(
            "%(given)r is not one of %(allowed)s",
            given=str(problem["input"])[:80],
            allowed=allowed.replace(" or ", ", "),
        )
    return pydantic_message(problem)


def problems_by_field(error: SchemaError) -> dict[str, str]:
    """Say every problem of a validation in plain words, by field ("body" for the whole).

    A list item's problem is under "field.N"; the first problem of each place is kept.
    """
    found: dict[str, str] = {}
    for problem in error.errors():
        cause = (problem.get("ctx") or {}).get("error")
        where = ".".join(str(part) for part in problem["loc"])
        if isinstance(cause, FieldProblem):
            where = cause.field
        found.setdefault(where or "body", _message(dict(problem)))
    return found


def _sentence(message: str) -> str:
    """Write a problem as a form shows it: a capital first, a full stop last."""
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


def check_form(
    form: Any,
    model: type[BaseModel],
    data: dict[str, Any],
    *,
    context: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
) -> BaseModel | None:
    """Validate what a form read through the schema of the thing it edits.

    Each problem goes next to its field (`fields` maps a schema field to a form field of
    another name); a field that already has an error of its own keeps only that one. Return
    the checked model, or None if there is a problem.
    """
    try:
        return model.model_validate(data, context=context or {})
    except SchemaError as error:
        for where, message in problems_by_field(error).items():
            name = where.split(".")[0]
            field = getattr(form, (fields or {}).get(name, name), None)
            if field is None:
                form.form_errors.append(_sentence(message))
            elif not field.errors:
                field.errors = [_sentence(message)]
        return None


@cache
def _described(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _max_length(described: dict[str, Any]) -> int | None:
    found = [described.get("maxLength")] + [
        _max_length(part) for part in described.get("anyOf", [])
    ]
    return min((n for n in found if n is not None), default=None)


def max_length(model: type[BaseModel], name: str) -> int | None:
    """Return the longest text a schema's field takes (None if unbounded), to tell people."""
    return _max_length(_described(model)["properties"][name])


def _bound(described: dict[str, Any], key: str) -> Any:
    """Return a number's bound (minimum, maximum) from a schema property or its alternatives."""
    found = [described.get(key)] + [_bound(part, key) for part in described.get("anyOf", [])]
    return next((n for n in found if n is not None), None)


class FromSchema:
    """A form field's page hints, taken from the schema field it fills: required, maxlength,
    and a number's min and max.

    The schema judges the value (check_form); this only gives the browser the same limits and,
    for a required field left empty, says so in WTForms' words before the schema is asked.
    """

    def __init__(self, model: type[BaseModel], name: str) -> None:
        described = _described(model)
        self.required = name in described.get("required", ())
        self.field_flags: dict[str, Any] = {"required": True} if self.required else {}
        longest = max_length(model, name)
        if longest is not None:
            self.field_flags["maxlength"] = longest
        for key, flag in (("minimum", "min"), ("maximum", "max")):
            bound = _bound(described["properties"][name], key)
            if bound is not None:
                self.field_flags[flag] = bound

    def __call__(self, form: Any, field: Any) -> None:
        if self.required:
            DataRequired()(form, field)


class CheckboxesField(SelectMultipleField):
    """Several choices, one checkbox each."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
