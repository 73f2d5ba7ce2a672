"""Pages of individual visits: the public offers and request form, the visitor's page (by
their secret link), and the host's pages (offers, requests, each request's steps, figures)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.services import normalise_email
from app.core.extensions import db, limiter, utcnow
from app.core.i18n import current_language
from app.core.markdown import render_markdown
from app.institutions.models import Institution, Unit
from app.institutions.services import get_institution
from app.permissions import PUBLIC, SIGNED_IN, access, require_role
from app.planner.models import Plan
from app.visits import services
from app.visits.forms import (
    AnswerForm,
    FeedbackForm,
    IndicatorsForm,
    OfferForm,
    ProgrammeForm,
    RecordForm,
    RequestForm,
    RouteForm,
    VisitorForm,
    split_list,
)
from app.visits.models import NotAllowed, VisitActor, VisitRequest, VisitState

bp = Blueprint("visits", __name__)

REQUESTS_PER_IP = "10 per minute; 60 per hour"


def _throttled() -> str:
    return _("Too many requests in a short time. Wait a few minutes, then try again.")


def _institution(slug: str) -> Institution:
    found = get_institution(slug)
    if found is None:
        abort(404)
    return found


def _member_institution(slug: str, at_least: str = "viewer") -> Institution:
    institution = _institution(slug)
    require_role(current_user, institution, at_least)
    return institution


def _today() -> date:
    return utcnow().date()


# --- public ------------------------------------------------------------------------------


@bp.route("/institutions/<slug>/visits")
@access(PUBLIC)
def offers(slug: str) -> ResponseReturnValue:
    """An institution's units that accept individual staff training visits."""
    institution = _institution(slug)
    found = services.offers(institution, accepting_only=True)
    return render_template("visits/offers.html", institution=institution, offers=found)


@bp.route("/institutions/<slug>/visits/request", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(
    lambda: current_app.config.get("VISIT_REQUESTS_PER_IP", REQUESTS_PER_IP),
    methods=["POST"],
    error_message=_throttled,
)
def new_request(slug: str) -> ResponseReturnValue:
    """A visitor without an account asks for a visit; a link to confirm it is emailed."""
    institution = _institution(slug)
    units = services.accepting_units(institution)
    form = RequestForm()
    form.today = _today()
    form.suggested_unit.choices = [SelectChoice(0, _("Let the host choose"))] + [
        SelectChoice(u.id, u.name) for u in units
    ]
    if request.method == "GET" and request.args.get("unit", "").isdigit():
        form.suggested_unit.data = int(request.args["unit"])
    if form.validate_on_submit():
        services.request_visit(
            institution,
            {
                "email": form.email.data or "",
                "name": form.name.data or "",
                "home_institution": form.home_institution.data or "",
                "role": form.role.data or "",
                "topic": form.topic.data or "",
                "message": form.message.data or "",
                "preferred_start": form.preferred_start.data,
                "preferred_end": form.preferred_end.data,
                "call_first": bool(form.call_first.data),
                "suggested_unit_id": form.suggested_unit.data or None,
            },
            current_language(),
            utcnow(),
        )
        db.session.commit()
        flash(
            _(
                "A link is on its way to %(email)s. Open it to confirm your request; the host "
                "sees it only then.",
                email=normalise_email(form.email.data or ""),
            )
        )
        return redirect(url_for(".offers", slug=institution.slug))
    status = 400 if form.errors else 200
    return (
        render_template("visits/request.html", institution=institution, form=form, units=units),
        status,
    )


@bp.route("/visits/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def own(token: str) -> ResponseReturnValue:
    """The visitor's one page, opened by their secret link: the request, its state, their
    answers (confirm the dates, withdraw), the programme, and the feedback after the visit."""
    visit = services.request_for(token)
    if visit is None:
        abort(
            404,
            description=_("This link does not open a visit request. Use the latest email's link."),
        )
    if request.method in ("GET", "HEAD"):
        if services.verify(visit, utcnow()):
            services.refresh_indicators(visit.institution_id)
            flash(_("Your email is confirmed: the host can now see your request."))
        db.session.commit()
        return _own_page(visit, token)
    if request.form.get("action") == "feedback":
        form = FeedbackForm()
        if not form.validate_on_submit():
            db.session.rollback()
            return _own_page(visit, token, feedback=form), 400
        try:
            services.give_feedback(
                visit,
                {
                    "overall": form.overall.data,
                    "will_change": form.will_change.data or "",
                    "comments": form.comments.data or "",
                },
            )
        except NotAllowed:
            db.session.rollback()
            return _own_page(visit, token, problem=_refusal(visit)), 409
        db.session.commit()
        flash(_("Thank you for your feedback."))
        return redirect(url_for(".own", token=token))
    answer = VisitorForm()
    if not answer.validate_on_submit():
        abort(400)
    try:
        services.visitor_step(visit, answer.action.data or "")
    except NotAllowed:
        db.session.rollback()
        return _own_page(visit, token, problem=_refusal(visit)), 409
    services.refresh_indicators(visit.institution_id)
    db.session.commit()
    flash(
        _("Your visit is confirmed.")
        if visit.state == VisitState.CONFIRMED
        else _("Your request is withdrawn.")
    )
    return redirect(url_for(".own", token=token))


def _refusal(visit: VisitRequest) -> str:
    return _(
        "This step is not possible now: the request is %(state)s. Nothing was changed.",
        state=visit.state_label,
    )


def _own_page(
    visit: VisitRequest, token: str, *, feedback: FeedbackForm | None = None, problem: str = ""
) -> str:
    if feedback is None and visit.state == VisitState.RECORDED:
        feedback = FeedbackForm(obj=visit.feedback) if visit.feedback else FeedbackForm()
    return render_template(
        "visits/own.html",
        visit=visit,
        token=token,
        actions=visit.allowed(VisitActor.VISITOR),
        form=VisitorForm(),
        feedback=feedback,
        programme=render_markdown(visit.programme, top=3) if visit.programme else "",
        problem=problem,
    )


# --- the host -----------------------------------------------------------------------------


@bp.route("/institutions/<slug>/visits/units")
@access(SIGNED_IN)
def units(slug: str) -> ResponseReturnValue:
    """The institution's units and their offers to host visits (its managers)."""
    institution = _member_institution(slug, "manager")
    have = {o.unit_id: o for o in services.offers(institution, accepting_only=False)}
    return render_template("visits/units.html", institution=institution, have=have)


@bp.route("/institutions/<slug>/visits/units/<int:unit_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def unit_offer(slug: str, unit_id: int) -> ResponseReturnValue:
    """Edit one unit's offer to host visits, and its contacts."""
    institution = _member_institution(slug, "manager")
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.institution_id != institution.id:
        abort(404)
    offer = services.visit_unit(unit)
    people = services.members(institution)
    form = OfferForm()
    form.contacts.choices = [SelectChoice(p.id, p.shown_name) for p in people]
    if request.method == "GET":
        form.accepts.data = offer.accepts_visits
        form.topics.data = ", ".join(offer.topics)
        form.languages.data = ", ".join(offer.languages)
        form.months.data = list(offer.months)
        form.contacts.data = [c.user_id for c in offer.contacts]
    elif form.validate_on_submit():
        services.set_offer(
            offer,
            accepts=bool(form.accepts.data),
            topics=split_list(form.topics.data or ""),
            languages=split_list(form.languages.data or ""),
            months=list(form.months.data or []),
            contact_ids=list(form.contacts.data or []),
            allowed_ids={p.id for p in people},
        )
        db.session.commit()
        flash(_("The visits of %(unit)s are saved.", unit=unit.name))
        return redirect(url_for(".units", slug=institution.slug))
    status = 400 if form.errors else 200
    db.session.commit()  # the offer row made on a first opening
    return render_template(
        "visits/unit.html", institution=institution, unit=unit, form=form
    ), status


@bp.route("/institutions/<slug>/visits/requests")
@access(SIGNED_IN)
def requests(slug: str) -> ResponseReturnValue:
    """The visit requests a member may see: all of them for the office, their units' for
    unit contacts, none for the others."""
    institution = _member_institution(slug)
    found = services.visible_requests(current_user, institution)
    return render_template(
        "visits/requests.html",
        institution=institution,
        visits=found,
        office=services.is_office(current_user, institution),
    )


def _host_page(institution: Institution, visit: VisitRequest, **forms: Any) -> str:
    roles = services.actor_for(current_user, visit)
    route = forms.get("route") or RouteForm()
    route.unit.choices = [SelectChoice(u.id, u.name) for u in institution.units]
    if visit.unit_id and not route.unit.data:
        route.unit.data = visit.unit_id
    elif visit.suggested_unit_id and not route.unit.data:
        route.unit.data = visit.suggested_unit_id
    record = forms.get("record") or RecordForm()
    record.days.choices = [
        SelectChoice(d.isoformat(), d.isoformat()) for d in services.visit_days(visit)
    ]
    if not record.days.data:
        record.days.data = [d.day.isoformat() for d in visit.days] or [
            c.value for c in record.days.choices
        ]
    programme = forms.get("programme") or ProgrammeForm(data={"programme": visit.programme})
    actions = {a for r in roles for a in visit.allowed(r)}
    return render_template(
        "visits/request_host.html",
        institution=institution,
        visit=visit,
        actions=actions,
        answering=bool(actions & {"accept", "propose", "call", "decline"}),
        route=route,
        answer=forms.get("answer") or AnswerForm(),
        programme_form=programme,
        record=record,
        programme=render_markdown(visit.programme, top=3) if visit.programme else "",
        can_programme=VisitActor.UNIT in roles
        and visit.state in (VisitState.ACCEPTED, VisitState.PROPOSED, VisitState.CONFIRMED),
        past=visit.ends_on is not None and visit.ends_on < _today(),
        problem=forms.get("problem", ""),
    )


@bp.route("/institutions/<slug>/visits/requests/<int:request_id>")
@access(SIGNED_IN)
def request_page(slug: str, request_id: int) -> ResponseReturnValue:
    institution = _member_institution(slug)
    visit = services.require_request(current_user, institution, request_id)
    return _host_page(institution, visit)


def _refused(institution: Institution, visit: VisitRequest, **forms: Any) -> ResponseReturnValue:
    db.session.rollback()
    visit = db.session.get(VisitRequest, visit.id) or visit
    return _host_page(institution, visit, problem=_refusal(visit), **forms), 409


@bp.route("/institutions/<slug>/visits/requests/<int:request_id>/route", methods=["POST"])
@access(SIGNED_IN)
def route_request(slug: str, request_id: int) -> ResponseReturnValue:
    """The office routes a request to a unit."""
    institution = _member_institution(slug)
    visit = services.require_request(current_user, institution, request_id)
    if VisitActor.OFFICE not in services.actor_for(current_user, visit):
        abort(403, description=_("Only the international office routes requests."))
    form = RouteForm()
    form.unit.choices = [SelectChoice(u.id, u.name) for u in institution.units]
    if not form.validate_on_submit():
        return _host_page(institution, visit, route=form), 400
    unit = db.session.get(Unit, form.unit.data)
    try:
        services.host_step(visit, "route", VisitActor.OFFICE, current_user.email, unit=unit)
    except NotAllowed:
        return _refused(institution, visit)
    services.refresh_indicators(institution.id)
    db.session.commit()
    flash(_("The request is routed to %(unit)s.", unit=unit.name if unit else ""))
    return redirect(url_for(".request_page", slug=slug, request_id=visit.id))


@bp.route("/institutions/<slug>/visits/requests/<int:request_id>/answer", methods=["POST"])
@access(SIGNED_IN)
def answer_request(slug: str, request_id: int) -> ResponseReturnValue:
    """The unit accepts, proposes other dates, asks for a call first, or declines; the office
    may decline a request it has not routed."""
    institution = _member_institution(slug)
    visit = services.require_request(current_user, institution, request_id)
    form = AnswerForm()
    form.today = _today()
    if not form.validate_on_submit():
        return _host_page(institution, visit, answer=form), 400
    action = form.action.data or ""
    roles = services.actor_for(current_user, visit)
    actor = VisitActor.OFFICE if visit.state == VisitState.REQUESTED else VisitActor.UNIT
    if actor not in roles:
        return _refused(institution, visit)
    try:
        services.host_step(
            visit,
            action,
            actor,
            current_user.email,
            start=form.start.data,
            end=form.end.data,
            reason=form.reason.data or "",
            note=form.note.data or "",
        )
    except NotAllowed:
        return _refused(institution, visit)
    services.refresh_indicators(institution.id)
    db.session.commit()
    flash(_("Your answer is saved and emailed to the visitor."))
    return redirect(url_for(".request_page", slug=slug, request_id=visit.id))


@bp.route("/institutions/<slug>/visits/requests/<int:request_id>/programme", methods=["POST"])
@access(SIGNED_IN)
def write_programme(slug: str, request_id: int) -> ResponseReturnValue:
    """The unit writes the visit's programme (Markdown)."""
    institution = _member_institution(slug)
    visit = services.require_request(current_user, institution, request_id)
    form = ProgrammeForm()
    if not form.validate_on_submit():
        return _host_page(institution, visit, programme=form), 400
    if VisitActor.UNIT not in services.actor_for(current_user, visit):
        return _refused(institution, visit)
    try:
        services.write_programme(visit, form.programme.data or "", tell=bool(form.tell.data))
    except NotAllowed:
        return _refused(institution, visit)
    db.session.commit()
    flash(_("The programme is saved."))
    return redirect(url_for(".request_page", slug=slug, request_id=visit.id))


@bp.route("/institutions/<slug>/visits/requests/<int:request_id>/record", methods=["POST"])
@access(SIGNED_IN)
def record_visit(slug: str, request_id: int) -> ResponseReturnValue:
    """After the visit, the unit records the days the visitor was present."""
    institution = _member_institution(slug)
    visit = services.require_request(current_user, institution, request_id)
    form = RecordForm()
    form.days.choices = [
        SelectChoice(d.isoformat(), d.isoformat()) for d in services.visit_days(visit)
    ]
    if not form.validate_on_submit():
        return _host_page(institution, visit, record=form), 400
    if VisitActor.UNIT not in services.actor_for(current_user, visit):
        return _refused(institution, visit)
    try:
        services.host_step(
            visit,
            "record",
            VisitActor.UNIT,
            current_user.email,
            today=_today(),
            days=[date.fromisoformat(d) for d in form.days.data or []],
        )
    except NotAllowed:
        return _refused(institution, visit)
    services.refresh_indicators(institution.id)
    db.session.commit()
    flash(_("The visit is recorded."))
    return redirect(url_for(".request_page", slug=slug, request_id=visit.id))


@bp.route("/institutions/<slug>/visits/figures", methods=["GET", "POST"])
@access(SIGNED_IN)
def figures(slug: str) -> ResponseReturnValue:
    """Requests, visits hosted and days per unit and year; and following them in a plan."""
    institution = _member_institution(slug, "manager")
    plans = list(
        db.session.scalars(
            select(Plan).where(Plan.institution_id == institution.id).order_by(Plan.title)
        )
    )
    form = IndicatorsForm()
    form.plan.choices = [SelectChoice(p.id, p.title) for p in plans]
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        plan = next(p for p in plans if p.id == form.plan.data)
        added = services.add_visit_indicators(plan)
        services.refresh_indicators(institution.id)
        db.session.commit()
        flash(
            _(
                "%(plan)s follows the visits with %(num)d new indicators.",
                plan=plan.title,
                num=len(added),
            )
        )
        return redirect(url_for(".figures", slug=slug))
    rows = services.figures(institution)
    return render_template(
        "visits/figures.html", institution=institution, rows=rows, form=form, plans=plans
    )


@bp.app_template_global()
def month_names(months: list[int]) -> str:
    """Name the months a unit can host, in the reader's language."""
    from app.visits.forms import MONTHS

    names = dict(MONTHS)
    return ", ".join(str(names[m]) for m in months if m in names)
