"""Pages of an event: the public call, and the organiser's pages."""

from __future__ import annotations

import logging
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app.core.conflicts import EditConflict
from app.core.enums import labels
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_gettext as _l
from app.core.urls import external_url
from app.core.validation import form_id
from app.core.vocabularies import vocabularies
from app.events import feeds, listing, planning, services
from app.events.formatting import event_dates, event_moment
from app.events.forms import CommitteeForm, EventEditForm, EventForm, QuestionForm, TrackForm
from app.events.models import ANSWER_MAX, CHOICES_MAX, CONSENT_MAX, TOPICS_MAX, Event, EventStatus
from app.events.schemas import MIN_CHOICES
from app.permissions import PUBLIC, SIGNED_IN, access, can_organise
from app.planner.models import Activity, Format

log = logging.getLogger(__name__)
bp = Blueprint("events", __name__)

APPLY_ENDPOINT = "applications.request_link"

# The listing's choices of the call's state and of the order, as the form offers them.
STATE_LABELS = {
    "open": _l("Open now"),
    "soon": _l("Opening soon"),
    "closing": _l("Closing this week"),
    "closed": _l("Closed"),
}
FIELD_LABELS = {
    "topic": _l("Topic"),
    "category": _l("Practice category"),
    "target_group": _l("Target group"),
    "country": _l("Host country"),
    "network": _l("Network of the host"),
    "start": _l("Taking place from"),
    "end": _l("Taking place until"),
    "state": _l("Applications"),
    "format": _l("Format"),
    "language": _l("Working language"),
    "sort": _l("Sort by"),
    "page": _l("Page"),
    "per_page": _l("Calls per page"),
}
SORT_LABELS = {
    "closing": _l("Closing date"),
    "starting": _l("Event date"),
    "newest": _l("Newest calls"),
}


@bp.app_template_global()
def language_name(code: str) -> str:
    """Name a language (ISO 639-1 code) in the reader's language; the code if Babel cannot."""
    try:
        name = Locale.parse(code).get_display_name(get_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


# How an event's times read, on pages as in emails (app/events/formatting.py).
bp.add_app_template_global(event_moment)
bp.add_app_template_global(event_dates)


@bp.app_template_global()
def event_limits() -> dict[str, int]:
    """Return the bounds the organiser's forms tell people about."""
    return {
        "topics": TOPICS_MAX,
        "choices": CHOICES_MAX,
        "min_choices": MIN_CHOICES,
        "answer": ANSWER_MAX,
        "consent": CONSENT_MAX,
    }


@bp.app_template_global()
def may_organise(institution: Any) -> bool:
    """Tell whether the reader organises the institution's events (pages offer them)."""
    return can_organise(current_user, institution)


@bp.app_template_global()
def host_event_url(activity: Activity | None) -> str | None:
    """Return where to start hosting an activity as an event, for those who may organise
    one, when it was adopted from a practice that hosts events (else None)."""
    if activity is None or not services.may_host(activity):
        return None
    institution = activity.plan.institution
    if not can_organise(current_user, institution):
        return None
    return url_for("events.new", slug=institution.slug, activity=activity.id)


@bp.app_template_global()
def hosted_events(activity: Activity | None) -> list[tuple[str, str]]:
    """Return the events (title, organiser's address) that carry out an activity, for those
    who may organise them: the plan shows them so nobody hosts the same one twice."""
    if activity is None:
        return []
    institution = activity.plan.institution
    if not can_organise(current_user, institution):
        return []
    # One query per page and institution, however many activities the plan lists.
    cached = g.get("hosted_events")
    if cached is None or cached[0] != institution.id:
        cached = (institution.id, services.events_by_activity(institution))
        g.hosted_events = cached
    return [
        (event.title, url_for("events.manage", slug=institution.slug, event_id=event.id))
        for event in cached[1].get(activity.id, [])
    ]


@bp.app_template_global()
def upcoming_calls(institution: Any) -> list[Event]:
    """Return an institution's published events still to come (its public page lists them)."""
    return listing.upcoming_calls(institution, utcnow().date())


def apply_url(event: Event, **values: str) -> str | None:
    """Return the address of the event's application form (None until that page exists)."""
    try:
        return url_for(APPLY_ENDPOINT, event_id=event.id, **values)
    except BuildError:
        return None


def _user() -> object:
    return current_user._get_current_object()


# The public call


@bp.get("/events")
@access(PUBLIC)
def index() -> ResponseReturnValue:
    """List the published calls of every institution, filtered, sorted and a page at a time."""
    now = utcnow()
    filters = listing.parse_filters(request.args, now.date())
    page = listing.page_of(filters, now)
    return render_template(
        "events/index.html",
        filters=filters,
        page=page,
        now=now,
        field_labels={name: str(label) for name, label in FIELD_LABELS.items()},
        category_options=list(vocabularies().lists["categories"].items()),
        country_options=[(country, country) for country in listing.countries()],
        network_options=[(network.slug, network.name) for network in listing.networks()],
        state_options=[(key, str(label)) for key, label in STATE_LABELS.items()],
        formats=list(labels(Format).items()),
        language_options=[(code, language_name(code)) for code in listing.languages()],
        sort_options=[(key, str(label)) for key, label in SORT_LABELS.items()],
        per_page_options=[(str(n), str(n)) for n in listing.PER_PAGE_CHOICES],
    ), 400 if filters.problems else 200


@bp.get("/events/feed.<any(ics, atom):kind>")
@access(PUBLIC)
def feed(kind: str) -> ResponseReturnValue:
    """Return the calls of the current filters as an iCalendar file or an Atom feed."""
    now = utcnow()
    filters = listing.parse_filters(request.args, now.date())
    if filters.problems:
        text = "\n".join(f"{name}: {problem}" for name, problem in filters.problems.items())
        return Response(text + "\n", status=400, content_type="text/plain; charset=utf-8")
    events = listing.feed_calls(filters, now)
    chosen = filters.args()
    if kind == "ics":
        return Response(
            feeds.to_ical(events, now, chosen), content_type="text/calendar; charset=utf-8"
        )
    return Response(
        feeds.to_atom(events, now, chosen), content_type="application/atom+xml; charset=utf-8"
    )


@bp.get("/events/<int:event_id>")
@access(PUBLIC)
def call(event_id: int) -> ResponseReturnValue:
    """Show an event's call; a draft or cancelled one only to its organisers (with a banner)."""
    event = services.get_event(event_id)
    if event is None:
        abort(404)
    organiser = can_organise(current_user, event.institution)
    if event.status != EventStatus.PUBLISHED and not organiser:
        abort(404)
    now = utcnow()
    mine = (
        [role.institution for role in current_user.roles] if current_user.is_authenticated else []
    )
    return render_template(
        "events/call.html",
        event=event,
        now=now,
        state=event.window_state(now),
        apply=apply_url(event),
        organiser=organiser,
        ties=listing.ties(event.institution, mine),
    )


# The organiser's pages


@bp.get("/institutions/<slug>/events")
@access(SIGNED_IN)
def institution_events(slug: str) -> ResponseReturnValue:
    """List an institution's events for its organisers, with a link to start one."""
    institution = services.require_institution_organiser(slug, current_user)
    return render_template(
        "events/institution_events.html",
        institution=institution,
        events=services.institution_events(institution),
        now=utcnow(),
    )


@bp.route("/institutions/<slug>/events/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def new(slug: str) -> ResponseReturnValue:
    """Create an event, on its own or from a plan activity (?activity=<id>)."""
    institution = services.require_institution_organiser(slug, current_user)
    form = EventForm()
    form.offer(services.activity_choices(institution))
    activity = services.activity_of(institution, form_id(request.args.get("activity")))
    if request.method == "GET" and activity is not None:
        form.fill(services.from_activity(activity, institution))
    if form.validate_on_submit() and form.checked is not None:
        fields = form.checked
        if fields.activity_id and services.activity_of(institution, fields.activity_id) is None:
            form.activity_id.errors = [_("Choose one of your institution's activities.")]
        else:
            event = services.create_event(institution, fields, by=_user())  # type: ignore[arg-type]
            db.session.commit()
            log.info("event %s created for %s by %s", event.id, slug, current_user.email)
            flash(_("The event is created as a draft. Add its tracks, then publish the call."))
            return redirect(url_for("events.manage", slug=slug, event_id=event.id))
    return render_template(
        "events/edit.html", institution=institution, event=None, form=form, conflict=False
    ), 400 if form.errors else 200


@bp.route("/institutions/<slug>/events/<int:event_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit(slug: str, event_id: int) -> ResponseReturnValue:
    """Edit an event; a save over someone else's newer one is refused, keeping what was typed."""
    event = services.require_event(slug, event_id, current_user)
    institution = event.institution
    form = EventEditForm(obj=event) if request.method == "GET" else EventEditForm()
    form.offer(services.activity_choices(institution))
    if event.decisions_sent_at is not None:
        form.decisions_sent = event.local(event.decisions_sent_at).replace(tzinfo=None)
    if request.method == "GET":
        form.fill({**services.local_fields(event), "languages": event.languages})
        form.fill({"activity_id": event.activity_id})
        form.version.data = str(event.version)
    if form.validate_on_submit() and form.checked is not None:
        fields = form.checked
        version = form.version.data or ""
        if fields.activity_id and services.activity_of(institution, fields.activity_id) is None:
            form.activity_id.errors = [_("Choose one of your institution's activities.")]
        else:
            sequence = event.meeting_sequence
            try:
                services.update_event(
                    event, fields, base_version=int(version) if version.isdigit() else None
                )
            except EditConflict:
                return render_template(
                    "events/edit.html",
                    institution=institution,
                    event=event,
                    form=form,
                    conflict=True,
                ), 409
            meeting_changed = event.meeting_sequence != sequence
            db.session.commit()
            flash(_("The event is saved."))
            if meeting_changed:
                flash(
                    _(
                        "Those invited to the preparatory meeting are told of the change by "
                        "email within a few minutes."
                    )
                )
            return redirect(url_for("events.manage", slug=slug, event_id=event.id))
    return render_template(
        "events/edit.html", institution=institution, event=event, form=form, conflict=False
    ), 400 if form.errors else 200


@bp.get("/institutions/<slug>/events/<int:event_id>")
@access(SIGNED_IN)
def manage(slug: str, event_id: int) -> ResponseReturnValue:
    """Show the organiser's overview of an event: its state, tracks and counts, next steps."""
    event = services.require_event(slug, event_id, current_user)
    now = utcnow()
    return render_template(
        "events/manage.html",
        event=event,
        now=now,
        state=event.window_state(now),
        counts=services.application_counts(event),
        begun=services.has_begun(event, now),
        invitation=None,
    )


@bp.post("/institutions/<slug>/events/<int:event_id>/next-edition")
@access(SIGNED_IN)
def next_edition(slug: str, event_id: int) -> ResponseReturnValue:
    """Copy the event as a draft of next year's edition and open it in the editor."""
    event = services.require_event(slug, event_id, current_user)
    copy = planning.next_edition(event, by=current_user)
    db.session.commit()
    log.info("event %s copied as %s by %s", event.id, copy.id, current_user.email)
    flash(
        _(
            "The next edition is made as a draft, a year on. Check its dates and application "
            "window, then publish its call."
        )
    )
    return redirect(url_for("events.edit", slug=slug, event_id=copy.id))


@bp.post("/institutions/<slug>/events/<int:event_id>/status")
@access(SIGNED_IN)
def set_status(slug: str, event_id: int) -> ResponseReturnValue:
    """Publish the call, take it back to draft, or cancel the event."""
    event = services.require_event(slug, event_id, current_user)
    try:
        status = EventStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if status == EventStatus.PUBLISHED and not event.tracks:
        flash(_("Add at least one track before publishing the call."), "error")
        return redirect(url_for("events.manage", slug=slug, event_id=event.id))
    # Applicants hold the decisions sent: the call they answered cannot turn into a draft.
    if status == EventStatus.DRAFT and event.decisions_sent_at is not None:
        flash(_("The decisions are sent: the call can no longer go back to draft."), "error")
        return redirect(url_for("events.manage", slug=slug, event_id=event.id))
    # An event that took place keeps its records: they are the plan's figures.
    if status == EventStatus.CANCELLED and services.has_begun(event, utcnow()):
        flash(_("The event has begun: it can no longer be cancelled."), "error")
        return redirect(url_for("events.manage", slug=slug, event_id=event.id))
    services.set_status(event, status)
    db.session.commit()
    log.info("event %s set %s by %s", event.id, status, current_user.email)
    flash(
        {
            EventStatus.PUBLISHED: _("The call is published."),
            EventStatus.DRAFT: _("The call is back to draft: only organisers see it."),
            EventStatus.CANCELLED: _(
                "The event is cancelled: its call is no longer shown. Everyone who applied is "
                "told by email within a few minutes."
            ),
        }[status]
    )
    return redirect(url_for("events.manage", slug=slug, event_id=event.id))


@bp.post("/institutions/<slug>/events/<int:event_id>/invitation")
@access(SIGNED_IN)
def new_invitation(slug: str, event_id: int) -> ResponseReturnValue:
    """Make a new invitation link (the old one stops working) and show it, this once."""
    event = services.require_event(slug, event_id, current_user)
    token = services.new_invitation(event)
    db.session.commit()
    log.info("new invitation link of event %s by %s", event.id, current_user.email)
    try:
        link = external_url(APPLY_ENDPOINT, event_id=event.id, invitation=token)
    except BuildError:
        base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        link = f"{base}/events/{event.id}/apply?invitation={token}"
    now = utcnow()
    page = render_template(
        "events/manage.html",
        event=event,
        now=now,
        state=event.window_state(now),
        counts=services.application_counts(event),
        begun=services.has_begun(event, now),
        invitation=link,
    )
    # The link is a secret shown once: no cache keeps a copy of this page.
    return page, 200, {"Cache-Control": "no-store"}


# Tracks


@bp.route("/institutions/<slug>/events/<int:event_id>/tracks", methods=["GET", "POST"])
@access(SIGNED_IN)
def tracks(slug: str, event_id: int) -> ResponseReturnValue:
    """List an event's tracks and add one."""
    event = services.require_event(slug, event_id, current_user)
    form = TrackForm()
    if form.validate_on_submit() and form.checked is not None:
        track = services.add_track(event, form.checked)
        db.session.commit()
        flash(_("The track “%(title)s” is added.", title=track.title))
        return redirect(url_for("events.tracks", slug=slug, event_id=event.id))
    return render_template(
        "events/tracks.html", event=event, form=form, counts=services.application_counts(event)
    ), 400 if form.errors else 200


@bp.route(
    "/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/edit",
    methods=["GET", "POST"],
)
@access(SIGNED_IN)
def edit_track(slug: str, event_id: int, track_id: int) -> ResponseReturnValue:
    """Edit a track's title, target group, topics and places."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    form = TrackForm(obj=track) if request.method == "GET" else TrackForm()
    if request.method == "GET":
        form.topics.data = "\n".join(track.topics)
    if form.validate_on_submit() and form.checked is not None:
        try:
            services.update_track(track, form.checked)
        except services.PlacesHeld as held:
            db.session.rollback()
            form.capacity.errors = [
                ngettext(
                    "%(num)d place is already offered or confirmed: keep at least that many.",
                    "%(num)d places are already offered or confirmed: keep at least that many.",
                    held.held,
                )
            ]
        else:
            db.session.commit()
            flash(_("The track is saved."))
            return redirect(url_for("events.tracks", slug=slug, event_id=event.id))
    return render_template(
        "events/track.html", event=event, track=track, form=form
    ), 400 if form.errors else 200


@bp.post("/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/move")
@access(SIGNED_IN)
def move_track(slug: str, event_id: int, track_id: int) -> ResponseReturnValue:
    """Move a track up or down the list."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    services.move_track(event, track, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("events.tracks", slug=slug, event_id=event.id))


@bp.post("/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/delete")
@access(SIGNED_IN)
def delete_track(slug: str, event_id: int, track_id: int) -> ResponseReturnValue:
    """Remove a track, unless people have applied to it."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    title = track.title
    try:
        services.delete_track(event, track)
    except services.TrackInUse:
        flash(
            _(
                "“%(title)s” has applications, so it stays. Change its title or places instead.",
                title=title,
            ),
            "error",
        )
        return redirect(url_for("events.tracks", slug=slug, event_id=event.id))
    db.session.commit()
    log.info("track %s of event %s removed by %s", track_id, event.id, current_user.email)
    flash(_("The track “%(title)s” is removed.", title=title))
    return redirect(url_for("events.tracks", slug=slug, event_id=event.id))


# Questions


@bp.route(
    "/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/questions",
    methods=["GET", "POST"],
)
@access(SIGNED_IN)
def questions(slug: str, event_id: int, track_id: int) -> ResponseReturnValue:
    """List a track's questions and add one (the question builder)."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    form = QuestionForm()
    if form.validate_on_submit() and form.checked is not None:
        services.add_question(track, form.checked)
        db.session.commit()
        flash(_("The question is added."))
        return redirect(
            url_for("events.questions", slug=slug, event_id=event.id, track_id=track.id)
        )
    return render_template(
        "events/questions.html", event=event, track=track, form=form
    ), 400 if form.errors else 200


@bp.route(
    "/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/questions/"
    "<int:question_id>/edit",
    methods=["GET", "POST"],
)
@access(SIGNED_IN)
def edit_question(slug: str, event_id: int, track_id: int, question_id: int) -> ResponseReturnValue:
    """Edit one of a track's questions."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    question = services.require_question(track, question_id)
    form = QuestionForm(obj=question) if request.method == "GET" else QuestionForm()
    if request.method == "GET":
        form.choices.data = "\n".join(question.choices)
        form.choices_fi.data = "\n".join(question.choices_fi)
        form.choices_sv.data = "\n".join(question.choices_sv)
    if form.validate_on_submit() and form.checked is not None:
        services.update_question(question, form.checked)
        db.session.commit()
        flash(_("The question is saved."))
        return redirect(
            url_for("events.questions", slug=slug, event_id=event.id, track_id=track.id)
        )
    return render_template(
        "events/question.html", event=event, track=track, question=question, form=form
    ), 400 if form.errors else 200


@bp.post(
    "/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/questions/"
    "<int:question_id>/move"
)
@access(SIGNED_IN)
def move_question(slug: str, event_id: int, track_id: int, question_id: int) -> ResponseReturnValue:
    """Move a question up or down the track's form."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    question = services.require_question(track, question_id)
    services.move_question(track, question, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("events.questions", slug=slug, event_id=event.id, track_id=track.id))


@bp.post(
    "/institutions/<slug>/events/<int:event_id>/tracks/<int:track_id>/questions/"
    "<int:question_id>/delete"
)
@access(SIGNED_IN)
def delete_question(
    slug: str, event_id: int, track_id: int, question_id: int
) -> ResponseReturnValue:
    """Remove a question from a track's form."""
    event = services.require_event(slug, event_id, current_user)
    track = services.require_track(event, track_id)
    question = services.require_question(track, question_id)
    services.delete_question(track, question)
    db.session.commit()
    flash(_("The question is removed."))
    return redirect(url_for("events.questions", slug=slug, event_id=event.id, track_id=track.id))


# The committee


@bp.route("/institutions/<slug>/events/<int:event_id>/committee", methods=["GET", "POST"])
@access(SIGNED_IN)
def committee(slug: str, event_id: int) -> ResponseReturnValue:
    """Show the selection committee by track, and add a member of the institution to one."""
    event = services.require_event(slug, event_id, current_user)
    candidates = services.committee_candidates(event.institution)
    form = CommitteeForm()
    form.offer(candidates, event.tracks)
    if form.validate_on_submit():
        user = next((u for u in candidates if u.id == form.user_id.data), None)
        track = services.require_track(event, form.track_id.data)
        if user is not None:
            added = services.add_member(event, track, user)
            db.session.commit()
            if added is None:
                flash(_("%(name)s is already on this track's committee.", name=user.shown_name))
            else:
                flash(
                    _(
                        "%(name)s reviews the track “%(track)s”.",
                        name=user.shown_name,
                        track=track.title,
                    )
                )
            return redirect(url_for("events.committee", slug=slug, event_id=event.id))
    return render_template(
        "events/committee.html", event=event, form=form
    ), 400 if form.errors else 200


@bp.post("/institutions/<slug>/events/<int:event_id>/committee/<int:member_id>/delete")
@access(SIGNED_IN)
def remove_member(slug: str, event_id: int, member_id: int) -> ResponseReturnValue:
    """Take a member off a track's committee."""
    event = services.require_event(slug, event_id, current_user)
    member = services.remove_member(event, member_id)
    if member is None:
        abort(404)
    db.session.commit()
    flash(_("%(name)s is no longer on the committee of that track.", name=member.user.shown_name))
    return redirect(url_for("events.committee", slug=slug, event_id=event.id))
