"""Forms of individual visits: a unit's offer, the visitor's request, the host's steps, the
programme and the visitor's feedback (its ratings as the events' feedback)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.core.i18n import lazy_gettext as _l
from app.core.validation import CheckboxesField
from app.participation.forms import NO_RATING, RATING_WORDS, RATINGS
from app.participation.models import FEEDBACK_TEXT_MAX
from app.visits.models import (
    LIST_MAX,
    PROGRAMME_MAX,
    RANGE_MAX_DAYS,
    TEXT_MAX,
    TOPIC_MAX,
)

MONTHS = [
    (1, _l("January")),
    (2, _l("February")),
    (3, _l("March")),
    (4, _l("April")),
    (5, _l("May")),
    (6, _l("June")),
    (7, _l("July")),
    (8, _l("August")),
    (9, _l("September")),
    (10, _l("October")),
    (11, _l("November")),
    (12, _l("December")),
]
ITEM_MAX = 100


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def split_list(text: str) -> list[str]:
    """Read a comma-separated list: items trimmed, empty and repeated ones left out."""
    items = [" ".join(part.split()) for part in (text or "").split(",")]
    return list(dict.fromkeys(i for i in items if i))


class _ListLength:
    def __call__(self, form: Any, field: Any) -> None:
        items = split_list(field.data or "")
        if len(items) > LIST_MAX:
            raise ValidationError(str(_l("At most %(num)d items.", num=LIST_MAX)))
        if any(len(i) > ITEM_MAX for i in items):
            raise ValidationError(str(_l("Each item at most %(num)d characters.", num=ITEM_MAX)))


class OfferForm(FlaskForm):
    """A unit's offer to host visits, and the members who handle its requests."""

    accepts = BooleanField(_l("This unit accepts individual staff training visits"))
    topics = StringField(
        _l("Topics (separated by commas)"),
        filters=[_stripped],
        validators=[Length(max=2000), _ListLength()],
    )
    languages = StringField(
        _l("Languages (separated by commas)"),
        filters=[_stripped],
        validators=[Length(max=1000), _ListLength()],
    )
    months = CheckboxesField(
        _l("Months when it can host"),
        choices=[SelectChoice(n, name) for n, name in MONTHS],
        coerce=int,
    )
    contacts = CheckboxesField(_l("Unit contacts (who handle its requests)"), coerce=int)
    submit = SubmitField(_l("Save"))


def _not_past(form: Any, field: Any) -> None:
    if field.data and field.data < form.today:
        raise ValidationError(str(_l("The date is in the past.")))
    if field.data and field.data > form.today + timedelta(days=2 * 366):
        raise ValidationError(str(_l("The date is more than two years ahead.")))


class _DatesForm(FlaskForm):
    today: date = date.today()

    def check_range(self, start: Any, end: Any) -> bool:
        if start.data and end.data:
            if end.data <= start.data:
                end.errors.append(str(_l("The end must come after the start.")))
                return False
            if (end.data - start.data).days > RANGE_MAX_DAYS:
                end.errors.append(str(_l("The dates span more than a year.")))
                return False
        return True


class RequestForm(_DatesForm):
    """A visitor's request for an individual visit, without an account."""

    email = EmailField(
        _l("Email"), filters=[_stripped], validators=[DataRequired(), Email(), Length(max=254)]
    )
    name = StringField(
        _l("Name"), filters=[_stripped], validators=[DataRequired(), Length(max=200)]
    )
    home_institution = StringField(
        _l("Your institution"), filters=[_stripped], validators=[DataRequired(), Length(max=200)]
    )
    role = StringField(
        _l("Your role"), filters=[_stripped], validators=[DataRequired(), Length(max=200)]
    )
    topic = StringField(
        _l("Topic of the visit"),
        filters=[_stripped],
        validators=[DataRequired(), Length(max=TOPIC_MAX)],
    )
    message = TextAreaField(
        _l("What you hope to learn, and what you can share"),
        filters=[_stripped],
        validators=[Length(max=TEXT_MAX)],
        render_kw={"maxlength": TEXT_MAX, "rows": 5},
    )
    preferred_start = DateField(_l("Preferred first day"), validators=[DataRequired(), _not_past])
    preferred_end = DateField(_l("Preferred last day"), validators=[DataRequired(), _not_past])
    suggested_unit = SelectField(_l("The unit you suggest"), coerce=int, validate_choice=True)
    call_first = BooleanField(_l("I would like a video call with the unit first"))
    submit = SubmitField(_l("Send the request"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self.check_range(self.preferred_start, self.preferred_end) and valid


class RouteForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Route to this unit"))


class AnswerForm(_DatesForm):
    """The unit's answer: accept, propose other dates, ask for a call first, or decline."""

    action = HiddenField(validators=[AnyOf(["accept", "propose", "call", "decline"])])
    note = TextAreaField(
        _l("A note to the visitor"),
        filters=[_stripped],
        validators=[Length(max=TEXT_MAX)],
        render_kw={"maxlength": TEXT_MAX, "rows": 3},
    )
    start = DateField(_l("Proposed first day"), validators=[Optional(), _not_past])
    end = DateField(_l("Proposed last day"), validators=[Optional(), _not_past])
    reason = TextAreaField(
        _l("Reason for declining"),
        filters=[_stripped],
        validators=[Length(max=TEXT_MAX)],
        render_kw={"maxlength": TEXT_MAX, "rows": 3},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.action.data == "propose":
            if not self.start.data:
                self.start.errors = [*self.start.errors, str(_l("Give the first day."))]
                valid = False
            if not self.end.data:
                self.end.errors = [*self.end.errors, str(_l("Give the last day."))]
                valid = False
            valid = self.check_range(self.start, self.end) and valid
        if self.action.data == "decline" and not self.reason.data:
            self.reason.errors = [*self.reason.errors, str(_l("Give the reason."))]
            valid = False
        return valid


class ProgrammeForm(FlaskForm):
    programme = TextAreaField(
        _l("Programme (Markdown)"),
        validators=[Length(max=PROGRAMME_MAX)],
        render_kw={"maxlength": PROGRAMME_MAX, "rows": 12},
    )
    tell = BooleanField(_l("Email the visitor that the programme is ready"))
    submit = SubmitField(_l("Save the programme"))


class RecordForm(FlaskForm):
    days = CheckboxesField(_l("Days the visitor was present"), coerce=str)
    submit = SubmitField(_l("Record the visit"))


class VisitorForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["confirm", "withdraw"])])


class FeedbackForm(FlaskForm):
    """The visitor's feedback: a rating and two texts, as after an event."""

    overall = RadioField(
        _l("How was the visit as a whole?"),
        choices=[SelectChoice(n, RATING_WORDS[n]) for n in RATINGS],
        coerce=int,
        validators=[InputRequired(NO_RATING)],
    )
    will_change = TextAreaField(
        _l("What will you change at home after the visit?"),
        validators=[Length(max=FEEDBACK_TEXT_MAX)],
        render_kw={"maxlength": FEEDBACK_TEXT_MAX, "rows": 4},
    )
    comments = TextAreaField(
        _l("Anything else you want to tell the host?"),
        validators=[Length(max=FEEDBACK_TEXT_MAX)],
        render_kw={"maxlength": FEEDBACK_TEXT_MAX, "rows": 4},
    )
    submit = SubmitField(_l("Send feedback"))


class IndicatorsForm(FlaskForm):
    plan = SelectField(_l("Plan"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Follow visits in this plan"))
