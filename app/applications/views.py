"""Pages of applying: asking for a link, and the applicant's own page (form, change,
withdraw, state, deleting one's data)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError

from app.accounts.services import normalise_email
from app.applications import services
from app.applications.forms import (
    ApplicationForm,
    ConfirmForm,
    LinkForm,
    application_form,
    chosen_track,
    country_name,
    stored_data,
)
from app.applications.models import Applicant, Application, ApplicationStatus, PlaceStatus
from app.core.extensions import db, limiter, utcnow
from app.core.i18n import current_language
from app.core.validation import form_id
from app.events.formatting import event_moment
from app.events.models import Event, EventStatus, WindowState
from app.permissions import PUBLIC, access

bp = Blueprint("applications", __name__)

# Links asked for, per address the requests come from and per email address typed.
LINKS_PER_IP = "10 per minute; 60 per hour"
LINKS_PER_EMAIL = "3 per 10 minutes; 10 per day"


def _throttled() -> str:
    """Say why a request for a link is refused, in the request's language."""
    return _("Too many links asked for in a short time. Wait a few minutes, then try again.")


def _email_key() -> str:
    """Count requests for a link per email address typed, whoever sends them."""
    return "apply-email:" + normalise_email(str(request.form.get("email", ""))[:254])


def _call_url(event: Event) -> str | None:
    """Return the address of the event's public call page, if the events pages are there."""
    try:
        return url_for("events.call", event_id=event.id)
    except BuildError:
        return None


@bp.route("/events/<int:event_id>/apply", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(
    lambda: current_app.config.get("APPLY_LINKS_PER_IP", LINKS_PER_IP),
    methods=["POST"],
    error_message=_throttled,
)
@limiter.limit(
    lambda: current_app.config.get("APPLY_LINKS_PER_EMAIL", LINKS_PER_EMAIL),
    methods=["POST"],
    key_func=_email_key,
    error_message=_throttled,
    # This limit keeps a mailbox from being flooded, so only a request that sent a link counts:
    # a mistyped invitation or a closed window must not lock the address out for the day.
    deduct_when=lambda response: response.status_code == 302,
)
def request_link(event_id: int) -> ResponseReturnValue:
    """Ask for the link to an event's application page by email."""
    event = services.public_event(event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        abort(404)
    invitation = request.args.get("invitation", "")
    if not services.invitation_valid(event, invitation):
        return render_template("applications/invitation_needed.html", event=event), 403
    now = utcnow()
    context = {
        "event": event,
        "call_url": _call_url(event),
        "state": event.window_state(now),
        "opens": event_moment(event, event.opens_at),
        "closes": event_moment(event, event.closes_at, closing=True),
    }
    if not event.accepts_applications(now):
        if request.method == "POST":
            flash(_("Applications are not open now: no link was sent."), "error")
        status = 409 if request.method == "POST" else 200
        return render_template("applications/request_link.html", form=None, **context), status
    form = LinkForm()
    if form.validate_on_submit():
        services.request_link(event, form.email.data or "", current_language(), now)
        db.session.commit()
        # The same answer whether or not the address asked before (no enumeration).
        flash(
            _(
                "A link is on its way to %(email)s. Open it to fill in your application; it may "
                "take a few minutes to arrive.",
                email=normalise_email(form.email.data or ""),
            )
        )
        return redirect(url_for(".request_link", event_id=event.id, **_invitation_args(invitation)))
    status = 400 if form.errors else 200
    return render_template("applications/request_link.html", form=form, **context), status


def _invitation_args(invitation: str) -> dict[str, str]:
    return {"invitation": invitation} if invitation else {}


@bp.route("/applications/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def own(token: str) -> ResponseReturnValue:
    """The applicant's one page: the form, the application to change or withdraw, its state."""
    applicant = services.require_applicant(token)
    now = utcnow()
    services.mark_verified(applicant, now)
    event = applicant.event
    application = applicant.application
    if request.method in ("GET", "HEAD"):  # HEAD is a GET without the body, never a change
        db.session.commit()
        return _page(applicant, token, _fresh_form(applicant))
    action = request.form.get("action", "")
    if action in ("erase", "erase-confirmed"):
        return _erase(applicant, token, confirmed=action == "erase-confirmed")
    if action == "plan-consent":
        # Given or withdrawn at any time, also after the window closed: it only says whether
        # the home institution's plan counts this application's records.
        if application is None or application.erased_at is not None:
            abort(404)
        given = request.form.get("plan_consent") == "1"
        services.set_plan_consent(application, given)
        db.session.commit()
        if given:
            flash(_("Your home institution may now count your participation in its plan."))
        else:
            flash(_("Your home institution no longer counts your participation in its plan."))
        return redirect(url_for(".own", token=token))
    if not event.accepts_applications(now):
        db.session.commit()
        message = _("The application window is closed: nothing was changed.")
        return _page(applicant, token, None, notice=message), 409
    if action in ("withdraw", "withdraw-confirmed"):
        if application is None or application.status == ApplicationStatus.WITHDRAWN:
            db.session.commit()
            return redirect(url_for(".own", token=token))
        if action == "withdraw":
            db.session.commit()
            return _confirm(
                event,
                token,
                action="withdraw-confirmed",
                title=_("Withdraw your application?"),
                text=_(
                    "Your application will no longer be considered. You can send it again "
                    "until the application window closes."
                ),
                button=_("Withdraw my application"),
            )
        services.withdraw(application, token, now)
        try:
            db.session.commit()
        except StaleDataError:
            # Changed meanwhile from another window: nothing is withdrawn; the page shows it.
            db.session.rollback()
            flash(_("Your application was changed meanwhile: look at it, then try again."), "error")
            return redirect(url_for(".own", token=token))
        flash(_("Your application is withdrawn. An email confirms it."))
        return redirect(url_for(".own", token=token))
    return _save(applicant, token)


def _fresh_form(applicant: Applicant) -> ApplicationForm | None:
    """Return the form as a GET shows it: the stored application, or an empty one."""
    event = applicant.event
    if not event.accepts_applications(utcnow()):
        return None
    networks = services.known_networks()
    application = applicant.application
    if application is None:
        track = chosen_track(event, request.args.get("track"))
        data = {"based_on": "", "shown_track": str(track.id) if track else ""}
        data["track"] = data["shown_track"]
        return application_form(event, track, networks, formdata=None, data=data)
    data = stored_data(application, networks)
    return application_form(event, application.track, networks, formdata=None, data=data)


def _save(applicant: Applicant, token: str) -> ResponseReturnValue:
    """Send or change the application; or show the chosen track's questions first."""
    event = applicant.event
    networks = services.known_networks()
    track = chosen_track(event, request.form.get("track"))
    shown = chosen_track(event, request.form.get("shown_track"))
    form = application_form(event, track, networks, formdata=request.form)
    form.shown_track.data = str(track.id) if track else ""
    if form.show.data:
        db.session.commit()
        return _page(applicant, token, form)
    valid = form.validate()
    if track is not None and track != shown and track.questions:
        # Questions the applicant sees now for the first time are not yet wrong.
        form.forget_question_problems()
        db.session.commit()
        notice = _(
            "The questions of the track %(track)s are now shown: answer them, then send the "
            "application again.",
            track=track.title,
        )
        return _page(applicant, token, form, notice=notice), 400
    if not valid:
        db.session.commit()
        return _page(applicant, token, form), 400
    try:
        application, created = services.save_application(
            applicant,
            form.submission(),
            based_on=form_id(form.based_on.data),
            language=current_language(),
            now=utcnow(),
        )
    except services.Conflict:
        db.session.rollback()
        # Read afresh: the application as the other window or device left it.
        fresh = services.applicant_for(token)
        if fresh is None:
            abort(404)
        form.based_on.data = str(fresh.application.version) if fresh.application else ""
        notice = _(
            "Your application was sent or changed meanwhile, in another window or on another "
            "device, and nothing was saved from this form. What is saved is shown below the "
            "form; send this form again to replace it."
        )
        return _page(fresh, token, form, notice=notice, summary=True), 409
    except services.EventFull:
        db.session.rollback()
        fresh = services.applicant_for(token)
        if fresh is None:
            abort(404)
        notice = _(
            "This event has received as many applications as it can take, and nothing was "
            "saved. Write to the organisers if you still wish to take part."
        )
        return _page(fresh, token, form, notice=notice), 409
    services.confirm_by_email(application, token, created=created)
    db.session.commit()
    if created:
        flash(_("Your application is sent. An email confirms it."))
    else:
        flash(_("Your application is changed. An email confirms it."))
    return redirect(url_for(".own", token=token))


def _erase(applicant: Applicant, token: str, *, confirmed: bool) -> ResponseReturnValue:
    """Ask for the applicant's data to be deleted: only after the event, once."""
    event, application = applicant.event, applicant.application
    now = utcnow()
    if (
        application is None
        or application.erasure_requested_at is not None
        or not services.event_over(event, now)
    ):
        db.session.commit()
        return redirect(url_for(".own", token=token))
    if not confirmed:
        db.session.commit()
        return _confirm(
            event,
            token,
            action="erase-confirmed",
            title=_("Delete your data?"),
            text=_(
                "Your name, email address, role, background, institution name and answers "
                "will be deleted, and this link will stop working. The event keeps only "
                "figures that name nobody (such as how many came from which country)."
            ),
            # A certificate names its holder: it cannot be made after the erasure.
            note=_(
                "Need your certificate of attendance? Download it first: once your name is "
                "deleted, it can no longer be made."
            )
            if application.place == PlaceStatus.CONFIRMED
            else None,
            button=_("Delete my data"),
        )
    services.request_erasure(application, now)
    db.session.commit()
    flash(
        _(
            "Your request is recorded. Your data will be deleted within a few minutes, and "
            "this link will then stop working."
        )
    )
    return redirect(url_for(".own", token=token))


def _confirm(
    event: Event,
    token: str,
    *,
    action: str,
    title: str,
    text: str,
    button: str,
    note: str | None = None,
) -> str:
    """Ask the applicant to confirm an action that cannot be undone from their page."""
    return render_template(
        "applications/confirm.html",
        event=event,
        token=token,
        form=ConfirmForm(formdata=None),
        action=action,
        title=title,
        text=text,
        button=button,
        note=note,
    )


def _page(
    applicant: Applicant,
    token: str,
    form: ApplicationForm | None,
    *,
    notice: str | None = None,
    summary: bool = False,
) -> str:
    """Render the applicant's page."""
    event = applicant.event
    application: Application | None = applicant.application
    now = utcnow()
    return render_template(
        "applications/own.html",
        event=event,
        applicant=applicant,
        application=application,
        token=token,
        now=now,
        form=form,
        notice=notice,
        summary=summary,
        call_url=_call_url(event),
        state=event.window_state(now),
        cancelled=event.status == EventStatus.CANCELLED,
        opens=event_moment(event, event.opens_at),
        closes=event_moment(event, event.closes_at, closing=True),
        decision=application.visible_decision(now) if application else None,
        country=country_name(application.country) if application else "",
        answers=_answers(application),
        may_erase=bool(
            application
            and application.erasure_requested_at is None
            and services.event_over(event, now)
        ),
        WindowState=WindowState,
    )


def _answers(application: Application | None) -> list[tuple[str, Any, str]]:
    """Return the stored answers as (prompt, value, kind), in the track's order."""
    if application is None:
        return []
    by_question = {answer.question_id: answer.value for answer in application.answers}
    language = current_language()
    return [
        (
            question.prompt_in(language),
            question.answer_in(by_question[question.id], language),
            question.kind,
        )
        for question in application.track.questions
        if question.id in by_question
    ]
