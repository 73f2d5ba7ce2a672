"""Forms of applying: the address a link is mailed to, and the application built for an event.

The application form has the questions asked of everyone, the track (and an optional second
choice), and the questions of ONE track: the track the form was shown for. Choosing another
track shows its questions first (no JavaScript needed), keeping everything typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from babel import Locale
from flask_babel import get_locale, ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from app.applications.models import (
    BACKGROUND_MAX,
    INSTITUTION_MAX,
    NAME_MAX,
    NETWORK_MAX,
    NETWORKS_MAX,
    ROLE_MAX,
    consent_digest_of,
)
from app.applications.services import Submission
from app.core.i18n import current_language
from app.core.i18n import lazy_gettext as _l
from app.core.validation import CheckboxesField, FreeText, SingleLineText, form_id
from app.events.models import ANSWER_MAX, Event, Question, QuestionKind, Track

# A short text answer with no length limit of its own: one line of a form.
SHORT_ANSWER_MAX = 500
# Babel's territories that are no country (the EU, the eurozone, the UN, "unknown", test codes).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
CHOOSE = _l("Choose among the options offered.")
YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


@cache
def country_codes() -> frozenset[str]:
    """Return the ISO 3166-1 alpha-2 codes an applicant may give as their country."""
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


# Finnish and Swedish alphabets end in å, ä, ö, after z: characters that sort after "z".
AFTER_Z = {"fi": {"å": "{", "ä": "|", "ö": "}"}, "sv": {"å": "{", "ä": "|", "ö": "}"}}


def country_choices() -> list[SelectChoice]:
    """Return the countries by their names in the reader's language, in that order."""
    locale = get_locale() or Locale.parse("en_GB")
    names = locale.territories
    named = sorted(
        (_sort_key(names.get(code, code), locale.language), names.get(code, code), code)
        for code in country_codes()
    )
    return [SelectChoice(code, name) for _key, name, code in named]


def _sort_key(name: str, language: str = "en") -> str:
    """Sort "Réunion" among the R, and "Åland" where the reader's alphabet has it: among the
    A in English, after Z in Finnish and Swedish (no collation library is at hand)."""
    letters = AFTER_Z.get(language, {})
    folded = "".join(letters.get(c, c) for c in unicodedata.normalize("NFC", name.casefold()))
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def country_name(code: str) -> str:
    """Return a country's name in the reader's language (the code if unknown)."""
    locale = get_locale() or Locale.parse("en_GB")
    return locale.territories.get(code, code) if code else ""


class Chosen:
    """A required set of checkboxes: at least one ticked. (DataRequired would mark each box
    required, which asks a browser to tick them all.)"""

    field_flags: dict[str, Any] = {}  # noqa: RUF012 - WTForms reads it from the class

    def __call__(self, form: Any, field: Field) -> None:
        if not field.data:
            raise StopValidation(str(_l("Choose at least one.")))


class OneChoiceField(RadioField):
    """Radio buttons: an unanswered question is the presence check's business (required or
    optional), not a wrong choice; a value not offered is."""

    def pre_validate(self, form: Any) -> None:
        """Check the choice only when one was made."""
        if self.data:
            super().pre_validate(form)


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class LinkForm(FlaskForm):
    """The address to mail the application link to."""

    email = EmailField(
        _l("Email"),
        filters=[_stripped],
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    submit = SubmitField(_l("Email me the link"))


class ConfirmForm(FlaskForm):
    """A confirmation of a step that cannot be undone by the applicant (withdraw, delete)."""

    submit = SubmitField(_l("Confirm"))


class ApplicationForm(FlaskForm):
    """The questions asked of everyone; the track's fields are added by `application_form`."""

    based_on = HiddenField()  # the version of the application the form shows; "" for a new one
    shown_track = HiddenField()  # the track whose questions the form shows
    # The digest of the event's consent text the page showed (consent_digest_of): a text the
    # organiser changed in between is shown again to be agreed to, never taken as agreed.
    consent_shown = HiddenField()
    name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=NAME_MAX), SingleLineText()]
    )
    current_role = StringField(
        _l("Current role"), validators=[DataRequired(), Length(max=ROLE_MAX), SingleLineText()]
    )
    background = TextAreaField(
        _l("Professional background"),
        description=_l("Your work, experience and what you hope to bring to the event."),
        validators=[DataRequired(), Length(max=BACKGROUND_MAX), FreeText()],
    )
    institution_name = StringField(
        _l("Institution"),
        validators=[DataRequired(), Length(max=INSTITUTION_MAX), SingleLineText()],
    )
    country = SelectField(
        _l("Country"),
        validators=[DataRequired()],
        validate_choice=True,
        invalid_choice_message=CHOOSE,
    )
    networks = CheckboxesField(
        _l("Networks your institution belongs to"), invalid_choice_message=CHOOSE
    )
    other_networks = TextAreaField(
        _l("Other networks"),
        description=_l("One per line."),
        validators=[Length(max=NETWORKS_MAX * (NETWORK_MAX + 2)), FreeText()],
    )
    track = SelectField(_l("Track"), validators=[DataRequired()], invalid_choice_message=CHOOSE)
    consent = BooleanField(
        _l("I agree that my data is used to select participants and to run the event."),
        validators=[DataRequired(_l("Your consent is needed to apply."))],
    )
    list_consent = BooleanField(
        _l("My name and institution may appear on the list of participants shared with them.")
    )
    plan_consent = BooleanField(
        _l(
            "My home institution may count my participation (acceptance and days attended) "
            "in its own staff development plan."
        )
    )
    show = SubmitField(_l("Show this track’s questions"))
    submit = SubmitField(_l("Send the application"))

    def other_network_names(self) -> list[str]:
        """Return the typed networks, one per line, without blanks or repeats."""
        lines = (line.strip() for line in (self.other_networks.data or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def validate_other_networks(self, field: Field) -> None:
        """Bound the networks: each one line of a network's length, and not too many."""
        names = self.other_network_names()
        if any(len(name) > NETWORK_MAX for name in names):
            raise ValidationError(
                ngettext(
                    "A network’s name has at most %(num)d character.",
                    "A network’s name has at most %(num)d characters.",
                    NETWORK_MAX,
                )
            )
        if len(names) + len(self.networks.data or []) > NETWORKS_MAX:
            raise ValidationError(
                ngettext(
                    "Give at most %(num)d network.",
                    "Give at most %(num)d networks.",
                    NETWORKS_MAX,
                )
            )

    consent_now: str = ""  # the digest of the event's consent text as it stands

    def validate_consent(self, field: Field) -> None:
        """Take the consent only to the text the page showed, the event's current one."""
        shown = self.consent_shown.data or consent_digest_of("")
        if field.data and shown != self.consent_now:
            self.consent_shown.data = self.consent_now
            field.data = False
            raise ValidationError(
                _l(
                    "The organisers changed their consent text after this page was loaded: "
                    "read it again and tick the box if you agree."
                )
            )

    def validate_second_track(self, field: Field) -> None:
        """A second choice is another track than the first."""
        if field.data and field.data == self.track.data:
            raise ValidationError(_l("Choose a different track as your second choice."))

    def in_page_order(self) -> list[Field]:
        """Return the fields as the page shows them (a track's questions, made last, come
        before the consent), so that the list of problems reads in the page's order."""
        about = ["name", "current_role", "institution_name", "country", "background"]
        choices = ["networks", "other_networks", "track", "second_track"]
        names = [*about, *choices]
        fields = [self[name] for name in names if name in self]
        fields += [field for _question, field in self.question_fields()]
        fields += [self.consent, self.list_consent, self.plan_consent]
        # Anything else (a hidden field) after them, so that no problem goes unlisted.
        return [*fields, *(field for field in self if field not in fields)]

    def forget_question_problems(self) -> None:
        """Drop the problems of the track's questions: they are shown for the first time."""
        for _question, field in self.question_fields():
            field.errors = []

    def question_fields(self) -> list[tuple[Question, Field]]:
        """Return the shown track's questions with their fields, in order."""
        return [(q, self[f"q{q.id}"]) for q in self.questions]

    def submission(self) -> Submission:
        """Return what was sent, as the service stores it."""
        answers: dict[int, Any] = {}
        for question, field in self.question_fields():
            value = field.data
            if question.kind == QuestionKind.YES_NO:
                value = {"yes": True, "no": False}.get(value or "")
            answers[question.id] = value
        second = self["second_track"].data if "second_track" in self else None
        return Submission(
            track_id=int(self.track.data),
            second_track_id=int(second) if second else None,
            name=self.name.data or "",
            current_role=self.current_role.data or "",
            background=self.background.data or "",
            institution_name=self.institution_name.data or "",
            country=self.country.data or "",
            networks=list(
                dict.fromkeys([*(self.networks.data or []), *self.other_network_names()])
            ),
            list_consent=bool(self.list_consent.data),
            plan_consent=bool(self.plan_consent.data),
            answers=answers,
        )


def question_field(question: Question, language: str) -> Field:
    """Return the unbound field that asks one question in a language (else in its main
    one), with its rules; a choice's value is its main-language text, whatever is shown."""
    presence = [DataRequired()] if question.required else [Optional()]
    label, description = question.prompt_in(language), question.help_in(language)
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        limit = min(question.max_length or SHORT_ANSWER_MAX, ANSWER_MAX)
        return StringField(
            label,
            description=description,
            validators=[*presence, Length(max=limit), SingleLineText()],
        )
    if kind == QuestionKind.LONG_TEXT:
        limit = min(question.max_length or ANSWER_MAX, ANSWER_MAX)
        return TextAreaField(
            label, description=description, validators=[*presence, Length(max=limit), FreeText()]
        )
    if kind == QuestionKind.ONE_CHOICE:
        return OneChoiceField(
            label,
            description=description,
            choices=[SelectChoice(value, shown) for value, shown in question.choices_in(language)],
            validators=presence,
            invalid_choice_message=CHOOSE,
        )
    if kind == QuestionKind.SEVERAL_CHOICES:
        return CheckboxesField(
            label,
            description=description,
            choices=[SelectChoice(value, shown) for value, shown in question.choices_in(language)],
            validators=[Chosen()] if question.required else [Optional()],
            invalid_choice_message=CHOOSE,
        )
    return OneChoiceField(
        label,
        description=description,
        choices=YES_NO,
        validators=presence,
        invalid_choice_message=CHOOSE,
    )


def shown_value(question: Question, value: Any) -> Any:
    """Return a stored answer as its field shows it."""
    if question.kind == QuestionKind.YES_NO:
        return {True: "yes", False: "no"}.get(value)
    return value


def application_form(
    event: Event,
    track: Track | None,
    networks: list[str],
    *,
    formdata: Any = None,
    data: dict[str, Any] | None = None,
) -> ApplicationForm:
    """Build the form of an event for one track's questions (none before a track is chosen)."""

    class Form(ApplicationForm):
        pass

    language = current_language()
    questions = list(track.questions) if track is not None else []
    for question in questions:
        setattr(Form, f"q{question.id}", question_field(question, language))
    if event.second_choice:
        Form.second_track = SelectField(  # type: ignore[attr-defined]
            _l("Second choice (optional)"), validators=[Optional()], invalid_choice_message=CHOOSE
        )
    kwargs: dict[str, Any] = {"data": data or {}}
    if formdata is not None:
        kwargs["formdata"] = formdata
    form = Form(**kwargs)
    form.questions = questions  # type: ignore[attr-defined]
    form.consent_now = consent_digest_of(event.consent_text)
    if formdata is None:
        form.consent_shown.data = form.consent_now
    tracks = [SelectChoice(str(t.id), t.title) for t in event.tracks]
    form.track.choices = [SelectChoice("", _l("Choose a track")), *tracks]
    if event.second_choice:
        form["second_track"].choices = [SelectChoice("", _l("No second choice")), *tracks]
    form.country.choices = [SelectChoice("", _l("Choose a country")), *country_choices()]
    form.networks.choices = [SelectChoice(name, name) for name in networks]
    return form


def stored_data(application: Any, networks: list[str]) -> dict[str, Any]:
    """Return an application's values as the form shows them."""
    known = set(networks)
    data: dict[str, Any] = {
        "based_on": str(application.version),
        "shown_track": str(application.track_id),
        "name": application.name,
        "current_role": application.current_role,
        "background": application.background,
        "institution_name": application.institution_name,
        "country": application.country,
        "networks": [n for n in application.networks if n in known],
        "other_networks": "\n".join(n for n in application.networks if n not in known),
        "track": str(application.track_id),
        "second_track": str(application.second_track_id or ""),
        # Ticked for the text agreed to; a text the organisers changed since is agreed anew.
        "consent": application.consent_current,
        "list_consent": application.list_consent,
        "plan_consent": application.plan_consent,
    }
    questions = {q.id: q for t in application.event.tracks for q in t.questions}
    for answer in application.answers:
        if answer.question_id in questions:
            data[f"q{answer.question_id}"] = shown_value(
                questions[answer.question_id], answer.value
            )
    return data


def chosen_track(event: Event, value: Any) -> Track | None:
    """Return the event's track a form value names, or None."""
    track_id = form_id(value)
    return next((t for t in event.tracks if t.id == track_id), None)
