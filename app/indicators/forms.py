"""Forms of indicators, value entry, imports and approvals."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    Label,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import html_params

from app.core.enums import choices
from app.core.formatting import typed
from app.core.i18n import lazy_gettext as _l
from app.core.validation import FiniteDecimalField, FromSchema, SingleLineText, check_form, form_id
from app.indicators.models import (
    Aggregation,
    Direction,
    Frequency,
    IndicatorUnit,
    Measurement,
)
from app.indicators.periods import Period
from app.indicators.schemas import (
    MAX_VALUE,
    IndicatorFields,
    Measure,
    ValueRow,
    check_value,
    evidence_problem,
    parse_value,
    sentence,
    unit_problem,
)
from app.planner.models import Activity


class TargetEntry(Form):
    """The target of one reporting period on the indicator editor."""

    # Which period: the rows are matched by period, never by their place on the page.
    period = HiddenField()
    value = StringField(render_kw={"inputmode": "decimal"})


class IndicatorForm(FlaskForm):
    """An indicator's definition: what, in which unit, which way is better, and its targets."""

    # Every rule is the schema's (schemas.IndicatorFields, see validate); the few WTForms
    # validators left only shape the page (required, maxlength, a choice offered).
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("What it measures and how"), validators=[Length(max=5000)])
    activity_id = SelectField(_l("Judges"), coerce=str, default="")
    unit = SelectField(_l("Unit"), choices=choices(IndicatorUnit))
    # The shared finite, bounded number field: NaN, Infinity and 1e400 are refused.
    scale_max = FiniteDecimalField(
        _l("Top of the scale (for a score)"),
        places=2,
        limit=MAX_VALUE,
        validators=[Optional(), FromSchema(IndicatorFields, "scale_max")],
    )
    direction = SelectField(
        _l("Better when"),
        choices=choices(Direction),
    )
    aggregation = SelectField(
        _l("Values combine as"),
        choices=choices(Aggregation),
    )
    frequency = SelectField(_l("Reported"), choices=choices(Frequency))
    baseline_value = FiniteDecimalField(
        _l("Baseline value"), places=2, limit=MAX_VALUE, validators=[Optional()]
    )
    baseline_date = DateField(_l("Baseline date"), validators=[Optional()])
    target_value = FiniteDecimalField(
        _l("Overall target"), places=2, limit=MAX_VALUE, validators=[Optional()]
    )
    version = HiddenField()
    # Named so that IndicatorForm(obj=indicator) does not read Indicator.targets into it.
    period_targets = FieldList(FormField(TargetEntry))
    submit = SubmitField(_l("Save the indicator"))

    def offer_activities(self, activities: list[Activity]) -> None:
        """Offer the plan itself or one of its activities."""
        self.activity_id.choices = [
            SelectChoice("", _("The plan as a whole")),
            *(SelectChoice(str(a.id), a.title) for a in activities),
        ]

    def measure(self) -> Measure:
        """The unit and scale chosen on the form, as unit_problem() reads them."""
        scale_max = self.scale_max.data if self.unit.data == IndicatorUnit.SCORE else None
        return Measure(unit=self.unit.data or "", scale_max=scale_max)

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the indicator's schema (IndicatorFields)."""
        valid = super().validate(extra_validators)
        # The scale as typed, also for another unit (where it is not kept).
        checked = check_form(
            self, IndicatorFields, {**self.fields(), "scale_max": self.scale_max.data}
        )
        return valid and checked is not None

    def offer_targets(
        self, periods: list[Period], saved: dict[str, Decimal]
    ) -> list[tuple[Period, FormField]]:
        """Give one target field per reporting period, labelled with the period: the saved
        targets when the editor opens, what was typed when it comes back."""
        sent = {entry.form.period.data: entry for entry in self.period_targets}
        rows = []
        for period in periods:
            entry = sent.get(period.key)
            if entry is None:
                value = saved.get(period.key)
                entry = self.period_targets.append_entry(
                    {"period": period.key, "value": "" if value is None else str(value)}
                )
            entry.form.value.label = Label(entry.form.value.id, period.label)
            rows.append((period, entry))
        return rows

    def read_targets(self, rows: list[tuple[Period, FormField]]) -> dict[str, Decimal] | None:
        """Read the targets typed per period, each a value of the unit chosen (schemas'
        parse_value and unit_problem); None, with each problem at its field, if any."""
        targets: dict[str, Decimal] = {}
        measure = self.measure()
        for period, entry in rows:
            text = (entry.form.value.data or "").strip()
            if not text:
                continue
            try:
                targets[period.key] = parse_value(text)
            except ValueError as error:
                entry.form.value.errors = [str(error)]
                continue
            if problem := unit_problem(measure, targets[period.key]):
                entry.form.value.errors = [sentence(problem)]
        if any(entry.form.value.errors for _, entry in rows):
            return None
        return targets

    def fields(self) -> dict[str, Any]:
        """Return the model fields the form sets."""
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "activity_id": form_id(self.activity_id.data),
            "unit": self.unit.data,
            "scale_max": self.scale_max.data if self.unit.data == "score" else None,
            "direction": self.direction.data,
            "aggregation": self.aggregation.data,
            "frequency": self.frequency.data,
            "baseline_value": self.baseline_value.data,
            "baseline_date": self.baseline_date.data,
            "target_value": self.target_value.data,
        }


# The placeholder of an evidence link: the start of an address, the same in every language.
URL_START = "https://"

Row = tuple[int, str]
"""A row of the values page: (indicator id, period key)."""


class YesNoSelect:
    """A yes/no value as a choice of none, Yes (1) or No (0), for a value field of text."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        """Render the choice with the field's value selected."""
        kwargs.setdefault("id", field.id)
        kwargs.pop("inputmode", None)  # the value field's, for typing a number
        typed = str(field.data or "").strip()
        options = "".join(
            f'<option value="{value}"{" selected" if typed == value else ""}>{escape(label)}</option>'
            for value, label in (("", "–"), ("1", _("Yes")), ("0", _("No")))
        )
        attributes = html_params(name=field.name, **kwargs)
        # html_params escapes the attributes, and the labels are escaped above.
        return Markup(f"<select {attributes}>{options}</select>")  # noqa: S704


class ValueEntry(Form):
    """A row of the values page: one indicator's value for one period, its note and evidence."""

    # Which row: rows are matched by indicator and period, never by their place on the page.
    indicator = HiddenField()
    period = HiddenField()
    # The version of the period's value the page showed (0: none), and the row as shown.
    version = HiddenField()
    shown = HiddenField()
    value = StringField(render_kw={"inputmode": "decimal"})
    note = StringField()
    evidence_url = URLField(render_kw={"placeholder": URL_START})
    evidence = FileField()


@dataclass
class EntryResult:
    """What the entry page sent: values to record, and how many problems it has."""

    values: list[ValueRow] = field(default_factory=list)
    problems: int = 0


def saved_text(indicator: Any, saved: Measurement | None) -> str:
    """Return a saved value as its field shows it: yes/no as 1 or 0, a number as the reader's
    language types it (4250,25 in Finnish)."""
    if saved is None:
        return ""
    if indicator.unit == IndicatorUnit.YES_NO:
        return "1" if saved.value == 1 else "0"
    return typed(saved.value)


def shown(value: Any, note: str, url: str | None) -> str:
    """Fingerprint what a row of the entry page showed, to tell the rows someone changed."""
    return json.dumps(["" if value is None else str(value), note, url or ""])


def _untouched(sent: str | None, typed: list[str]) -> bool:
    """Tell whether a row was sent as the page showed it (then it is not saved again)."""
    try:
        return bool(json.loads(sent or "null") == typed)
    except ValueError:
        return False


class EntryForm(FlaskForm):
    """The values page: one ValueEntry per (indicator, period) due in the window."""

    rows = FieldList(FormField(ValueEntry))
    submit = SubmitField(_l("Save the values"))

    def offer_rows(
        self,
        due: list[tuple[Any, Period]],
        existing: dict[Row, Measurement],
        locked: set[Row],
    ) -> dict[Row, FormField]:
        """Give a row to every due (indicator, period) not locked: the saved value when the
        page opens, what was typed when it comes back (rows are matched by their keys)."""
        sent = {(entry.form.indicator.data, entry.form.period.data): entry for entry in self.rows}
        rows = {}
        for indicator, period in due:
            key = (indicator.id, period.key)
            if key in locked:
                continue
            named = {"indicator": indicator.name, "period": period.label}
            entry = sent.get((str(indicator.id), period.key))
            if entry is None:
                entry = self.rows.append_entry({"indicator": indicator.id, "period": period.key})
                self._show(entry, indicator, existing.get(key), values=True)
            for name, what in (
                ("value", _("%(indicator)s, %(period)s: value", **named)),
                ("note", _("%(indicator)s, %(period)s: note", **named)),
                ("evidence_url", _("%(indicator)s, %(period)s: evidence link", **named)),
                ("evidence", _("%(indicator)s, %(period)s: evidence file", **named)),
            ):
                entry.form[name].label = Label(entry.form[name].id, what)
            if indicator.unit == IndicatorUnit.YES_NO:
                entry.form.value.widget = YesNoSelect()
            rows[key] = entry
        return rows

    @staticmethod
    def _show(entry: FormField, indicator: Any, saved: Measurement | None, values: bool) -> None:
        """Show a row as saved: its version and fingerprint, and with `values` its fields."""
        text = saved_text(indicator, saved)
        entry.form.version.data = str(saved.version if saved else 0)
        entry.form.shown.data = (
            shown(text, saved.note, saved.evidence_url) if saved else shown(None, "", None)
        )
        if values:
            entry.form.value.data = text
            entry.form.note.data = saved.note if saved else ""
            entry.form.evidence_url.data = (saved.evidence_url or "") if saved else ""

    def show_again(
        self,
        rows: dict[Row, FormField],
        existing: dict[Row, Measurement],
        conflicts: dict[Row, Measurement],
        due: list[tuple[Any, Period]],
    ) -> None:
        """Base the rows of a page shown again on the value saved now where it changed
        meanwhile (what was typed stays, so saving again replaces it knowingly), and where
        the row came without the version it was shown at."""
        indicators = {indicator.id: indicator for indicator, _ in due}
        for key, entry in rows.items():
            if key in conflicts:
                self._show(entry, indicators[key[0]], conflicts[key], values=False)
            elif entry.form.version.data is None:
                self._show(entry, indicators[key[0]], existing.get(key), values=False)

    def read(
        self, rows: dict[Row, FormField], due: list[tuple[Any, Period]], today: date
    ) -> EntryResult:
        """Read the values typed in every row; empty value fields are skipped.

        Each row is checked through schemas.RecordedValue, as each row of an import is; a
        value for a period that has not begun is refused (schemas.not_begun), not dropped.
        Each problem is put at its field.
        """
        result = EntryResult()
        for indicator, period in due:
            entry = rows.get((indicator.id, period.key))
            if entry is None:
                continue  # locked
            row = entry.form
            text = (row.value.data or "").strip()
            note = (row.note.data or "").strip()
            url = (row.evidence_url.data or "").strip() or None
            upload = row.evidence.data or None
            # A row sent as shown is left alone: saving it would only risk a conflict with
            # someone who changed it meanwhile.
            if upload is None and _untouched(row.shown.data, [text, note, url or ""]):
                continue
            # No version sent means the page showed no value: it never overwrites one.
            version = (row.version.data or "0").strip()
            checked, problems = check_value(
                {"value": text, "note": note, "evidence_url": url, "version": version},
                indicator,
                period=period,
                today=today,
            )
            problem: tuple[Field, str] | None = None
            if "version" in problems:
                problem = (row.value, _("This page is out of date or damaged: open it again."))
            elif not text:
                if note or url or upload:
                    problem = (row.value, _("Give the value the note or evidence is for."))
                else:
                    continue
            elif where := next((f for f in ("value", "note", "evidence_url") if f in problems), ""):
                # One problem a row, at the first field that has one.
                problem = (row[where], sentence(problems[where]))
            elif upload is not None and (trouble := evidence_problem(upload)):
                problem = (row.evidence, trouble)
            if problem is not None:
                problem[0].errors = [problem[1]]
                result.problems += 1
            elif checked is not None:
                result.values.append(ValueRow(indicator.id, period, checked, upload))
        return result


class CsrfForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""


class ApproveForm(FlaskForm):
    """Approve the values of a window, which locks them."""

    window = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Approve and lock these values"))


class ReopenForm(FlaskForm):
    """Reopen an approved window, saying why."""

    reason = StringField(
        _l("Why reopen"),
        validators=[
            DataRequired(_l("Say why the values need to change.")),
            Length(max=500),
            SingleLineText(),
        ],
    )
    submit = SubmitField(_l("Reopen"))
