"""The emails accounts send, written in their recipient's language.

Each is rendered whole (subject and body) under `force_locale`, so its words, dates and
times follow the recipient and not whoever's request queued it: a password reset in the
account's language (the request's if none is saved), an invitation in the invitation's.
Links come from the configured public address (`external_url`), never from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, format_date, format_datetime, format_timedelta
from flask_babel import gettext as _

from app.core.enums import label
from app.core.i18n import locale_of
from app.permissions import Role


@dataclass(frozen=True)
class Email:
    """An email's subject and plain-text body, in one language."""

    subject: str
    body: str


def _body(*paragraphs: str) -> str:
    """Join paragraphs with a greeting first and a note that nobody reads replies last."""
    closing = _("This message was sent automatically; replies to it are not read.")
    return "\n\n".join((_("Hello,"), *paragraphs, closing)) + "\n"


def _moment(value: datetime) -> str:
    """A date and time with its time zone, as the recipient's language writes them."""
    return f"{format_datetime(value, 'short')} {format_datetime(value, 'z')}"


def password_reset(language: str | None, link: str, valid: timedelta, until: datetime) -> Email:
    """Write the email with a link to choose a new password."""
    with force_locale(locale_of(language)):
        return Email(
            subject=_("Reset your password"),
            body=_body(
                _(
                    "Someone asked to reset the password of your account in the Staff "
                    "Capacity Planner."
                ),
                _("To choose a new password, open this link:"),
                link,
                _(
                    "The link works once and is valid for %(duration)s (until %(time)s).",
                    duration=format_timedelta(valid, threshold=1),
                    time=_moment(until),
                ),
                _("If it was not you, ignore this email: your password stays as it is."),
            ),
        )


def invitation(
    language: str | None,
    *,
    inviter: str,
    institution: str,
    role: str,
    link: str,
    until: datetime,
) -> Email:
    """Write the email that invites someone to an institution with a role."""
    with force_locale(locale_of(language)):
        return Email(
            subject=_("Invitation to %(institution)s", institution=institution),
            body=_body(
                _(
                    "%(inviter)s invites you to join %(institution)s in the Staff Capacity "
                    "Planner. Your role will be: %(role)s.",
                    inviter=inviter,
                    institution=institution,
                    role=label(role, Role),
                ),
                _("To accept, open this link by %(date)s:", date=format_date(until, "long")),
                link,
                _("If you did not expect this invitation, you can ignore this email."),
            ),
        )
