"""Forms of the organiser's pages: the event, its tracks, their questions, the committee.

What a form takes is the schema's rule (app/events/schemas.py): a form reads what was typed,
then checks it through the model the seed loader and the API use too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
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
    FiniteDecimalField,
    FromSchema,
    VersionField,
    check_form,
    form_id,
)
from app.events.models import QuestionKind, known_timezones
from app.events.schemas import EventFields, QuestionFields, TrackFields
from app.planner.models import Format

LOCAL_TIME = "%Y-%m-%dT%H:%M"


def lines(text: str | None) -> list[str]:
    """Split a text typed one item per line into its non-empty, trimmed lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class EventForm(FlaskForm):
    """An event: what, when and where, the call's texts, its window and its settings."""

    title = StringField(_l("Title"), validators=[FromSchema(EventFields, "title")])
    starts_on = DateField(_l("First day"), validators=[FromSchema(EventFields, "starts_on")])
    ends_on = DateField(_l("Last day"), validators=[FromSchema(EventFields, "ends_on")])
    place = StringField(_l("Place"), validators=[FromSchema(EventFields, "place")])
    format = SelectField(_l("Format"), choices=choices(Format), validate_choice=False)
    # Checked by the view against the institution's activities, not only those offered.
    activity_id = SelectField(_l("Plan activity it carries out"), default="", validate_choice=False)
    description = TextAreaField(
        _l("Description (Markdown)"), validators=[FromSchema(EventFields, "description")]
    )
    audience = TextAreaField(_l("Who it is for"), validators=[FromSchema(EventFields, "audience")])
    contact_email = StringField(
        _l("Contact address"), validators=[FromSchema(EventFields, "contact_email")]
    )
    programme = TextAreaField(
        _l("Programme (Markdown)"), validators=[FromSchema(EventFields, "programme")]
    )
    accommodation = TextAreaField(
        _l("Accommodation (Markdown)"), validators=[FromSchema(EventFields, "accommodation")]
    )
    consent_text = TextAreaField(
        _l("Your consent and data-protection text (Markdown)"),
        validators=[FromSchema(EventFields, "consent_text")],
    )
    languages = StringField(_l("Working languages"))
    timezone = SelectField(_l("Time zone"), default="Europe/Helsinki", validate_choice=False)
    opens_at = DateTimeLocalField(
        _l("Applications open"), format=LOCAL_TIME, validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Applications close"), format=LOCAL_TIME, validators=[Optional()]
    )
    invitation_only = BooleanField(_l("By invitation only"))
    second_choice = BooleanField(_l("Applicants may name a second track"))
    confirm_days = IntegerField(
        _l("Days to confirm an offered place"),
        default=14,
        validators=[Optional(), FromSchema(EventFields, "confirm_days")],
    )
    disagreement_margin = FiniteDecimalField(
        _l("Flag reviewers' scores further apart than"),
        places=2,
        default=None,
        validators=[Optional()],
    )
    meeting_at = DateTimeLocalField(
        _l("Preparatory online meeting"), format=LOCAL_TIME, validators=[Optional()]
    )
    meeting_url = StringField(
        _l("Address of the online meeting"), validators=[FromSchema(EventFields, "meeting_url")]
    )
    signatory_name = StringField(
        _l("Certificates are signed by (name)"),
        validators=[FromSchema(EventFields, "signatory_name")],
    )
    signatory_title = StringField(
        _l("Signatory's title"), validators=[FromSchema(EventFields, "signatory_title")]
    )
    submit = SubmitField(_l("Save the event"))
    checked: EventFields | None = None
    # When the event's decisions were sent, in its local time: its window may not reopen.
    decisions_sent: datetime | None = None

    def offer(self, activities: list[Any]) -> None:
        """Offer the time zones, and the institution's activities to link the event to."""
        self.timezone.choices = [SelectChoice(zone, zone) for zone in sorted(known_timezones())]
        self.activity_id.choices = [
            SelectChoice("", _l("None")),
            *(SelectChoice(str(a.id), f"{a.title} ({a.plan.title})"[:300]) for a in activities),
        ]

    def fill(self, values: dict[str, Any]) -> None:
        """Show stored or suggested values (languages as typed, a link as its id)."""
        for name, value in values.items():
            field = getattr(self, name, None)
            if field is None:
                continue
            if name == "languages":
                field.data = ", ".join(value or [])
            elif name == "activity_id":
                field.data = str(value) if value else ""
            else:
                field.data = value

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the event's schema."""
        valid = super().validate(extra_validators)
        typed = (self.languages.data or "").replace(";", ",").replace(" ", ",")
        data: dict[str, Any] = {
            "title": self.title.data or "",
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "place": self.place.data or "",
            "format": self.format.data,
            "description": self.description.data or "",
            "audience": self.audience.data or "",
            "contact_email": (self.contact_email.data or "").strip(),
            "programme": self.programme.data or "",
            "accommodation": self.accommodation.data or "",
            "consent_text": self.consent_text.data or "",
            "languages": [code for code in typed.split(",") if code.strip()],
            "timezone": self.timezone.data or "",
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "invitation_only": bool(self.invitation_only.data),
            "second_choice": bool(self.second_choice.data),
            "meeting_at": self.meeting_at.data,
            "meeting_url": (self.meeting_url.data or "").strip(),
            "signatory_name": self.signatory_name.data or "",
            "signatory_title": self.signatory_title.data or "",
            "activity_id": form_id(self.activity_id.data),
        }
        # Left empty, the model's defaults stand.
        if self.confirm_days.data is not None:
            data["confirm_days"] = self.confirm_days.data
        if self.disagreement_margin.data is not None:
            data["disagreement_margin"] = self.disagreement_margin.data
        context = {"decisions_sent": self.decisions_sent} if self.decisions_sent else None
        checked = check_form(self, EventFields, data, context=context)
        if not isinstance(checked, EventFields):
            return False
        self.checked = checked
        self.languages.data = ", ".join(checked.languages)
        return valid


class EventEditForm(EventForm):
    """An event's editor, with the version it was opened at."""

    version = VersionField()


class TrackForm(FlaskForm):
    """A track: title, who it is for, its topics and its places."""

    title = StringField(_l("Title"), validators=[FromSchema(TrackFields, "title")])
    target_group = TextAreaField(
        _l("Target group"), validators=[FromSchema(TrackFields, "target_group")]
    )
    topics = TextAreaField(_l("Topics (one per line)"))
    capacity = IntegerField(
        _l("Places"), default=20, validators=[Optional(), FromSchema(TrackFields, "capacity")]
    )
    submit = SubmitField(_l("Save the track"))
    checked: TrackFields | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the track's schema."""
        valid = super().validate(extra_validators)
        data: dict[str, Any] = {
            "title": self.title.data or "",
            "target_group": self.target_group.data or "",
            "topics": lines(self.topics.data),
        }
        if self.capacity.data is not None:
            data["capacity"] = self.capacity.data
        checked = check_form(self, TrackFields, data)
        if not isinstance(checked, TrackFields):
            return False
        self.checked = checked
        return valid


class QuestionForm(FlaskForm):
    """A question of a track."""

    kind = SelectField(_l("Kind of answer"), choices=choices(QuestionKind), validate_choice=False)
    prompt = StringField(_l("Question"), validators=[FromSchema(QuestionFields, "prompt")])
    help = TextAreaField(_l("Help text"), validators=[FromSchema(QuestionFields, "help")])
    required = BooleanField(_l("An answer is required"))
    max_length = IntegerField(
        _l("Longest answer (characters, text answers only)"),
        validators=[Optional(), FromSchema(QuestionFields, "max_length")],
    )
    choices = TextAreaField(_l("Choices (one per line, for questions with choices)"))
    prompt_fi = StringField(
        _l("Question in Finnish"), validators=[FromSchema(QuestionFields, "prompt_fi")]
    )
    help_fi = TextAreaField(
        _l("Help text in Finnish"), validators=[FromSchema(QuestionFields, "help_fi")]
    )
    choices_fi = TextAreaField(_l("Choices in Finnish (one per line, in the same order)"))
    prompt_sv = StringField(
        _l("Question in Swedish"), validators=[FromSchema(QuestionFields, "prompt_sv")]
    )
    help_sv = TextAreaField(
        _l("Help text in Swedish"), validators=[FromSchema(QuestionFields, "help_sv")]
    )
    choices_sv = TextAreaField(_l("Choices in Swedish (one per line, in the same order)"))
    submit = SubmitField(_l("Save the question"))
    checked: QuestionFields | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the question's schema."""
        valid = super().validate(extra_validators)
        checked = check_form(
            self,
            QuestionFields,
            {
                "kind": self.kind.data,
                "prompt": self.prompt.data or "",
                "help": self.help.data or "",
                "required": bool(self.required.data),
                "max_length": self.max_length.data,
                "choices": lines(self.choices.data),
                "prompt_fi": self.prompt_fi.data or "",
                "prompt_sv": self.prompt_sv.data or "",
                "help_fi": self.help_fi.data or "",
                "help_sv": self.help_sv.data or "",
                "choices_fi": lines(self.choices_fi.data),
                "choices_sv": lines(self.choices_sv.data),
            },
        )
        if not isinstance(checked, QuestionFields):
            return False
        self.checked = checked
        return valid


class CommitteeForm(FlaskForm):
    """Who joins which track's committee."""

    user_id = SelectField(_l("Member of the institution"), coerce=int)
    track_id = SelectField(_l("Track"), coerce=int)
    submit = SubmitField(_l("Add to the committee"))

    def offer(self, users: list[Any], tracks: list[Any]) -> None:
        """Offer the institution's members and the event's tracks."""
        self.user_id.choices = [
            SelectChoice(u.id, f"{u.name} <{u.email}>" if u.name else u.email) for u in users
        ]
        self.track_id.choices = [SelectChoice(t.id, t.title) for t in tracks]
