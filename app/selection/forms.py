"""Forms of selecting: a rubric criterion, a review, a track's decisions, an email text."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
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
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.applications.models import APPLICATIONS_MAX, Decision
from app.core.enums import choices, values
from app.core.i18n import LANGUAGES
from app.core.i18n import lazy_gettext as _l
from app.core.validation import FreeText, SingleLineText
from app.events.models import (
    HELP_MAX,
    SCORE_MAX,
    SCORE_MIN,
    SUBJECT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    WEIGHT_MAX,
    RubricCriterion,
    TemplateKind,
)
from app.selection.emails import PLACEHOLDERS
from app.selection.models import COMMENT_MAX

WEIGHT_MESSAGE = _l("A weight is a whole number from 1 to %(max)d.", max=WEIGHT_MAX)
SCORE_MESSAGE = _l("Choose a score from 1 to 5.")
RANK_MESSAGE = _l("A rank is a whole number from 1 up.")


class CriterionForm(FlaskForm):
    """A rubric criterion: title, what it means, and its weight."""

    title = StringField(
        _l("Criterion"), validators=[DataRequired(), Length(max=TITLE_MAX), SingleLineText()]
    )
    description = TextAreaField(
        _l("What reviewers look for"), validators=[Length(max=HELP_MAX), FreeText()]
    )
    weight = IntegerField(
        _l("Weight"),
        default=1,
        validators=[InputRequired(WEIGHT_MESSAGE), NumberRange(1, WEIGHT_MAX, WEIGHT_MESSAGE)],
    )
    submit = SubmitField(_l("Save the criterion"))


class MoveForm(FlaskForm):
    """Move a criterion up or down."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ConfirmForm(FlaskForm):
    """An action that needs only the CSRF token (remove, send)."""


SCORES = [SelectChoice(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class ReviewForm(FlaskForm):
    """A review: a score per criterion (added by `review_form`) and a comment."""

    comment = TextAreaField(
        _l("Comment for the committee"), validators=[Length(max=COMMENT_MAX), FreeText()]
    )
    submit = SubmitField(_l("Save the review"))

    def score_fields(self) -> list[tuple[RubricCriterion, Any]]:
        """Return each criterion with its field, in the rubric's order."""
        return [(c, self[f"score_{c.id}"]) for c in self.criteria]

    def scores(self) -> dict[int, int]:
        """Return the scores chosen, by criterion id."""
        return {
            c.id: int(self[f"score_{c.id}"].data)
            for c in self.criteria
            if self[f"score_{c.id}"].data
        }


def review_form(criteria: list[RubricCriterion], **kwargs: Any) -> ReviewForm:
    """Build the review form of a rubric: one 1..5 choice per criterion, each required."""

    class Form(ReviewForm):
        pass

    for criterion in criteria:
        setattr(
            Form,
            f"score_{criterion.id}",
            RadioField(
                criterion.title,
                choices=SCORES,
                validators=[InputRequired(SCORE_MESSAGE), AnyOf([c.value for c in SCORES])],
            ),
        )
    form = Form(**kwargs)
    form.criteria = criteria
    return form


DECISION_CHOICES = [SelectChoice("", _l("Not decided")), *choices(Decision)]


class DecisionsForm(FlaskForm):
    """A track's decisions: per application a decision and a waiting-list rank."""

    submit = SubmitField(_l("Save the decisions"))

    def rows(self) -> list[tuple[int, Any, Any]]:
        """Return (application id, decision field, rank field) of the applications the form
        sent (one listed since the page was shown is left as it is), in the listed order."""
        return [
            (i, self[f"decision_{i}"], self[f"rank_{i}"])
            for i in self.application_ids
            if self[f"decision_{i}"].raw_data
        ]


def decisions_form(application_ids: list[int], **kwargs: Any) -> DecisionsForm:
    """Build the decisions form of a track's applications."""

    class Form(DecisionsForm):
        pass

    for key in application_ids:
        setattr(
            Form,
            f"decision_{key}",
            SelectField(
                _l("Decision"),
                default="",
                choices=DECISION_CHOICES,
                validators=[AnyOf(["", *values(Decision)])],
            ),
        )
        setattr(
            Form,
            f"rank_{key}",
            IntegerField(
                _l("Rank on the waiting list"),
                validators=[Optional(), NumberRange(1, APPLICATIONS_MAX, RANK_MESSAGE)],
            ),
        )
    form = Form(**kwargs)
    form.application_ids = application_ids
    return form


class TemplateForm(FlaskForm):
    """The organiser's text of one email in one language; both empty: the default."""

    kind = HiddenField(validators=[AnyOf(values(TemplateKind))])
    language = HiddenField(validators=[AnyOf(list(LANGUAGES))])
    subject = StringField(_l("Subject"), validators=[Length(max=SUBJECT_MAX), SingleLineText()])
    body = TextAreaField(
        _l("Text"), validators=[Length(max=TEXT_MAX), FreeText()], render_kw={"rows": 12}
    )
    submit = SubmitField(_l("Save the text"))

    def validate_subject(self, field: Any) -> None:
        """Refuse a placeholder that is not one (it would reach every applicant as typed)."""
        _known_placeholders_only(field.data)

    def validate_body(self, field: Any) -> None:
        """Ask for both subject and text, or neither (the default); known placeholders only."""
        if bool((self.subject.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(
                _l("Write both a subject and a text, or leave both empty for the default.")
            )
        _known_placeholders_only(field.data)


# A word in braces reads as a placeholder: {nmae} is a typo of {name}, not text to send.
PLACEHOLDER_LIKE = re.compile(r"\{\w+\}")


def _known_placeholders_only(text: str | None) -> None:
    unknown = sorted({m for m in PLACEHOLDER_LIKE.findall(text or "") if m not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _(
                "%(unknown)s is not replaced by anything: use %(known)s.",
                unknown=", ".join(unknown[:5]),
                known=", ".join(PLACEHOLDERS),
            )
        )


class OfferForm(FlaskForm):
    """An applicant's answer to an offered place."""

    answer = HiddenField(validators=[AnyOf(["confirm", "decline"])])
    # A decline cannot be undone (the place goes on at once): it is asked twice.
    sure = HiddenField()
