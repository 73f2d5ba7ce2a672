"""Forms of the accounts pages."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.accounts.passwords import MAX_LENGTH, password_problems
from app.core.enums import choices
from app.core.i18n import LANGUAGES
from app.core.validation import SingleLineText
from app.permissions import Role

ROLE_CHOICES = choices(Role)


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Sign in")


class NewPasswordMixin:
    """A new password typed twice, checked against the password rule."""

    password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
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

    current_password = PasswordField("Current password", validators=[DataRequired()])
    submit = SubmitField("Change password")


class EmailForm(FlaskForm):
    """An address to send a password reset link to."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send the link")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """A new password chosen through a reset link."""

    submit = SubmitField("Set the new password")


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """A name and a password for someone who accepts an invitation without an account."""

    name = StringField("Your name", validators=[Length(max=200), SingleLineText()])
    password = PasswordField("Choose a password", validators=[DataRequired()])
    submit = SubmitField("Create my account and join")


class NameForm(FlaskForm):
    """One's own name, as colleagues see it on approvals, histories and member lists."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=200), SingleLineText()])
    submit = SubmitField("Save the name")


class LanguageForm(FlaskForm):
    """The switcher on every page: the language to read the interface in, and where to go back."""

    language = SelectField(choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])
    next = HiddenField()


class ApiTokenForm(FlaskForm):
    """A new personal API token: a name to recognise it by and how long it lives."""

    name = StringField(
        "What it is for", validators=[DataRequired(), Length(max=100), SingleLineText()]
    )
    days = SelectField(
        "Valid for",
        coerce=int,
        choices=[
            SelectChoice(30, "30 days"),
            SelectChoice(90, "90 days"),
            SelectChoice(365, "a year"),
        ],
        default=90,
    )
    submit = SubmitField("Create the token")


class InviteForm(FlaskForm):
    """Invite someone by email with a role."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    submit = SubmitField("Send the invitation")


class RoleForm(FlaskForm):
    """Change a member's role."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change")
