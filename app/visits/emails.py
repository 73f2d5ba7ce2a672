"""The emails to a visitor, written in the language they requested the visit in.

Each carries a new secret link to the visitor's page (the one before stops working). Links
come from the configured public address, never from the request.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.emails import Email
from app.core.formatting import day
from app.core.i18n import DEFAULT_LANGUAGE, known, locale_of
from app.visits.models import VisitRequest, VisitState


def _body(*paragraphs: str) -> str:
    closing = _("This message was sent automatically; replies to it are not read.")
    return "\n\n".join((_("Hello,"), *[p for p in paragraphs if p], closing)) + "\n"


def _private() -> str:
    return _(
        "Keep this link to yourself: anyone who has it can see and answer your request. "
        "Each email carries a new link, which replaces the one before."
    )


def _dates(start: object, end: object) -> str:
    return _("%(start)s to %(end)s", start=day(start), end=day(end))


def verify(request: VisitRequest, link: str) -> Email:
    """The email that confirms the visitor's address, with the link to their request."""
    host = request.institution.name
    with force_locale(locale_of(request.language)):
        return Email(
            language=known(request.language) or DEFAULT_LANGUAGE,
            subject=_("Confirm your visit request to %(host)s", host=host),
            body=_body(
                _(
                    "Someone (we hope you) asked for an individual staff training visit to "
                    "%(host)s with this email address.",
                    host=host,
                ),
                _("Open this link to confirm the request; only then does the host see it:"),
                link,
                _private(),
                _("If it was not you, ignore this email: nothing is sent without you."),
            ),
        )


def decision(request: VisitRequest, link: str) -> Email:
    """The email that tells the visitor the host unit's answer."""
    host = request.institution.name
    unit = request.unit.name if request.unit else host
    with force_locale(locale_of(request.language)):
        state = request.state
        if state == VisitState.ACCEPTED:
            subject = _("Your visit to %(host)s is accepted", host=host)
            text = _(
                "%(unit)s accepts your visit on %(dates)s. Confirm the dates on your page.",
                unit=unit,
                dates=_dates(request.preferred_start, request.preferred_end),
            )
        elif state == VisitState.PROPOSED:
            subject = _("Other dates for your visit to %(host)s", host=host)
            text = _(
                "%(unit)s proposes to host your visit on %(dates)s. Confirm them on your page, "
                "or withdraw the request.",
                unit=unit,
                dates=_dates(request.proposed_start, request.proposed_end),
            )
        elif state == VisitState.CALL:
            subject = _("%(unit)s asks for a call first", unit=unit)
            text = _(
                "%(unit)s would like a video call with you before deciding on your visit.",
                unit=unit,
            )
        elif state == VisitState.DECLINED:
            subject = _("Your visit request to %(host)s is declined", host=host)
            text = _("%(unit)s cannot host your visit. The reason it gives:", unit=unit)
            text += "\n\n" + request.decline_reason
        elif state == VisitState.CONFIRMED:
            subject = _("The programme of your visit to %(host)s", host=host)
            text = _("%(unit)s has written the programme of your visit.", unit=unit)
        else:
            subject = _("Your visit request to %(host)s", host=host)
            text = request.state_label
        note = (
            request.host_note
            if state in (VisitState.CALL, VisitState.ACCEPTED, VisitState.PROPOSED)
            else ""
        )
        return Email(
            language=known(request.language) or DEFAULT_LANGUAGE,
            subject=subject,
            body=_body(text, note, _("Your request's page:"), link, _private()),
        )
