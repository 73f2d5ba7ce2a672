"""Forms of the accounts pages."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from app.accounts.passwords import MAX_LENGTH, password_problems
from app.core.enums import choices
from app.core.i18n import LANGUAGES, current_language
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import lazy_ngettext as _ln
from app.core.validation import SingleLineText
from app.permissions import Role

ROLE_CHOICES = choices(Role)
# The languages by their own names (never translated: each reader finds their own).
LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGES.items()]
NO_LANGUAGE_CHOSEN = _l("Choose one of the languages offered.")


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    """A new password typed twice, checked against the password rule."""

    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
    )

    def __init__(self, email: str = "", *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        # The account's address, which the new password must not equal.
        self.email_for_rule = email

    def validate_password(self, field: PasswordField) -> None:
        """Apply the password rule and say every problem."""
        problems = password_problems(
            field.data or "", self.email_for_rule, current_app.config["COMMON_PASSWORDS_FILE"]
        )
        if problems:
            raise ValidationError(" ".join(problems))


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    """The current password, then a new one."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class EmailForm(FlaskForm):
    """An address to send a password reset link to."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """A new password chosen through a reset link."""

    submit = SubmitField(_l("Set the new password"))


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """A name and a password for someone who accepts an invitation without an account."""

    name = StringField(_l("Your name"), validators=[Length(max=200), SingleLineText()])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired()])
    submit = SubmitField(_l("Create my account and join"))


class NameForm(FlaskForm):
    """One's own name, as colleagues see it on approvals, histories and member lists."""

    name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=200), SingleLineText()]
    )
    submit = SubmitField(_l("Save the name"))


class PreferredLanguageForm(FlaskForm):
    """The language saved on one's account, or none: then the browser's is followed."""

    language = SelectField(
        _l("Language of the pages and of the emails sent to you"),
        choices=[SelectChoice("", _l("Follow my browser")), *LANGUAGE_CHOICES],
        # Checked by AnyOf, whose message says what to do rather than WTForms' own.
        validate_choice=False,
        validators=[AnyOf(["", *LANGUAGES], message=NO_LANGUAGE_CHOSEN)],
    )
    submit = SubmitField(_l("Save the language"))


class LanguageForm(FlaskForm):
    """The switcher on every page: the language to read the interface in, and where to go back."""

    language = SelectField(choices=LANGUAGE_CHOICES)
    next = HiddenField()


class ApiTokenForm(FlaskForm):
    """A new personal API token: a name to recognise it by and how long it lives."""

    name = StringField(
        _l("What it is for"), validators=[DataRequired(), Length(max=100), SingleLineText()]
    )
    days = SelectField(
        _l("Valid for"),
        coerce=int,
        choices=[
            SelectChoice(30, _ln("%(num)d day", "%(num)d days", 30)),
            SelectChoice(90, _ln("%(num)d day", "%(num)d days", 90)),
            SelectChoice(365, _l("a year")),
        ],
        default=90,
    )
    submit = SubmitField(_l("Create the token"))


class InviteForm(FlaskForm):
    """Invite someone by email with a role, in the language the invitation is written in."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="viewer")
    # The inviter's own language unless they choose another: the email is written in it,
    # and the new account starts with it.
    language = SelectField(
        _l("Language of the invitation"),
        choices=LANGUAGE_CHOICES,
        default=current_language,
        validate_choice=False,
        validators=[AnyOf(list(LANGUAGES), message=NO_LANGUAGE_CHOSEN)],
    )
    submit = SubmitField(_l("Send the invitation"))


class RoleForm(FlaskForm):
    """Change a member's role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Change"))
