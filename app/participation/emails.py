"""The emails of taking part, in the language the participant applied in, and the iCalendar
invitation to the preparatory meeting.

Each is written whole under `force_locale(application.language)`, so a task that runs with
no request writes it in the participant's language. An applicant's link holds a secret of
which only a digest is stored, so these emails cannot carry it: they point to the event's
page where a new link to one's own application is mailed on request.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from app.accounts.emails import Email
from app.applications.models import Application
from app.core.extensions import aware, utcnow
from app.core.formatting import day
from app.core.i18n import DEFAULT_LANGUAGE, known, locale_of
from app.events.formatting import event_dates, event_moment
from app.events.models import Event
from app.mail.services import single_line

# The meeting's length in the calendar: the event records only when it starts.
MEETING_LENGTH = timedelta(hours=1)


def _body(event: Event, *paragraphs: str, link: str | None = None) -> str:
    """Greet, say the paragraphs, give the link to one's feedback form, name the organisers."""
    parts = [_("Hello,"), *paragraphs]
    if link:
        parts += [
            _("Your feedback form (keep the link to yourself; it replaces earlier ones):"),
            link,
        ]
    if event.contact_email:
        parts.append(
            _("Questions? Write to the organisers: %(address)s", address=event.contact_email)
        )
    parts.append(_("This message was sent automatically; replies to it are not read."))
    return "\n\n".join(parts) + "\n"


def _language(application: Application) -> str:
    return known(application.language) or DEFAULT_LANGUAGE


def _email(
    application: Application, subject: str, *paragraphs: str, link: str | None = None
) -> Email:
    """Put an email together; its texts were written under the participant's language."""
    return Email(
        language=_language(application),
        subject=subject,
        body=_body(application.event, *paragraphs, link=link),
    )


def _meeting(event: Event) -> list[str]:
    """Say when the meeting is and where to join it."""
    return [
        _("When: %(time)s", time=event_moment(event, aware(event.meeting_at))),
        _("Join here: %(link)s", link=event.meeting_url),
    ]


def meeting_invitation(application: Application) -> Email:
    """Write the invitation to the event's preparatory online meeting."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Preparatory online meeting: %(event)s", event=event.title),
            _(
                "Welcome to %(event)s (%(dates)s). Before the event, its participants "
                "meet online to get to know each other and prepare.",
                event=event.title,
                dates=event_dates(event),
            ),
            *_meeting(event),
            _("The invitation is attached as a calendar file; add it to your calendar."),
        )


def meeting_change(application: Application) -> Email:
    """Write to an invited participant that the meeting moved or has a new link."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Changed: preparatory online meeting of %(event)s", event=event.title),
            _(
                "The preparatory online meeting of %(event)s has changed. This message "
                "replaces the invitation you had: its time and link are below.",
                event=event.title,
            ),
            *_meeting(event),
            _("The calendar file attached updates the entry in your calendar."),
        )


def meeting_cancellation(application: Application) -> Email:
    """Write to an invited participant that the meeting is called off."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Cancelled: preparatory online meeting of %(event)s", event=event.title),
            _(
                "The preparatory online meeting of %(event)s is cancelled. If it gets "
                "a new time, you will be invited again.",
                event=event.title,
            ),
            _("The calendar file attached removes the entry from your calendar."),
        )


def meeting_reminder(application: Application) -> Email:
    """Write the reminder, the day before, of the preparatory online meeting."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Reminder: preparatory online meeting of %(event)s", event=event.title),
            _("The preparatory online meeting of %(event)s starts soon.", event=event.title),
            *_meeting(event),
        )


def feedback_invitation(application: Application, last_day: date, link: str) -> Email:
    """Write the request for feedback, the day after the event."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Your feedback on %(event)s", event=event.title),
            _(
                "Thank you for taking part in %(event)s. Tell us how it went: rate the "
                "event and your track, and say what you will change at home. It takes "
                "five minutes.",
                event=event.title,
            ),
            _(
                "You can give your feedback, and change it, until the end of %(date)s.",
                date=day(last_day, "full"),
            ),
            link=link,
        )


def feedback_reminder(application: Application, last_day: date, link: str) -> Email:
    """Write the reminder to those who have not given feedback yet."""
    event = application.event
    with force_locale(locale_of(application.language)):
        return _email(
            application,
            _("Reminder: your feedback on %(event)s", event=event.title),
            _(
                "We have not had your feedback on %(event)s yet. Each answer helps us "
                "make the next event better.",
                event=event.title,
            ),
            _("You can give your feedback until the end of %(date)s.", date=day(last_day, "full")),
            link=link,
        )


def meeting_ics(
    application: Application,
    now: datetime | None = None,
    *,
    cancelled: bool = False,
) -> str:
    """Write the meeting as an iCalendar invitation (RFC 5545/5546) to the participant.

    One UID per event's meeting and a SEQUENCE that grows with each change, so that a
    calendar that got it before updates its entry, or removes it once `cancelled` (the UID
    names the entry; a cancelled meeting has no time left to give). With the organiser's address it is a REQUEST
    (or CANCEL) with its organiser; without, a PUBLISH, which needs none.
    """
    event = application.event
    start = None if cancelled or event.meeting_at is None else aware(event.meeting_at)
    domain = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").hostname or "localhost"
    with force_locale(locale_of(application.language)):
        summary = _("Preparatory online meeting: %(event)s", event=event.title)
        description = _(
            "The participants of %(event)s meet online before the event. Join here: %(link)s",
            event=event.title,
            link=event.meeting_url,
        )
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Capacity Planner//event meeting//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "method", ("CANCEL" if cancelled else "REQUEST") if event.contact_email else "PUBLISH"
    )
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}-meeting@{domain}")
    entry.add("dtstamp", now or utcnow())
    if start is not None:
        entry.add("dtstart", start)
        entry.add("dtend", start + MEETING_LENGTH)
    entry.add("sequence", event.meeting_sequence or 0)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("summary", vText(single_line(summary, 500)))
    entry.add("description", vText(single_line(description, 2000)))
    if event.meeting_url and not cancelled:
        entry.add("location", vText(single_line(event.meeting_url, 500)))
    if event.meeting_url.startswith(("https://", "http://")) and not cancelled:
        entry.add("url", event.meeting_url)
    if event.contact_email:
        organiser = vCalAddress(f"mailto:{single_line(event.contact_email, 254)}")
        organiser.params["cn"] = vText(single_line(event.institution.name, 200))
        entry.add("organizer", organiser)
        attendee = vCalAddress(f"mailto:{single_line(application.email, 254)}")
        attendee.params["cn"] = vText(single_line(application.name, 200))
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        entry.add("attendee", attendee, encode=0)
    calendar.add_component(entry)
    return calendar.to_ical().decode("utf-8")
