"""The decision emails, written in the language the applicant applied in.

Each is rendered whole under `force_locale(Application.language)`. The organiser's own text
(a MessageTemplate of that kind and language) replaces the default subject and body when
there is one; its placeholders {name}, {event} and {track} are replaced by plain text (no
format strings: a stray brace in an organiser's text is kept as typed). An offer of a place
(accepted, or promoted from the waiting list) always ends with what the applicant needs:
the deadline to confirm with the link, the dates, place, programme, accommodation and the
preparatory meeting, whatever the organiser wrote above.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from app.applications.models import Application, PlaceStatus
from app.core.i18n import DEFAULT_LANGUAGE, known, locale_of
from app.core.markdown import markdown_to_plain
from app.events.formatting import event_dates, event_moment
from app.events.models import MessageTemplate, TemplateKind

# The placeholders an organiser's text may use, and what each stands for.
PLACEHOLDERS = ("{name}", "{event}", "{track}")
OFFER_KINDS = frozenset({TemplateKind.ACCEPTED, TemplateKind.PROMOTED})


@dataclass(frozen=True)
class Email:
    """An email's subject and plain-text body, and the language they are written in."""

    subject: str
    body: str
    language: str


def default_text(kind: str, event_title: str, track_title: str, name: str) -> tuple[str, str]:
    """Return the default subject and body of a decision email, in the current language."""
    if kind == TemplateKind.ACCEPTED:
        return (
            _("Your place at %(event)s", event=event_title),
            _(
                "Dear %(name)s,\n\nwe are glad to tell you that your application to the track "
                "%(track)s of %(event)s has been accepted.",
                name=name,
                track=track_title,
                event=event_title,
            ),
        )
    if kind == TemplateKind.WAITING_LIST:
        return (
            _("Your application to %(event)s: waiting list", event=event_title),
            _(
                "Dear %(name)s,\n\nthank you for applying to the track %(track)s of "
                "%(event)s. Your application is on the waiting list. If a place opens, we "
                "will offer it to you by email, with a deadline to confirm it.",
                name=name,
                track=track_title,
                event=event_title,
            ),
        )
    if kind == TemplateKind.PROMOTED:
        return (
            _("A place has opened for you at %(event)s", event=event_title),
            _(
                "Dear %(name)s,\n\na place has opened in the track %(track)s of %(event)s, "
                "and it is yours if you confirm it.",
                name=name,
                track=track_title,
                event=event_title,
            ),
        )
    return (
        _("Your application to %(event)s", event=event_title),
        _(
            "Dear %(name)s,\n\nthank you for applying to the track %(track)s of %(event)s. "
            "We received more applications than there are places, and we cannot offer you "
            "a place this time.",
            name=name,
            track=track_title,
            event=event_title,
        ),
    )


def fill(text: str, *, name: str, event: str, track: str) -> str:
    """Replace the placeholders of an organiser's text by their values, nothing else."""
    for key, value in (("{name}", name), ("{event}", event), ("{track}", track)):
        text = text.replace(key, value)
    return text


def _offer_details(application: Application, link: str) -> list[str]:
    """Return the paragraphs every offer of a place ends with."""
    event = application.event
    details = [
        _(
            "Confirm or decline your place by %(deadline)s on this page:",
            deadline=event_moment(event, application.offer_deadline),
        ),
        link,
        _("Dates: %(dates)s", dates=event_dates(event)),
    ]
    if event.place:
        details.append(_("Place: %(place)s", place=event.place))
    if event.meeting_at is not None:
        details.append(
            _(
                "Preparatory online meeting: %(time)s",
                time=event_moment(event, event.meeting_at),
            )
        )
    if event.programme.strip():
        details.append(_("Programme:") + "\n" + markdown_to_plain(event.programme))
    if event.accommodation.strip():
        details.append(_("Accommodation:") + "\n" + markdown_to_plain(event.accommodation))
    return details


def decision_email(
    application: Application,
    kind: str,
    template: MessageTemplate | None,
    link: str | None = None,
) -> Email:
    """Write the email of a decision (or of a place from the waiting list) to an applicant.

    `link` is the address of the applicant's page, given for offers of a place.
    """
    language = known(application.language) or DEFAULT_LANGUAGE
    event = application.event
    with force_locale(locale_of(language)):
        values = {"name": application.name, "event": event.title, "track": application.track.title}
        if template is not None:
            subject, body = fill(template.subject, **values), fill(template.body, **values)
        else:
            subject, body = default_text(
                kind, event.title, application.track.title, application.name
            )
        paragraphs = [body.strip()]
        if kind in OFFER_KINDS and link:
            paragraphs += _offer_details(application, link)
        if event.contact_email:
            paragraphs.append(_("Questions? Write to %(email)s.", email=event.contact_email))
        # Every email the service sends ends so, the organiser's own text included.
        paragraphs.append(_("This message was sent automatically; replies to it are not read."))
        return Email(subject=subject, body="\n\n".join(paragraphs) + "\n", language=language)


def place_answer_email(application: Application) -> Email:
    """Write the receipt of an applicant's answer to the offer of a place: confirmed or
    declined (given back). It carries no link: a new one would end the one in use."""
    language = known(application.language) or DEFAULT_LANGUAGE
    event = application.event
    values = {"event": event.title, "track": application.track.title}
    with force_locale(locale_of(language)):
        if application.place == PlaceStatus.CONFIRMED:
            subject = _("Your place at %(event)s is confirmed", **values)
            paragraphs = [
                _(
                    "Thank you: your place in the track %(track)s of %(event)s (%(dates)s) is "
                    "confirmed.",
                    dates=event_dates(event),
                    **values,
                ),
                _(
                    "If you cannot come after all, give the place back on your page of the "
                    "event (the link of the email that offered you the place) before the event "
                    "starts, so that someone on the waiting list can take it."
                ),
            ]
        else:
            subject = _("You have declined your place at %(event)s", **values)
            paragraphs = [
                _(
                    "You have declined your place in the track %(track)s of %(event)s. Thank "
                    "you for telling us: the place goes to the next on the waiting list.",
                    **values,
                )
            ]
        if event.contact_email:
            paragraphs.append(_("Questions? Write to %(email)s.", email=event.contact_email))
        paragraphs.append(_("This message was sent automatically; replies to it are not read."))
        return Email(subject=subject, body="\n\n".join(paragraphs) + "\n", language=language)


def template_defaults(kind: str, language: str) -> tuple[str, str]:
    """Return the default subject and body in a language, with the placeholders left in, as
    the templates page offers them to start from."""
    with force_locale(locale_of(language)):
        return default_text(kind, "{event}", "{track}", "{name}")
