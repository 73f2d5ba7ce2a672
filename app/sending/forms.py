"""Forms of sending staff: the one step on a call's page, and the budget guidance."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from app.core.i18n import lazy_gettext as _l
from app.core.validation import FiniteDecimalField
from app.sending.models import AMOUNT_MAX, PEOPLE_MAX
from app.sending.services import KINDS

CHOOSE = _l("Choose one of the listed options.")


class SendForm(FlaskForm):
    """Which of one's plans sends staff to the event, as what, and how many people."""

    plan_id = SelectField(
        _l("Into the plan"), coerce=int, validate_choice=True, invalid_choice_message=CHOOSE
    )
    kind = SelectField(
        _l("Kind of activity"),
        choices=[SelectChoice(key, label) for key, label in KINDS.items()],
        default="job_shadowing",
        validate_choice=True,
        invalid_choice_message=CHOOSE,
    )
    people = IntegerField(
        _l("People to send"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=PEOPLE_MAX)],
    )
    submit = SubmitField(_l("Add to my plan"))


class BudgetForm(FlaskForm):
    """The amounts per person the planner types: no rates are built in."""

    people = IntegerField(
        _l("People to send"), validators=[InputRequired(), NumberRange(min=1, max=PEOPLE_MAX)]
    )
    travel = FiniteDecimalField(
        _l("Travel per person (€)"),
        places=2,
        limit=AMOUNT_MAX,
        validators=[Optional(), NumberRange(min=0)],
    )
    subsistence = FiniteDecimalField(
        _l("Subsistence per person and day (€)"),
        places=2,
        limit=AMOUNT_MAX,
        validators=[Optional(), NumberRange(min=0)],
    )
    submit = SubmitField(_l("Save the budget guidance"))
