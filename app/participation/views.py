"""Pages of taking part: meeting, participant lists, check-in, certificates, feedback.

Organiser pages live under the institution and load the event by the organiser rule;
participant pages live under the applicant's secret link and answer 404 to anyone who is not
a participant of that event (the link of an applicant without a confirmed place included).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.applications.forms import country_name
from app.applications.models import Application
from app.core.extensions import aware, db, utcnow
from app.events.formatting import event_dates
from app.events.models import Event
from app.events.services import require_event
from app.participation import certificates, exports, records, services
from app.participation.emails import MEETING_LENGTH
from app.participation.forms import FeedbackForm, MarkForm, ShareListForm
from app.participation.services import DayOutside, FeedbackState
from app.permissions import PUBLIC, SIGNED_IN, access

log = logging.getLogger(__name__)
bp = Blueprint("participation", __name__)

ORGANISER = "/institutions/<slug>/events/<int:event_id>"


@bp.app_template_filter("country")
def country(code: str) -> str:
    """Name a country code in the reader's language."""
    return country_name(code)


def _link(url: str) -> str:
    """Return a meeting's address if a browser may follow it from a page (web links only)."""
    return url if url.startswith(("https://", "http://")) else ""


def _organiser_page(template: str, event: Event, **context: object) -> str:
    """Render an organiser page of the event with the way back to its overview."""
    manage_url = url_for("events.manage", slug=event.institution.slug, event_id=event.id)
    return render_template(template, event=event, manage_url=manage_url, **context)


def _participant_page(
    template: str, application: Application, token: str, **context: object
) -> str:
    """Render a participant's page with the way back to their own application."""
    return render_template(
        template,
        event=application.event,
        application=application,
        token=token,
        own_page=url_for("applications.own", token=token),
        **context,
    )


@dataclass(frozen=True)
class AfterTheDecision:
    """What a participant's own page offers of taking part (participation/_applicant_after)."""

    participant: bool
    meeting_at: datetime | None
    meeting_url: str
    certificate: bool
    feedback: FeedbackState
    feedback_given: bool
    directory: bool


@bp.app_context_processor
def _participation_context() -> dict[str, object]:
    def participation_for(application: Application) -> AfterTheDecision:
        """Tell what the applicant page shows of taking part (a few queries, one application)."""
        event = application.event
        participant = services.is_participant(application) and event.decisions_visible()
        if not participant:
            return AfterTheDecision(False, None, "", False, FeedbackState.NOT_YET, False, False)
        return AfterTheDecision(
            participant=True,
            meeting_at=event.meeting_at,
            # Its address only while it may still be joined.
            meeting_url=_link(event.meeting_url)
            if event.meeting_at and utcnow() < aware(event.meeting_at) + MEETING_LENGTH
            else "",
            certificate=bool(services.days_attended(application)),
            feedback=services.feedback_state(event, utcnow()),
            feedback_given=services.feedback_of(application) is not None,
            directory=event.list_shared,
        )

    return {"participation_for": participation_for}


@bp.app_template_global()
def past_events(institution: Any) -> list[records.PastEvent]:
    """Return an institution's past events with their figures (its public page lists them)."""
    return records.past_events(institution, utcnow().date())


# --- the organiser's pages ---------------------------------------------------------------------


@bp.get(f"{ORGANISER}/participants")
@access(SIGNED_IN)
def participants(slug: str, event_id: int) -> ResponseReturnValue:
    """List an event's participants with their days present, meeting and feedback status."""
    event = require_event(slug, event_id, current_user)
    people = services.participants(event)
    return _organiser_page(
        "participation/participants.html",
        event,
        people=people,
        invited=sum(1 for p in people if p.meeting_invited_at is not None),
        meeting_link=_link(event.meeting_url),
        attendance=services.attendance_of(event),
        answered=services.answered_ids(event),
        share_form=ShareListForm(),
        consenting=sum(1 for p in people if p.list_consent),
        feedback=services.feedback_state(event, utcnow()),
        feedback_opens=services.feedback_first_day(event),
        feedback_last_day=services.feedback_last_day(event),
    )


@bp.get(f"{ORGANISER}/participants.<any(csv, xlsx):kind>")
@access(SIGNED_IN)
def export(slug: str, event_id: int, kind: str) -> ResponseReturnValue:
    """Download the participants as CSV or XLSX, headed in the reader's language."""
    event = require_event(slug, event_id, current_user)
    people, attendance = services.participants(event), services.attendance_of(event)
    if kind == "csv":
        body = exports.to_csv(people, attendance).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(people, attendance)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        content_type=mimetype,
        headers={"Content-Disposition": exports.content_disposition(event, kind)},
    )


@bp.post(f"{ORGANISER}/participants/shared")
@access(SIGNED_IN)
def share_list(slug: str, event_id: int) -> ResponseReturnValue:
    """Show every participant the list of those who agreed to be on it, or stop."""
    event = require_event(slug, event_id, current_user)
    form = ShareListForm()
    if not form.validate_on_submit():
        abort(400)
    event.list_shared = form.shared.data == "1"
    db.session.commit()
    log.info("event %s participants' list shared=%s", event.id, event.list_shared)
    flash(
        _("The list is shared: every participant can now see those who agreed to be on it.")
        if event.list_shared
        else _("The list of participants is no longer shown to participants.")
    )
    return redirect(url_for(".participants", slug=slug, event_id=event.id))


@bp.get(f"{ORGANISER}/participants/<int:application_id>/certificate.pdf")
@access(SIGNED_IN)
def organiser_certificate(slug: str, event_id: int, application_id: int) -> ResponseReturnValue:
    """Download a participant's certificate of attendance (of the days they were present)."""
    event = require_event(slug, event_id, current_user)
    application = services.participant_of(event, application_id)
    return _certificate(application)


@bp.get(f"{ORGANISER}/checkin")
@bp.get(f"{ORGANISER}/checkin/<day>")
@access(SIGNED_IN)
def checkin(slug: str, event_id: int, day: str | None = None) -> ResponseReturnValue:
    """Show the check-in list of a day of the event: one button per person."""
    event = require_event(slug, event_id, current_user)
    chosen = _day(event, day) if day else services.current_day(event, utcnow())
    people = services.by_name(services.participants(event))
    present = services.present_on(event, chosen)
    return _organiser_page(
        "participation/checkin.html",
        event,
        day=chosen,
        days=event.days(),
        people=people,
        present=present,
        form=MarkForm(),
    )


@bp.post(f"{ORGANISER}/checkin/<day>/<int:application_id>")
@access(SIGNED_IN)
def mark(slug: str, event_id: int, day: str, application_id: int) -> ResponseReturnValue:
    """Mark one participant present or absent on one day; back to the same row."""
    event = require_event(slug, event_id, current_user)
    chosen = _day(event, day, status=400)
    application = services.participant_of(event, application_id)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400, description=_("The mark was not understood; reload the list and try again."))
    present = form.present.data == "1"
    services.mark_attendance(application, chosen, present, current_user.email, utcnow())
    db.session.commit()
    return redirect(
        url_for(".checkin", slug=slug, event_id=event.id, day=chosen.isoformat())
        + f"#p-{application.id}"
    )


@bp.get(f"{ORGANISER}/feedback")
@access(SIGNED_IN)
def feedback_summary(slug: str, event_id: int) -> ResponseReturnValue:
    """Show the feedback in figures per track, and its words."""
    event = require_event(slug, event_id, current_user)
    return _organiser_page(
        "participation/feedback_summary.html",
        event,
        rows=services.feedback_summary(event),
        texts=services.feedback_texts(event),
        state=services.feedback_state(event, utcnow()),
        opens=services.feedback_first_day(event),
        last_day=services.feedback_last_day(event),
    )


def _day(event: Event, text: str, status: int = 404) -> date:
    """Read a day of the event from the address, or answer with a sentence that says so."""
    try:
        return services.event_day(event, text)
    except DayOutside:
        abort(
            status,
            description=_(
                "%(day)s is not a day of this event: it runs %(dates)s.",
                day=text[:20],
                dates=event_dates(event),
            ),
        )


# --- the participant's pages -------------------------------------------------------------------


@bp.get("/applications/<token>/participants")
@access(PUBLIC)
def directory(token: str) -> ResponseReturnValue:
    """Show a participant the participants who agreed to be listed, once it is shared."""
    application = services.require_participant(token)
    if not services.may_see_directory(application) or not application.event.decisions_visible():
        abort(404)
    return _participant_page(
        "participation/directory.html",
        application,
        token,
        people=services.directory(application.event),
    )


@bp.get("/applications/<token>/certificate.pdf")
@access(PUBLIC)
def certificate(token: str) -> ResponseReturnValue:
    """Download one's own certificate of attendance, once present on a day of the event."""
    application = services.require_participant(token)
    return _certificate(application)


def _certificate(application: Application) -> ResponseReturnValue:
    days = services.days_attended(application)
    if not days:
        abort(404, description=_("A certificate is made once you were present on a day."))
    body = certificates.certificate_pdf(application, days, utcnow())
    log.info("certificate of application %s made", application.id)
    return Response(
        body,
        content_type="application/pdf",
        headers={"Content-Disposition": certificates.download_name(application)},
    )


@bp.route("/applications/<token>/feedback", methods=["GET", "POST"])
@access(PUBLIC)
def feedback(token: str) -> ResponseReturnValue:
    """Give feedback after the event, or change it until feedback closes."""
    application = services.require_participant(token)
    event = application.event
    now = utcnow()
    state = services.feedback_state(event, now)
    given = services.feedback_of(application)
    form = FeedbackForm(obj=given if request.method == "GET" else None)
    if state == FeedbackState.OPEN and form.validate_on_submit():
        services.save_feedback(
            application,
            overall=form.overall.data,
            track_rating=form.track_rating.data,
            will_change=form.will_change.data or "",
            comments=form.comments.data or "",
            now=now,
        )
        db.session.commit()
        flash(_("Thank you: your feedback is saved. You can change it until it closes."))
        return redirect(url_for(".feedback", token=token))
    if request.method == "POST" and state != FeedbackState.OPEN:
        abort(409, description=_("Feedback is not open now; nothing was saved."))
    return _participant_page(
        "participation/feedback.html",
        application,
        token,
        form=form,
        given=given,
        state=state,
        opens=services.feedback_first_day(event),
        last_day=services.feedback_last_day(event),
    )
