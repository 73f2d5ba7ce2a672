"""Pages of the selection committee and the organiser's decisions, and the applicant's answer
to an offered place."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from babel import Locale
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.applications import services as applications
from app.applications.models import Application, Decision
from app.core.enums import labels
from app.core.extensions import db, utcnow
from app.core.i18n import LANGUAGES
from app.events import services as events
from app.events.models import CRITERIA_MAX, WEIGHT_MAX, Event, TemplateKind
from app.permissions import PUBLIC, SIGNED_IN, access, can_organise
from app.selection import decisions, emails, services
from app.selection.forms import (
    ConfirmForm,
    CriterionForm,
    DecisionsForm,
    MoveForm,
    OfferForm,
    TemplateForm,
    decisions_form,
    review_form,
)
from app.selection.scoring import shown
from app.selection.services import SelectionRefused

log = logging.getLogger(__name__)
bp = Blueprint("selection", __name__)

EVENT_URL = "/institutions/<slug>/events/<int:event_id>"


def _country_names() -> dict[str, str]:
    """Return the names of countries (ISO 3166 codes) in the reader's language."""
    locale = get_locale() or Locale.parse("en_GB")
    return dict(locale.territories)


def _page(template: str, event: Event, status: int = 200, **context: Any) -> ResponseReturnValue:
    """Render a selection page of an event, with what every such page shows."""
    return render_template(
        template,
        event=event,
        criteria_max=CRITERIA_MAX,
        weight_max=WEIGHT_MAX,
        countries=_country_names(),
        **context,
    ), status


def _user() -> Any:
    return current_user._get_current_object()


def _flash_refusal(refusal: SelectionRefused) -> None:
    flash(refusal.message, "error")
    for item in refusal.items:
        flash(item, "error")


# The rubric


@bp.route(f"{EVENT_URL}/rubric", methods=["GET", "POST"])
@access(SIGNED_IN)
def rubric(slug: str, event_id: int) -> ResponseReturnValue:
    """List the rubric's criteria and add one (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(
                event, form.title.data or "", form.description.data or "", form.weight.data or 1
            )
        except SelectionRefused as refusal:
            _flash_refusal(refusal)
            return _rubric_page(event, form, 422)
        db.session.commit()
        flash(_("The criterion is added."))
        return redirect(url_for("selection.rubric", slug=slug, event_id=event_id))
    return _rubric_page(event, form, 422 if form.errors else 200)


def _rubric_page(event: Event, form: CriterionForm, status: int) -> ResponseReturnValue:
    total = sum(c.weight for c in event.criteria)
    return _page("selection/rubric.html", event, status, form=form, total_weight=total)


@bp.route(f"{EVENT_URL}/rubric/<int:criterion_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_criterion(slug: str, event_id: int, criterion_id: int) -> ResponseReturnValue:
    """Change a criterion's title, description and weight (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    criterion = services.require_criterion(event, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        services.update_criterion(
            criterion, form.title.data or "", form.description.data or "", form.weight.data or 1
        )
        db.session.commit()
        flash(_("The criterion is saved."))
        return redirect(url_for("selection.rubric", slug=slug, event_id=event_id))
    return _page(
        "selection/criterion.html",
        event,
        422 if form.errors else 200,
        criterion=criterion,
        form=form,
    )


@bp.post(f"{EVENT_URL}/rubric/<int:criterion_id>/move")
@access(SIGNED_IN)
def move_criterion(slug: str, event_id: int, criterion_id: int) -> ResponseReturnValue:
    """Move a criterion up or down the rubric (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    criterion = services.require_criterion(event, criterion_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_criterion(event, criterion, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return redirect(url_for("selection.rubric", slug=slug, event_id=event_id))


@bp.post(f"{EVENT_URL}/rubric/<int:criterion_id>/remove")
@access(SIGNED_IN)
def remove_criterion(slug: str, event_id: int, criterion_id: int) -> ResponseReturnValue:
    """Remove a criterion and its scores (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    criterion = services.require_criterion(event, criterion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_criterion(event, criterion)
    db.session.commit()
    flash(_("The criterion is removed, with the scores given on it."))
    return redirect(url_for("selection.rubric", slug=slug, event_id=event_id))


# Reviewing


@bp.get(f"{EVENT_URL}/review")
@access(SIGNED_IN)
def review_list(slug: str, event_id: int) -> ResponseReturnValue:
    """List the applications the user may review: their tracks', none in conflict."""
    event, track_ids = events.require_event_for_review(slug, event_id, current_user)
    reviewer = services.reviewer_for(_user(), event)
    applications, left_out = services.reviewable_applications(event, track_ids, reviewer)
    done = services.reviewed_ids(event, _user())
    by_track = [
        (track, [a for a in applications if a.track_id == track.id])
        for track in event.tracks
        if track.id in track_ids
    ]
    return _page(
        "selection/review_list.html",
        event,
        by_track=by_track,
        done=done,
        left_out=left_out,
        reviewed=sum(1 for a in applications if a.id in done),
        total=len(applications),
        organiser=can_organise(current_user, event.institution),
        has_rubric=bool(event.criteria),
    )


@bp.route(f"{EVENT_URL}/review/<int:application_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def review(slug: str, event_id: int, application_id: int) -> ResponseReturnValue:
    """Show an application to a reviewer and take their scores and comment."""
    event, track_ids = events.require_event_for_review(slug, event_id, current_user)
    reviewer = services.reviewer_for(_user(), event)
    organiser = can_organise(current_user, event.institution)
    application = services.require_reviewable(
        event, track_ids, reviewer, application_id, organiser=organiser
    )
    # An organiser reads an application they may not score (from their own institution).
    read_only = services.conflicted(reviewer, application)
    own = services.review_of(application, _user())
    data: dict[str, Any] = {}
    if own is not None and request.method == "GET":
        data = {f"score_{s.criterion_id}": str(s.value) for s in own.scores}
        data["comment"] = own.comment
    form = review_form(list(event.criteria), data=data or None)
    # Once the decisions are sent, scores change nothing: the review is read, not taken.
    closed = event.decisions_sent_at is not None
    if request.method == "POST" and read_only:
        abort(403)
    if request.method == "POST" and closed:
        db.session.commit()
        flash(_("The decisions are sent: reviews can no longer be changed."), "error")
        return redirect(
            url_for("selection.review", slug=slug, event_id=event_id, application_id=application_id)
        ), 303
    if event.criteria and form.validate_on_submit():
        services.save_review(application, _user(), form.scores(), form.comment.data or "")
        db.session.commit()
        flash(_("Your review is saved."))
        return redirect(url_for("selection.review_list", slug=slug, event_id=event_id))
    others = services.reviews_of(application) if organiser else []
    return _page(
        "selection/review.html",
        event,
        422 if form.errors else 200,
        application=application,
        form=form,
        organiser=organiser,
        others=[(r, shown(services.review_mean(r))) for r in others],
        own_mean=shown(services.review_mean(own)) if own else None,
        closed=closed,
        read_only=read_only,
    )


# The organiser's overview, decisions and sending


@bp.get(f"{EVENT_URL}/selection")
@access(SIGNED_IN)
def overview(slug: str, event_id: int) -> ResponseReturnValue:
    """Show per track the applications, scores, spreads and decisions; send the decisions."""
    event = events.require_event(slug, event_id, current_user)
    return _overview_page(event, {}, 200)


def _overview_page(
    event: Event, forms: dict[int, DecisionsForm], status: int
) -> ResponseReturnValue:
    tracks = services.overview(event)
    scores = services.standings(event)

    def best_first(application: Application) -> tuple[Any, ...]:
        """The highest mean score first; applications nobody has scored last."""
        mean = scores[application.id].mean if application.id in scores else None
        return (mean is None, -(mean or 0), application.id)

    for entry in tracks:
        entry.applications.sort(key=best_first)
        if entry.track.id not in forms:
            forms[entry.track.id] = decisions_form(
                [a.id for a in entry.applications],
                formdata=None,
                data={
                    **{f"decision_{a.id}": a.decision or "" for a in entry.applications},
                    **{f"rank_{a.id}": a.waiting_rank for a in entry.applications},
                },
            )
    now = utcnow()
    undecided = sum(1 for t in tracks for a in t.applications if a.decision is None)
    decided = Counter(a.decision for t in tracks for a in t.applications if a.decision)
    return _page(
        "selection/overview.html",
        event,
        status,
        tracks=tracks,
        forms=forms,
        scores=scores,
        send_form=ConfirmForm(),
        may_send=event.decisions_may_be_sent(now),
        undecided=undecided,
        decided=decided,
        decision_labels=labels(Decision),
    )


@bp.post(f"{EVENT_URL}/selection/tracks/<int:track_id>")
@access(SIGNED_IN)
def decide(slug: str, event_id: int, track_id: int) -> ResponseReturnValue:
    """Save the decisions of a track's applications (organisers; any time before sending)."""
    event = events.require_event(slug, event_id, current_user)
    track = next((t for t in event.tracks if t.id == track_id), None)
    if track is None:
        abort(404)
    ids = decisions.track_application_ids(track)
    form = decisions_form(ids)
    if form.validate_on_submit():
        rows = [
            decisions.DecisionRow(key, decision.data or None, rank.data)
            for key, decision, rank in form.rows()
        ]
        try:
            changed = decisions.decide(event, track, rows, utcnow())
        except SelectionRefused as refusal:
            db.session.rollback()
            _flash_refusal(refusal)
            return _overview_page(event, {track.id: form}, 422)
        db.session.commit()
        log.info(
            "decisions of track %s saved by %s: %s changed", track.id, current_user.email, changed
        )
        flash(
            ngettext(
                "%(num)d decision of %(track)s is saved.",
                "%(num)d decisions of %(track)s are saved.",
                changed,
                track=track.title,
            )
        )
        return redirect(
            url_for("selection.overview", slug=slug, event_id=event_id) + f"#track-{track.id}"
        )
    return _overview_page(event, {track.id: form}, 422)


@bp.post(f"{EVENT_URL}/selection/send")
@access(SIGNED_IN)
def send(slug: str, event_id: int) -> ResponseReturnValue:
    """Send every applicant their decision, once, after the window's close (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = decisions.send_decisions(event, utcnow())
    except SelectionRefused as refusal:
        db.session.rollback()
        _flash_refusal(refusal)
        return redirect(url_for("selection.overview", slug=slug, event_id=event_id))
    db.session.commit()
    log.info("decisions of event %s sent by %s", event.id, current_user.email)
    if sent:
        flash(ngettext("%(num)d decision is sent.", "%(num)d decisions are sent.", sent))
    else:
        flash(_("Every decision was sent already: nobody was written to again."))
    return redirect(url_for("selection.overview", slug=slug, event_id=event_id))


@bp.route(f"{EVENT_URL}/templates", methods=["GET", "POST"])
@access(SIGNED_IN)
def templates(slug: str, event_id: int) -> ResponseReturnValue:
    """Edit the organiser's own text of each decision email, per language (organisers)."""
    event = events.require_event(slug, event_id, current_user)
    kind = request.values.get("kind", TemplateKind.ACCEPTED)
    language = request.values.get("language", "en")
    if kind not in set(TemplateKind) or language not in LANGUAGES:
        abort(404)
    saved = decisions.templates_of(event)
    current = saved.get((kind, language))
    form = TemplateForm(
        data={
            "kind": kind,
            "language": language,
            "subject": current.subject if current else "",
            "body": current.body if current else "",
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        decisions.save_template(
            event, kind, language, form.subject.data or "", form.body.data or ""
        )
        db.session.commit()
        flash(_("The text is saved."))
        return redirect(
            url_for(
                "selection.templates", slug=slug, event_id=event_id, kind=kind, language=language
            )
        )
    default_subject, default_body = emails.template_defaults(kind, language)
    return _page(
        "selection/templates.html",
        event,
        422 if form.errors else 200,
        form=form,
        kind=kind,
        language=language,
        saved=saved,
        kinds=labels(TemplateKind),
        default_subject=default_subject,
        default_body=default_body,
        placeholders=emails.PLACEHOLDERS,
    )


# The applicant's answer


@bp.post("/applications/<token>/place")
@access(PUBLIC)
def answer_offer(token: str) -> ResponseReturnValue:
    """Confirm or decline the place offered to the applicant of this link."""
    application = applications.require_application(token)
    form = OfferForm()
    now = utcnow()
    if not form.validate_on_submit():
        abort(400)
    if form.answer.data == decisions.OfferAnswer.DECLINE and form.sure.data != "yes":
        return render_template(
            "selection/decline.html",
            event=application.event,
            application=application,
            token=token,
            form=form,
        )
    try:
        place = decisions.answer_offer(application, form.answer.data or "", now)
    except SelectionRefused as refusal:
        db.session.rollback()
        _flash_refusal(refusal)
        return _back_to_applicant(token)
    db.session.commit()
    if place == "confirmed":
        flash(_("Your place is confirmed. Welcome!"))
    else:
        flash(_("You have declined the place. Thank you for telling us."))
    return _back_to_applicant(token)


def _back_to_applicant(token: str) -> ResponseReturnValue:
    """Send the applicant back to their page, where the offer's state shows."""
    return redirect(url_for("applications.own", token=token))
