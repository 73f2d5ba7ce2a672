"""Forms of the institution pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from app.core.i18n import lazy_gettext as _l
from app.core.validation import FreeText, SingleLineText
from app.core.vocabularies import vocabularies
from app.institutions.schemas import Since, parse_since


def _choices(vocabulary: str) -> list[SelectChoice]:
    """Offer the values of a vocabulary list."""
    return [SelectChoice(key, label) for key, label in vocabularies().lists[vocabulary].items()]


class InstitutionForm(FlaskForm):
    """What an institution's manager may edit of its profile."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), SingleLineText()])
    country = StringField(
        _l("Country"), validators=[DataRequired(), Length(max=100), SingleLineText()]
    )
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    website = StringField(
        _l("Website"),
        validators=[Optional(), URL(require_tld=False), Length(max=500), SingleLineText()],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000), FreeText()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices("institution_kinds")

    def validate_website(self, field: StringField) -> None:
        """Only web addresses: no javascript: or data: links on a public page."""
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Give an address starting with http:// or https://."))


class UnitForm(FlaskForm):
    """A unit to add to the institution."""

    name = StringField(
        _l("Unit name"), validators=[DataRequired(), Length(max=200), SingleLineText()]
    )
    kind = SelectField(_l("Kind of unit"), validators=[DataRequired()])
    description = TextAreaField(_l("What it does"), validators=[Length(max=2000), FreeText()])
    submit = SubmitField(_l("Add the unit"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices("unit_kinds")


class MembershipForm(FlaskForm):
    """A network the institution belongs to, with its role and since when."""

    network = SelectField(_l("Network"), validators=[DataRequired()])
    role = StringField(
        _l("Role"),
        # The role is free text: offered in the manager's language, saved as they leave it.
        default=lambda: _("Member"),
        validators=[DataRequired(), Length(max=200), SingleLineText()],
    )
    since = StringField(
        _l("Since (optional)"),
        validators=[Optional(), Length(max=10)],
    )
    note = StringField(_l("Note"), validators=[Length(max=500), SingleLineText()])
    submit = SubmitField(_l("Add the membership"))

    def validate_since(self, field: StringField) -> None:
        """Check the date with the data files' own rule (schemas.parse_since)."""
        try:
            parse_since(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def since_value(self) -> Since | None:
        """Return the checked date with its precision, or None when left empty."""
        return parse_since(self.since.data) if (self.since.data or "").strip() else None

    def __init__(self, networks: list[tuple[str, str]], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.network.choices = [SelectChoice(slug, name) for slug, name in networks]


class PartnershipForm(FlaskForm):
    """A strategic partner and the priority areas agreed with it."""

    partner_name = StringField(
        _l("Partner"), validators=[DataRequired(), Length(max=200), SingleLineText()]
    )
    partner_country = StringField(_l("Country"), validators=[Length(max=100), SingleLineText()])
    priority_areas = TextAreaField(
        _l("Priority areas (one per line)"), validators=[Length(max=3000), FreeText()]
    )
    submit = SubmitField(_l("Add the partner"))

    def areas(self) -> list[str]:
        """Return the priority areas, one per non-empty line."""
        return [
            line.strip() for line in (self.priority_areas.data or "").splitlines() if line.strip()
        ]
