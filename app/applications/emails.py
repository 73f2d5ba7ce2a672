"""The emails of applying, written in the applicant's language.

Each is rendered whole under `force_locale`: the link's email in the language of the page it
was asked from, the others in the language the application was made in
(Application.language), whoever's request queues them. Times are the event's local times, with
their zone. Links come from the configured public address, never from the request.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.emails import Email
from app.applications.models import Application
from app.core.i18n import DEFAULT_LANGUAGE, known, locale_of
from app.events.formatting import event_dates, event_moment
from app.events.models import Event


def _body(*paragraphs: str) -> str:
    closing = _("This message was sent automatically; replies to it are not read.")
    return "\n\n".join((_("Hello,"), *paragraphs, closing)) + "\n"


def _keep_private() -> str:
    return _(
        "Keep this link to yourself: anyone who has it can see and change your application. "
        "A new link replaces it if you ask for one."
    )


def link(language: str | None, event: Event, address: str, now: datetime) -> Email:
    """Write the email with the link to an event's application page."""
    locale = locale_of(language)
    with force_locale(locale):
        closes = (
            _(
                "Applications are open until %(time)s.",
                time=event_moment(event, event.closes_at, closing=True),
            )
            if event.closes_at is not None
            else ""
        )
        return Email(
            language=known(language) or DEFAULT_LANGUAGE,
            subject=_("Your link to apply to %(event)s", event=event.title),
            body=_body(
                _(
                    "Someone (we hope you) asked to apply to %(event)s with this email address.",
                    event=event.title,
                ),
                _("To apply, or to see or change your application, open this link:"),
                address,
                *([closes] if closes else []),
                _keep_private(),
                _("If it was not you, ignore this email: nothing is sent without you."),
            ),
        )


def confirmation(application: Application, address: str, *, created: bool) -> Email:
    """Write the email that confirms an application was received, or changed."""
    event = application.event
    locale = locale_of(application.language)
    with force_locale(locale):
        if created:
            subject = _("Your application to %(event)s is received", event=event.title)
            opening = _(
                "Thank you: your application to %(event)s is received, for the track %(track)s.",
                event=event.title,
                track=application.track.title,
            )
        else:
            subject = _("Your application to %(event)s is changed", event=event.title)
            opening = _(
                "Your application to %(event)s is changed. Its track is now %(track)s.",
                event=event.title,
                track=application.track.title,
            )
        paragraphs = [opening]
        if event.closes_at is not None:
            paragraphs.append(
                _(
                    "You can see, change or withdraw it until the application window closes "
                    "on %(time)s. Decisions are made after the close; you will get an email.",
                    time=event_moment(event, event.closes_at, closing=True),
                )
            )
        paragraphs += [address, _keep_private()]
        return Email(
            language=known(application.language) or DEFAULT_LANGUAGE,
            subject=subject,
            body=_body(*paragraphs),
        )


def withdrawn(application: Application, address: str) -> Email:
    """Write the email that confirms an application was withdrawn."""
    event = application.event
    locale = locale_of(application.language)
    with force_locale(locale):
        paragraphs = [
            _("Your application to %(event)s is withdrawn.", event=event.title),
        ]
        if event.closes_at is not None:
            paragraphs.append(
                _(
                    "If you change your mind, you can send it again from your application page "
                    "until %(time)s:",
                    time=event_moment(event, event.closes_at, closing=True),
                )
            )
            paragraphs.append(address)
        return Email(
            language=known(application.language) or DEFAULT_LANGUAGE,
            subject=_("Your application to %(event)s is withdrawn", event=event.title),
            body=_body(*paragraphs),
        )


def cancelled(application: Application) -> Email:
    """Write the email that tells an applicant the event is cancelled."""
    event = application.event
    with force_locale(locale_of(application.language)):
        paragraphs = [
            _(
                "We are sorry to tell you that %(event)s (%(dates)s) is cancelled. Your "
                "application, and a place offered or confirmed to you, no longer stand; "
                "nothing more is needed from you.",
                event=event.title,
                dates=event_dates(event),
            )
        ]
        if event.contact_email:
            paragraphs.append(
                _("Questions? Write to the organisers: %(address)s", address=event.contact_email)
            )
        return Email(
            language=known(application.language) or DEFAULT_LANGUAGE,
            subject=_("%(event)s is cancelled", event=event.title),
            body=_body(*paragraphs),
        )
