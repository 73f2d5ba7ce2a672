"""Forms of taking part: a check-in mark, the feedback, the participants' list switch."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from app.core.i18n import lazy_gettext as _l
from app.events.models import SCORE_MAX, SCORE_MIN
from app.participation.models import FEEDBACK_TEXT_MAX

RATINGS = list(range(SCORE_MIN, SCORE_MAX + 1))
# The words beside the numbers, so that a rating means the same to everyone.
RATING_WORDS = {
    1: _l("1, poor"),
    2: _l("2, fair"),
    3: _l("3, good"),
    4: _l("4, very good"),
    5: _l("5, excellent"),
}
NO_RATING = _l("Choose a rating from 1 to 5.")


class MarkForm(FlaskForm):
    """Mark one participant present or absent on one day."""

    present = HiddenField(validators=[AnyOf(["1", "0"])])


class ShareListForm(FlaskForm):
    """Share the participants' list with the participants, or stop sharing it."""

    shared = HiddenField(validators=[AnyOf(["1", "0"])])


class FeedbackForm(FlaskForm):
    """A participant's feedback: two ratings and two texts."""

    overall = RadioField(
        _l("How was the event as a whole?"),
        choices=[SelectChoice(n, RATING_WORDS[n]) for n in RATINGS],
        coerce=int,
        validators=[InputRequired(NO_RATING)],
        validate_choice=True,
    )
    track_rating = RadioField(
        _l("How was your track?"),
        choices=[SelectChoice(n, RATING_WORDS[n]) for n in RATINGS],
        coerce=int,
        validators=[InputRequired(NO_RATING)],
    )
    will_change = TextAreaField(
        _l("What will you change at home after the event?"),
        validators=[Length(max=FEEDBACK_TEXT_MAX)],
        render_kw={"maxlength": FEEDBACK_TEXT_MAX, "rows": 5},
    )
    comments = TextAreaField(
        _l("Anything else you want to tell the organisers?"),
        validators=[Length(max=FEEDBACK_TEXT_MAX)],
        render_kw={"maxlength": FEEDBACK_TEXT_MAX, "rows": 5},
    )
    submit = SubmitField(_l("Send feedback"))
