"""Forms of the planner."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.core.enums import choices
from app.core.i18n import lazy_gettext as _l
from app.core.validation import (
    CheckboxesField,
    FiniteDecimalField,
    FromSchema,
    VersionField,
    check_form,
)
from app.core.vocabularies import Vocabularies
from app.institutions.services import PartnerChoices
from app.planner.models import ActivityStatus, Format, PlanStatus
from app.planner.recurrence import describe
from app.planner.schemas import (
    ActivityCreate,
    AdoptionCreate,
    PlanCopy,
    PlanFields,
    SuggestionAdopt,
    SuggestionAsk,
)
from app.practices.models import Phase

# Every rule of what a form takes is the schema's (app/planner/schemas.py): the forms read
# what was typed, then validate it through the model the API and the imports use too.
# FromSchema gives the page the schema's hints (required, maxlength); choices come from the
# enums of app/planner/models.py.

RECURRENCE_PRESETS = [
    SelectChoice("", _l("Once")),
    SelectChoice("FREQ=WEEKLY", _l("Every week")),
    SelectChoice("FREQ=MONTHLY", _l("Every month")),
    SelectChoice("FREQ=MONTHLY;INTERVAL=3", _l("Every quarter")),
    SelectChoice("FREQ=MONTHLY;INTERVAL=6", _l("Twice a year")),
    SelectChoice("FREQ=YEARLY", _l("Every year")),
]


# How the adopt form names each phase of a practice.
PHASE_LABELS = {Phase.SETUP: _l("Setting it up"), Phase.DELIVERY: _l("Delivering it")}


class PlanForm(FlaskForm):
    """A new plan: title, period and the goals it serves."""

    title = StringField(_l("Title"), validators=[FromSchema(PlanFields, "title")])
    period_start = DateField(_l("From"), validators=[FromSchema(PlanFields, "period_start")])
    period_end = DateField(_l("To"), validators=[FromSchema(PlanFields, "period_end")])
    goals = CheckboxesField(_l("Goals it serves"))
    goals_text = TextAreaField(
        _l("Goals in your words"), validators=[FromSchema(PlanFields, "goals_text")]
    )
    submit = SubmitField(_l("Create the plan"))

    def offer_goals(self, vocab: Vocabularies) -> None:
        """Offer the goals of the practice sheets' vocabulary."""
        self.vocab = vocab
        self.goals.choices = [
            SelectChoice(key, vocab.label("goals", key)) for key in vocab.keys("goals")
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the plan's schema."""
        valid = super().validate(extra_validators)
        checked = check_form(
            self,
            PlanFields,
            {
                "title": self.title.data or "",
                "period_start": self.period_start.data,
                "period_end": self.period_end.data,
                "goals_text": self.goals_text.data or "",
                "goals": self.goals.data or [],
            },
            context={"vocab": getattr(self, "vocab", None)},
        )
        if checked is None:
            return False
        self.title.data, self.goals_text.data = checked.title, checked.goals_text
        return valid


class AdoptForm(FlaskForm):
    """Which plan takes the practice, and which of its phases."""

    plan_id = SelectField(_l("Into the plan"), coerce=int)
    phases = CheckboxesField(
        _l("Phases"), choices=choices(Phase, PHASE_LABELS), default=list(Phase)
    )
    submit = SubmitField(_l("Adopt this practice"))

    def adoption(self, slug: str) -> AdoptionCreate | None:
        """Return the adoption the schema checked, or None with its problems on the fields."""
        checked = check_form(self, AdoptionCreate, {"practice": slug, "phases": self.phases.data})
        return checked if isinstance(checked, AdoptionCreate) else None


# The fields of an activity its editor sets (an adopted one's target groups and mobility stages
# are the sheet's, kept as they are).
EDITED_FIELDS = set(ActivityCreate.model_fields) - {"target_groups", "mobility_stages"}


class ActivityForm(FlaskForm):
    """An activity's dates, recurrence, money, people, partners and status."""

    title = StringField(_l("Title"), validators=[FromSchema(ActivityCreate, "title")])
    format = SelectField(_l("Format"), choices=choices(Format), validate_choice=False)
    host = SelectField(_l("Host"), choices=[SelectChoice("", _l("Your institution"))], default="")
    other_host = StringField(
        _l("…or another host (replaces the choice above)"),
        validators=[FromSchema(ActivityCreate, "host")],
    )
    start_date = DateField(_l("Starts"), validators=[Optional()])
    end_date = DateField(_l("Ends"), validators=[Optional()])
    recurrence = SelectField(_l("Repeats"), choices=RECURRENCE_PRESETS, validate_choice=False)
    budget_planned = FiniteDecimalField(_l("Budget planned (€)"), places=2, validators=[Optional()])
    budget_actual = FiniteDecimalField(_l("Budget spent (€)"), places=2, validators=[Optional()])
    effort_planned = FiniteDecimalField(
        _l("Person-days planned"), places=1, validators=[Optional()]
    )
    effort_actual = FiniteDecimalField(_l("Person-days spent"), places=1, validators=[Optional()])
    partners = CheckboxesField(_l("Partners from your networks and strategic partners"))
    units = CheckboxesField(_l("Units involved"), coerce=int)
    other_partners = TextAreaField(_l("Other partners (one per line)"))
    responsible = StringField(
        _l("Responsible person"), validators=[FromSchema(ActivityCreate, "responsible")]
    )
    status = SelectField(
        _l("Status"),
        choices=choices(ActivityStatus),
        validate_choice=False,
    )
    notes = TextAreaField(_l("Notes"), validators=[FromSchema(ActivityCreate, "notes")])
    evaluation = TextAreaField(
        _l("Evaluation and dissemination"), validators=[FromSchema(ActivityCreate, "evaluation")]
    )
    checklist = CheckboxesField(_l("What to consider: tick what is dealt with"), coerce=int)
    submit = SubmitField(_l("Save"))
    # The plan's period, which the activity's dates and rule are checked against.
    period: tuple[date, date] | None = None
    # What the schema made of what was typed, once the form is valid.
    checked: ActivityCreate | None = None

    def within(self, period_start: date, period_end: date) -> None:
        """Check the activity's dates and rule against the plan's period."""
        self.period = (period_start, period_end)

    def activity_data(self) -> dict[str, Any]:
        """Return what was typed as the fields of the activity schema."""
        data: dict[str, Any] = {
            "title": self.title.data or "",
            "format": self.format.data,
            "host": self.chosen_host(),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "recurrence": self.recurrence.data or None,
            "budget_actual": self.budget_actual.data,
            "effort_actual": self.effort_actual.data,
            "partners": self.partner_list(),
            "responsible": self.responsible.data or "",
            "status": self.status.data,
            "notes": self.notes.data or "",
            "evaluation": self.evaluation.data or "",
        }
        for name in ("budget_planned", "effort_planned"):
            if getattr(self, name).data is not None:
                data[name] = getattr(self, name).data
        return data

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the activity's schema (as the API does)."""
        valid = super().validate(extra_validators)
        typed_host = bool((self.other_host.data or "").strip())
        checked = check_form(
            self,
            ActivityCreate,
            self.activity_data(),
            context={"period": self.period} if self.period else None,
            fields={"host": "other_host" if typed_host else "host", "partners": "other_partners"},
        )
        if checked is None:
            return False
        self.checked = checked
        # Show again what the schema made of the text (trimmed, a rule in words read as the
        # rule it says), which is what activity_changes() stores.
        self.title.data, self.responsible.data = checked.title, checked.responsible
        self.notes.data, self.evaluation.data = checked.notes, checked.evaluation
        self.recurrence.data = checked.recurrence  # words read as the rule they say
        if typed_host:
            self.other_host.data = checked.host
        chosen = set(self.partners.data or [])
        self.other_partners.data = "\n".join(p for p in checked.partners if p not in chosen)
        # Each unit once: a posted list may repeat a valid id any number of times.
        self.units.data = list(dict.fromkeys(self.units.data or []))
        return valid

    def activity_changes(self) -> dict[str, Any]:
        """Return the activity's fields as the schema checked them, with the chosen units."""
        if self.checked is None:
            raise RuntimeError("validate the form first")
        edited = self.checked.model_dump(include=EDITED_FIELDS)
        return {**edited, "unit_ids": self.units.data or []}

    def offer_checklist(self, items: list[Any]) -> None:
        """Offer the activity's points to consider as boxes to tick."""
        self.checklist.choices = [SelectChoice(item.id, item.text) for item in items]

    def offer_recurrence(self, current: str | None) -> None:
        """Keep a rule the presets do not list (imported or set by the API) as a choice."""
        self.recurrence.choices = list(RECURRENCE_PRESETS)
        if current and current not in {c.value for c in RECURRENCE_PRESETS}:
            self.recurrence.choices.append(
                SelectChoice(
                    current, _("%(rule)s (set elsewhere)", rule=describe(current).capitalize())
                )
            )

    def offer_units(self, units: list[Any], chosen: list[int] | None = None) -> None:
        """Offer the institution's units; `chosen` (an activity's) fills the boxes."""
        self.units.choices = [SelectChoice(unit.id, unit.name) for unit in units]
        if chosen is not None:
            self.units.data = [unit.id for unit in units if unit.id in chosen]

    def offer_partners(self, choices: PartnerChoices, partners: list[str], host: str) -> None:
        """Offer the institution's partners; keep names it no longer has as choices too.

        Without `partners`, the form keeps what was posted (a re-shown form loses nothing).
        """
        known = choices.all()
        self.partners.choices = [SelectChoice(name, name) for name in known]
        hosts = [*known, *(p for p in partners if p not in known)]
        if host and host not in hosts:
            hosts.append(host)
        self.host.choices = [
            SelectChoice("", _l("Your institution")),
            *(SelectChoice(name, name) for name in hosts),
        ]

    def fill_partners(self, known: list[str], partners: list[str], host: str) -> None:
        """Split an activity's partners between the checkboxes and the free text."""
        self.partners.data = [p for p in partners if p in known]
        self.other_partners.data = "\n".join(p for p in partners if p not in known)
        self.host.data = host

    def partner_list(self) -> list[str]:
        """Return the chosen partners, then the typed ones, each once."""
        typed = [line.strip() for line in (self.other_partners.data or "").splitlines()]
        return list(dict.fromkeys([*(self.partners.data or []), *filter(None, typed)]))

    def chosen_host(self) -> str | None:
        """Return the typed host, else the chosen one; None is the plan's own institution."""
        return (self.other_host.data or "").strip() or self.host.data or None


class ActivityEditForm(ActivityForm):
    """An activity's editor: as a new one, with the version it was opened at."""

    version = VersionField()


class CopyPlanForm(FlaskForm):
    """Where a copy of a plan starts, and its title."""

    title = StringField(_l("Title of the copy"), validators=[FromSchema(PlanCopy, "title")])
    period_start = DateField(
        _l("The copy starts on"), validators=[FromSchema(PlanCopy, "period_start")]
    )
    submit = SubmitField(_l("Copy the plan"))
    # How long the copied plan is (set by copies()): the copy's end must be a planning date too.
    span: timedelta | None = None

    def copies(self, period_start: date, period_end: date) -> None:
        """Check the copy's end as well, the copied plan's span after the new start."""
        self.span = period_end - period_start

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the copy's schema."""
        valid = super().validate(extra_validators)
        checked = check_form(
            self,
            PlanCopy,
            {"title": self.title.data or "", "period_start": self.period_start.data},
            context={"span": self.span} if self.span is not None else None,
        )
        if checked is None:
            return False
        self.title.data = checked.title
        return valid


class ImportForm(FlaskForm):
    """A CSV or XLSX file of activities in the columns of an export."""

    file = FileField(
        _l("File (.csv or .xlsx, at most 2 MB)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Choose a .csv or .xlsx file.")),
            FileSize(max_size=2 * 1024 * 1024, message=_l("The file is larger than 2 MB.")),
        ],
    )
    submit = SubmitField(_l("Check and import"))


class PlanEditForm(PlanForm):
    """A plan's title, period, goals and status."""

    status = SelectField(_l("Status"), choices=choices(PlanStatus))
    version = VersionField()
    submit = SubmitField(_l("Save the plan"))


class SuggestForm(FlaskForm):
    """Within what to suggest practices for a plan's gaps (read from the address: a GET)."""

    class Meta:
        csrf = False  # it changes nothing; the address can be bookmarked

    budget = FiniteDecimalField(_l("Budget left (€)"), places=0, validators=[Optional()])
    days = FiniteDecimalField(_l("Person-days left"), places=1, validators=[Optional()])
    count = IntegerField(_l("Practices at most"), default=3, validators=[Optional()])
    submit = SubmitField(_l("Suggest practices"))

    def ask(self) -> SuggestionAsk | None:
        """Return what was asked as the schema checked it, or None with its problems."""
        if not self.validate():
            return None
        if self.count.data is None:
            # Left empty: the default, and the field shows it (it shows what was sent first).
            self.count.data, self.count.raw_data = 3, None
        checked = check_form(
            self,
            SuggestionAsk,
            {
                "budget": self.budget.data,
                "days": self.days.data,
                "count": self.count.data,
            },
        )
        return checked if isinstance(checked, SuggestionAsk) else None


class AdoptSuggestedForm(FlaskForm):
    """The suggested practices to adopt, ticked."""

    practices = CheckboxesField(_l("Practices"), choices=[])
    submit = SubmitField(_l("Adopt the ticked practices"))

    def adoption(self) -> SuggestionAdopt | None:
        """Return the practices the schema checked, or None with its problems on the field."""
        checked = check_form(self, SuggestionAdopt, {"practices": self.practices.data or []})
        return checked if isinstance(checked, SuggestionAdopt) else None
