"""What a value of an indicator may be, as a pydantic model: the one place its rules live.

The values page reads each row it was sent, the import each row of a CSV or XLSX file, and
both check it through `RecordedValue`, so a value the page refuses the file refuses too, for
the same reason. Per-period targets, baselines and overall targets are values of the unit as
well: they are read with `parse_value` and fitted to the unit with `unit_problem`.

An indicator's definition is checked through `IndicatorFields`, which the editor delegates to.

The messages of a value are written as the import lists them ("row 2, column value: …"); a form shows
them as sentences (see `sentence`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic import ValidationError as SchemaError
from werkzeug.datastructures import FileStorage

from app.core.formatting import day, number
from app.core.i18n import in_every_language
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import parse_number
from app.core.validation import Strict, multi_line, problems_by_field, single_line
from app.indicators.models import Aggregation, Direction, Frequency, IndicatorUnit
from app.indicators.periods import Period

MAX_VALUE = Decimal("999999999999.99")
# The top of a score's scale: a 1-point scale at the least.
SCALE_MIN = 1
MAX_NOTE = 5000
MAX_URL = 500
# A version fits the 32-bit column: fewer than 10 digits.
MAX_VERSION_DIGITS = 9
# Evidence: documents and pictures people keep as proof, at most 5 MB each.
EVIDENCE_TYPES = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "odt", "ods", "csv", "txt")
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


def not_begun(period: Period, today: date) -> str | None:
    """Say why no value can be recorded for a period yet, or None when it has begun.

    The one rule for the values page, the import and any other way in: a value measures
    what happened, so a period that starts after today has none (its value would make a
    plan that has not started look on track).
    """
    if period.start <= today:
        return None
    return _(
        "%(period)s has not begun yet: record its value once it has (from %(day)s)",
        period=period.label,
        day=day(period.start),
    )


def parse_value(text: str) -> Decimal:
    """Read a typed value to the cent: finite and within ±MAX_VALUE; ValueError in plain words.

    Per-period targets and values, typed or imported, go through here, so NaN, Infinity or
    1e400 are refused alike wherever they are typed (the form's fields: FiniteDecimalField).
    """
    return parse_number(text, MAX_VALUE).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Measure:
    """What a value is measured in: the indicator's unit and, for a score, the scale's top."""

    unit: str
    scale_max: Decimal | None = None


def unit_problem(measure: Any, value: Decimal) -> str | None:
    """Say why a value does not fit the unit of `measure` (an indicator or a Measure), or None."""
    unit = measure.unit
    if unit in (IndicatorUnit.COUNT, IndicatorUnit.EUROS) and value < 0:
        return _("a count or an amount is not negative")
    if unit == IndicatorUnit.YES_NO and value not in (0, 1):
        return _("give 1 for yes or 0 for no")
    if unit == IndicatorUnit.PERCENT and not 0 <= value <= 100:
        return _("a percentage is between 0 and 100")
    if unit == IndicatorUnit.SCORE and measure.scale_max and not 0 <= value <= measure.scale_max:
        return _("a score on this scale is between 0 and %(top)s", top=number(measure.scale_max))
    return None


# A yes/no value may be typed or imported as the word, in any language of the interface.
YES = _l("Yes")
NO = _l("No")


def yes_no_number(text: str) -> str:
    """Read "Yes"/"Kyllä"/"Ja" as 1 and "No"/"Ei"/"Nej" as 0; other text as it is."""
    wanted = text.strip().casefold()
    if wanted in {word.casefold() for word in in_every_language(YES)}:
        return "1"
    if wanted in {word.casefold() for word in in_every_language(NO)}:
        return "0"
    return text


def _unit(measure: Any) -> str | None:
    return getattr(measure, "unit", None)


def sentence(message: str) -> str:
    """Write a rule's message as a form shows it: a capital first, a full stop last.

    A message that starts by quoting what was typed ('x' is not a number; write it like
    1500.50) reads as it is.
    """
    if message[:1] in ("'", '"'):
        return message
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


Name = single_line(300, min_length=1)
Description = multi_line(5000)


class IndicatorFields(Strict):
    """An indicator's definition as a planner sets it: what, in which unit, which way is
    better, and where it starts and should end. Fields are declared in the order the checks
    need them (a target is checked against the unit, the direction and the baseline)."""

    name: Name
    description: Description = ""
    activity_id: int | None = None
    unit: IndicatorUnit
    # The schema says the bound (the page's min), the validator says it in words.
    scale_max: Decimal | None = Field(default=None, json_schema_extra={"minimum": SCALE_MIN})
    direction: Direction
    aggregation: Aggregation
    frequency: Frequency
    baseline_value: Decimal | None = None
    baseline_date: date | None = None
    target_value: Decimal | None = None

    @field_validator("scale_max")
    @classmethod
    def _scale(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < SCALE_MIN:
            raise ValueError(_("Number must be at least %(least)d.", least=SCALE_MIN))
        return value

    @field_validator("frequency")
    @classmethod
    def _occurrences(cls, value: Frequency, info: ValidationInfo) -> Frequency:
        # Only an activity has occurrences to report per.
        if value == Frequency.OCCURRENCE and not info.data.get("activity_id"):
            raise ValueError(_("Per occurrence needs an activity: choose one under Judges."))
        return value

    @field_validator("baseline_value", "target_value")
    @classmethod
    def _fits_the_unit(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # A baseline and a target are values of the unit: a percentage up to 100, a count
        # not negative.
        unit = info.data.get("unit")
        if value is None or unit is None:
            return value
        scale = info.data.get("scale_max") if unit == IndicatorUnit.SCORE else None
        if problem := unit_problem(Measure(unit, scale), value):
            raise ValueError(sentence(problem))
        return value

    @field_validator("target_value")
    @classmethod
    def _better_side(cls, target: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # Progress is measured from the baseline towards the target: a target on the worse
        # side would count every step back as progress ("104.8 %, on track").
        baseline, direction = info.data.get("baseline_value"), info.data.get("direction")
        if baseline is None or target is None or target == baseline:
            return target
        if direction == Direction.LOWER and target > baseline:
            raise ValueError(
                _(
                    "Lower is better here, so the target must be below the baseline "
                    "(or choose 'higher is better')."
                )
            )
        if direction == Direction.HIGHER and target < baseline:
            raise ValueError(
                _(
                    "Higher is better here, so the target must be above the baseline "
                    "(or choose 'lower is better')."
                )
            )
        return target


class RecordedValue(BaseModel):
    """A value for one period of an indicator, as a row of the values page or of a file.

    Validation context: `measure` (the indicator's Measure or the indicator itself); with
    `period` and `today`, a period that has not begun is refused too (services.not_begun).
    Fields are declared in the order their problems are listed.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    value: Decimal
    evidence_url: str | None = None
    note: str = ""
    # The version of the period's value the row replaces (0: there was none).
    version: int = 0

    @field_validator("value", mode="before")
    @classmethod
    def _read_value(cls, text: Any, info: ValidationInfo) -> Decimal:
        text = "" if text is None else str(text).strip()
        if not text:
            raise ValueError(_("missing"))
        context = info.context or {}
        if _unit(context.get("measure")) == IndicatorUnit.YES_NO:
            text = yes_no_number(text)
        value = parse_value(text)
        if "period" in context and (problem := not_begun(context["period"], context["today"])):
            raise ValueError(problem)
        if "measure" in context and (problem := unit_problem(context["measure"], value)):
            raise ValueError(problem)
        return value

    @field_validator("evidence_url", mode="before")
    @classmethod
    def _read_url(cls, url: Any) -> str | None:
        url = str(url or "").strip() or None
        if url and not (url.startswith(("https://", "http://")) and len(url) <= MAX_URL):
            raise ValueError(
                _(
                    "give a web address starting with https:// (at most %(most)d characters)",
                    most=MAX_URL,
                )
            )
        return url

    @field_validator("note", mode="before")
    @classmethod
    def _read_note(cls, note: Any) -> str:
        note = str(note or "").strip()
        if len(note) > MAX_NOTE:
            raise ValueError(_("at most %(most)d characters", most=MAX_NOTE))
        return note

    @field_validator("version", mode="before")
    @classmethod
    def _read_version(cls, version: Any) -> int:
        text = str(version or "").strip()
        if not text:
            return 0
        if not (text.isascii() and text.isdigit() and len(text) <= MAX_VERSION_DIGITS):
            raise ValueError(_("%(text)s is not a version number", text=repr(text)))
        return int(text)


def check_value(
    data: dict[str, Any],
    measure: Any,
    *,
    period: Period | None = None,
    today: date | None = None,
) -> tuple[RecordedValue | None, dict[str, str]]:
    """Check a row of a value; return it checked, or None and its problems by field."""
    context: dict[str, Any] = {"measure": measure}
    if period is not None:
        context.update(period=period, today=today)
    try:
        return RecordedValue.model_validate(data, context=context), {}
    except SchemaError as error:
        return None, problems_by_field(error)


def evidence_problem(upload: FileStorage) -> str | None:
    """Say what is wrong with an evidence file, or None: its type and size."""
    name = upload.filename or ""
    if name.rsplit(".", 1)[-1].lower() not in EVIDENCE_TYPES or "." not in name:
        return _("Attach one of: %(types)s.", types=", ".join(EVIDENCE_TYPES))
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > EVIDENCE_MAX_BYTES:
        return _("The file is larger than 5 MB.")
    if size == 0:
        return _("The file is empty.")
    return None


@dataclass(frozen=True)
class ValueRow:
    """A checked value to record: which indicator, which period, the value and its evidence."""

    indicator_id: int
    period: Period
    checked: RecordedValue
    # A file attached on the values page (files bring none).
    evidence: FileStorage | None = None
