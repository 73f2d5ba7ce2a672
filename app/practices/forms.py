"""The curator's form: every field of a practice sheet, checked by the sheet's own schema."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.core.i18n import lazy_gettext as _l
from app.core.validation import CheckboxesField, SingleLineText
from app.core.vocabularies import Vocabularies, vocabularies
from app.core.yamlfile import pydantic_message
from app.practices.schemas import ESTIMABLE, PracticeSheet

# Choices are checked by the sheet's schema (PracticeSheet), which names the allowed values;
# WTForms' own choice check is off so that blank rows and missing answers read the same way.

# Blank rows offered under each repeated group, so that rows can be added without JavaScript.
BLANK_ROWS = 2


# How the editor names each rating that can be marked as an estimate.
ESTIMABLE_LABELS = {
    "importance": _l("Importance"),
    "scale_of_change": _l("Scale of organisational change"),
    "setup.cost": _l("Setting it up: cost"),
    "setup.time": _l("Setting it up: time required"),
    "setup.effort": _l("Setting it up: personnel effort"),
    "delivery.cost": _l("Delivering it: cost"),
    "delivery.time": _l("Delivering it: time required"),
    "delivery.effort": _l("Delivering it: personnel effort"),
}


def _choices(vocab: Vocabularies, name: str) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in vocab.lists[name].items()]


class SheetIndicatorForm(Form):
    """One suggested indicator."""

    name = StringField(_l("Indicator"))
    unit = SelectField(_l("Unit"), validate_choice=False)
    direction = SelectField(_l("Better when"), validate_choice=False)


class InternalActorForm(Form):
    """A unit and its role."""

    unit = StringField(_l("Unit"))
    role = TextAreaField(_l("Role"))


class ExternalCollaboratorForm(Form):
    """An organisation and its role."""

    organisation = StringField(_l("Organisation"))
    role = TextAreaField(_l("Role"))


class ActivityTypeForm(Form):
    """A variant of the practice."""

    name = StringField(_l("Type of activity"))
    description = TextAreaField(_l("Description"))


class GoodExampleForm(Form):
    """A named case."""

    name = StringField(_l("Example"))
    institution = StringField(_l("Institution"))
    description = TextAreaField(_l("What they did"))


class SourceForm(Form):
    """A source of the sheet's facts."""

    title = StringField(_l("Source"))
    url = StringField(_l("Address (optional)"))


LINE_FIELDS = (
    "setup_actors",
    "setup_partners",
    "delivery_actors",
    "delivery_partners",
    "considerations",
    "challenges",
    "related",
)
ROW_FIELDS = {
    "internal_actors": ("unit", "role"),
    "external_collaborators": ("organisation", "role"),
    "activity_types": ("name", "description"),
    "good_examples": ("name", "institution", "description"),
    "sources": ("title", "url"),
}
INDICATOR_FIELDS = ("setup_indicators", "delivery_indicators")


class PracticeForm(FlaskForm):
    """Every field of a sheet. Lists of words are one item per line."""

    # Required fields and lengths are the sheet schema's to check, with the rest, in one round.
    title = StringField(_l("Title"))
    slug = StringField(_l("Address name (slug)"))
    summary = TextAreaField(_l("Summary"))
    body = TextAreaField(_l("About this practice (Markdown)"))
    goals = CheckboxesField(_l("Goals"))
    categories = CheckboxesField(_l("Categories"))
    mobility_stages = CheckboxesField(_l("Mobility stages"))
    target_groups = CheckboxesField(_l("Target groups"))
    delivery_schedule = SelectField(_l("Delivery schedule"), validate_choice=False)
    importance = SelectField(_l("Importance"), validate_choice=False)
    scale_of_change = RadioField(_l("Scale of organisational change"), validate_choice=False)
    setup_cost = RadioField(_l("Cost"), validate_choice=False)
    setup_time = RadioField(_l("Time required"), validate_choice=False)
    setup_effort = RadioField(_l("Personnel effort"), validate_choice=False)
    setup_actors = TextAreaField(_l("Actors involved (one per line)"))
    setup_partners = TextAreaField(_l("Partners involved (one per line)"))
    setup_indicators = FieldList(
        FormField(SheetIndicatorForm), label=_l("Setting it up: indicators")
    )
    delivery_cost = RadioField(_l("Cost"), validate_choice=False)
    delivery_time = RadioField(_l("Time required"), validate_choice=False)
    delivery_effort = RadioField(_l("Personnel effort"), validate_choice=False)
    delivery_actors = TextAreaField(_l("Actors involved (one per line)"))
    delivery_partners = TextAreaField(_l("Partners involved (one per line)"))
    delivery_indicators = FieldList(
        FormField(SheetIndicatorForm), label=_l("Delivering it: indicators")
    )
    internal_actors = FieldList(FormField(InternalActorForm), label=_l("Internal actors"))
    external_collaborators = FieldList(
        FormField(ExternalCollaboratorForm), label=_l("External collaborators")
    )
    activity_types = FieldList(FormField(ActivityTypeForm), label=_l("Types of activity"))
    considerations = TextAreaField(_l("What to consider (one per line)"))
    challenges = TextAreaField(_l("Challenges (one per line)"))
    good_examples = FieldList(FormField(GoodExampleForm), label=_l("Good examples"))
    related = TextAreaField(_l("Related practices (their slugs, one per line)"))
    sources = FieldList(FormField(SourceForm), label=_l("Sources"))
    estimated = CheckboxesField(
        _l("Ratings that are your estimates (the sources do not give them)"),
        choices=[SelectChoice(key, ESTIMABLE_LABELS[key]) for key in ESTIMABLE],
        validate_choice=False,
    )
    version = HiddenField()
    note = StringField(
        _l("What did you change? (optional)"), validators=[Length(max=300), SingleLineText()]
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The sheet edited here is the English one (translations come from files): its text
        # is marked English, whatever the language of the page around it.
        _mark_english(self)
        vocab = vocabularies()
        for name in ("goals", "categories", "mobility_stages", "target_groups"):
            getattr(self, name).choices = _choices(vocab, name)
        self.delivery_schedule.choices = _choices(vocab, "delivery_schedules")
        self.importance.choices = _choices(vocab, "importance")
        self.scale_of_change.choices = _choices(vocab, "scales_of_change")
        for phase in ("setup", "delivery"):
            for level in ("cost", "time", "effort"):
                getattr(self, f"{phase}_{level}").choices = _choices(vocab, "levels")
        for name in INDICATOR_FIELDS:
            for entry in getattr(self, name):
                entry.unit.choices = _choices(vocab, "indicator_units")
                entry.direction.choices = _choices(vocab, "directions")
        self.form_errors_extra: list[str] = []
        self.sheet: PracticeSheet | None = None

    # --- between the form and the sheet ---------------------------------------------------

    @classmethod
    def data_from_sheet(
        cls, sheet: PracticeSheet | None, version: int | None = None
    ) -> dict[str, Any]:
        """Turn a sheet into the form's data, with blank rows to add more."""
        data: dict[str, Any] = {}
        if sheet is not None:
            dumped = sheet.model_dump(mode="json", exclude_none=True)
            for key in (
                "title",
                "slug",
                "summary",
                "body",
                "goals",
                "categories",
                "mobility_stages",
                "target_groups",
                "delivery_schedule",
                "importance",
                "considerations",
                "challenges",
                "related",
                "estimated",
                *ROW_FIELDS,
            ):
                data[key] = dumped[key]
            data["scale_of_change"] = str(dumped["scale_of_change"])
            for phase in ("setup", "delivery"):
                for key, value in dumped[phase].items():
                    data[f"{phase}_{key}"] = str(value) if isinstance(value, int) else value
        for name in LINE_FIELDS:
            data[name] = "\n".join(data.get(name) or [])
        for name in (*ROW_FIELDS, *INDICATOR_FIELDS):
            data[name] = [*(data.get(name) or []), *([{}] * BLANK_ROWS)]
        data["version"] = "" if version is None else str(version)
        return data

    def _lines(self, name: str) -> list[str]:
        return [
            line.strip() for line in (getattr(self, name).data or "").splitlines() if line.strip()
        ]

    def _rows(self, name: str, keys: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[int]]:
        """Return the filled rows of a repeated group and their positions in the form."""
        rows, positions = [], []
        for position, entry in enumerate(getattr(self, name)):
            row = {key: (entry[key].data or "").strip() for key in keys}
            # A select always sends a value, so only the typed fields say whether a row is used.
            typed = [row[key] for key in keys if not isinstance(entry[key], SelectField)]
            if any(typed):
                if name == "sources" and not row.get("url"):
                    row.pop("url")
                rows.append(row)
                positions.append(position)
        return rows, positions

    def to_sheet(self, vocab: Vocabularies) -> PracticeSheet | None:
        """Check the form with the sheet's schema; put every problem next to its field."""
        positions: dict[str, list[int]] = {}
        data: dict[str, Any] = {
            "title": self.title.data,
            "slug": self.slug.data,
            "summary": self.summary.data,
            "body": self.body.data or "",
            "goals": self.goals.data or [],
            "categories": self.categories.data or [],
            "mobility_stages": self.mobility_stages.data or [],
            "target_groups": self.target_groups.data or [],
            "delivery_schedule": self.delivery_schedule.data,
            "importance": self.importance.data,
            "scale_of_change": _int(self.scale_of_change.data),
            "considerations": self._lines("considerations"),
            "challenges": self._lines("challenges"),
            "related": self._lines("related"),
            "estimated": self.estimated.data or [],
        }
        for phase in ("setup", "delivery"):
            indicators, positions[f"{phase}.indicators"] = self._rows(
                f"{phase}_indicators", ("name", "unit", "direction")
            )
            data[phase] = {
                "cost": _int(getattr(self, f"{phase}_cost").data),
                "time": _int(getattr(self, f"{phase}_time").data),
                "effort": _int(getattr(self, f"{phase}_effort").data),
                "actors": self._lines(f"{phase}_actors"),
                "partners": self._lines(f"{phase}_partners"),
                "indicators": indicators,
            }
        for name, keys in ROW_FIELDS.items():
            data[name], positions[name] = self._rows(name, keys)
        try:
            self.sheet = PracticeSheet.model_validate(data, context={"vocab": vocab})
        except ValidationError as error:
            for item in error.errors():
                self._place_error(tuple(item["loc"]), pydantic_message(item), positions)
            return None
        return self.sheet

    def _place_error(
        self, loc: tuple[Any, ...], message: str, positions: dict[str, list[int]]
    ) -> None:
        """Attach a schema error to the form field it is about."""
        head = loc[0] if loc else ""
        if head in ("setup", "delivery") and len(loc) > 1:
            if loc[1] == "indicators" and len(loc) > 3:
                entry = getattr(self, f"{head}_indicators")[positions[f"{head}.indicators"][loc[2]]]
                entry[loc[3]].errors.append(message)
                return
            name = f"{head}_{loc[1]}"
        elif head in ROW_FIELDS and len(loc) > 2:
            entry = getattr(self, head)[positions[head][loc[1]]]
            entry[loc[2]].errors.append(message)
            return
        else:
            name = str(head)
        field = getattr(self, name, None)
        if name in LINE_FIELDS and len(loc) > 1 and isinstance(loc[-1], int):
            message = _("Line %(number)s: %(message)s", number=loc[-1] + 1, message=message)
        if field is not None and not isinstance(field, FieldList):
            field.errors.append(message)
        else:
            self.form_errors_extra.append(
                _("%(place)s: %(message)s", place=self._where(loc), message=message)
            )

    def _where(self, loc: tuple[Any, ...]) -> str:
        """Name a place of the sheet in words, with the form's labels: "Sources, item 2"."""
        head, rest = (loc[0] if loc else ""), list(loc[1:])
        if head in ("setup", "delivery") and rest and not isinstance(rest[0], int):
            head, rest = f"{head}_{rest[0]}", rest[1:]
        field = getattr(self, str(head), None)
        words = [str(field.label.text) if field is not None else str(head).replace("_", " ")]
        for part in rest:
            if isinstance(part, int):
                words.append(_("item %(number)s", number=part + 1))
            else:
                words.append(str(part).replace("_", " "))
        return ", ".join(words)


def _int(value: Any) -> Any:
    """Read a level from a radio button; leave anything else for the schema to refuse."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _mark_english(form: Any) -> None:
    """Mark every text field of a form, nested lists and subforms included, as English."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                if isinstance(entry, FormField):
                    _mark_english(entry.form)
                elif isinstance(entry, StringField | TextAreaField):
                    entry.render_kw = {**(entry.render_kw or {}), "lang": "en"}
        elif isinstance(field, FormField):
            _mark_english(field.form)
        elif isinstance(field, StringField | TextAreaField):
            field.render_kw = {**(field.render_kw or {}), "lang": "en"}
