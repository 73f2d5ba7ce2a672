"""Forms of a series: the series and its call template, a member, an edition.

What a form takes is its schema's rule: the template's fields are an event's (the events
schema's types), so an edition copies nothing its host's event would refuse.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.core.enums import choices
from app.core.i18n import lazy_gettext as _l
from app.core.validation import FromSchema, check_form
from app.events.forms import TrackForm
from app.events.models import known_timezones
from app.planner.models import Format
from app.series.models import Cadence
from app.series.schemas import EditionFields, SeriesFields

__all__ = ["EditionForm", "MemberForm", "SeriesForm", "TrackForm"]


class SeriesForm(FlaskForm):
    """A series and the call template its editions copy."""

    name = StringField(_l("Name"), validators=[FromSchema(SeriesFields, "name")])
    network_id = SelectField(_l("Network it belongs to"), default="", validate_choice=False)
    cadence = SelectField(_l("How often"), choices=choices(Cadence), validate_choice=False)
    central_place = StringField(
        _l("Place of the centralised editions"),
        validators=[FromSchema(SeriesFields, "central_place")],
    )
    format = SelectField(_l("Format"), choices=choices(Format), validate_choice=False)
    description = TextAreaField(
        _l("Description (Markdown)"), validators=[FromSchema(SeriesFields, "description")]
    )
    audience = TextAreaField(_l("Who it is for"), validators=[FromSchema(SeriesFields, "audience")])
    contact_email = StringField(
        _l("Contact address"), validators=[FromSchema(SeriesFields, "contact_email")]
    )
    languages = StringField(_l("Working languages"))
    timezone = SelectField(_l("Time zone"), default="Europe/Helsinki", validate_choice=False)
    submit = SubmitField(_l("Save the series"))
    checked: SeriesFields | None = None

    def offer(self, networks: list[Any]) -> None:
        """Offer the networks and the time zones."""
        self.network_id.choices = [
            SelectChoice("", _l("None")),
            *(SelectChoice(str(n.id), n.name) for n in networks),
        ]
        self.timezone.choices = [SelectChoice(zone, zone) for zone in sorted(known_timezones())]

    def fill(self, series: Any) -> None:
        """Show a series' stored values."""
        for name in SeriesFields.model_fields:
            value = getattr(series, name)
            if name == "languages":
                value = ", ".join(value or [])
            elif name == "network_id":
                value = str(value) if value else ""
            getattr(self, name).data = value

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the series' schema."""
        valid = super().validate(extra_validators)
        typed = (self.languages.data or "").replace(";", ",").replace(" ", ",")
        data: dict[str, Any] = {
            name: getattr(self, name).data or ""
            for name in (
                "name",
                "cadence",
                "central_place",
                "format",
                "description",
                "audience",
                "contact_email",
                "timezone",
            )
        }
        data["languages"] = [code for code in typed.split(",") if code.strip()]
        data["network_id"] = self.network_id.data or None
        checked = check_form(self, SeriesFields, data)
        if not isinstance(checked, SeriesFields):
            return False
        self.checked = checked
        return valid


class MemberForm(FlaskForm):
    """An institution to add to the rotation."""

    institution = SelectField(_l("Institution"), validate_choice=True)
    submit = SubmitField(_l("Add to the rotation"))

    def offer(self, institutions: list[Any]) -> None:
        """Offer the institutions that are not members yet."""
        self.institution.choices = [SelectChoice(i.slug, i.name) for i in institutions]


class EditionForm(FlaskForm):
    """The next edition of a series."""

    mode = SelectField(
        _l("Where"),
        choices=[
            SelectChoice("decentralised", _l("Decentralised: at the next member in the rotation")),
            SelectChoice("centralised", _l("Centralised: in the coordinator's city")),
        ],
    )
    title = StringField(_l("Title"), validators=[FromSchema(EditionFields, "title")])
    starts_on = DateField(_l("First day"))
    ends_on = DateField(_l("Last day"))
    submit = SubmitField(_l("Create the edition"))
    checked: EditionFields | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        """Read the fields, then check them through the edition's schema."""
        valid = super().validate(extra_validators)
        data = {
            "centralised": self.mode.data == "centralised",
            "title": self.title.data or "",
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
        }
        checked = check_form(self, EditionFields, data)
        if not isinstance(checked, EditionFields):
            return False
        self.checked = checked
        return valid
