"""Pages of sending staff: the offer on a call's page, the one step that adds the sending
activity, and the sending's page (budget guidance and the institution's own staff records)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.extensions import db
from app.core.i18n import current_language
from app.events.models import Event
from app.permissions import SIGNED_IN, access, has_role
from app.planner.models import Activity
from app.planner.services import require_plan
from app.sending import services
from app.sending.forms import BudgetForm, SendForm
from app.sending.models import Sending

bp = Blueprint("sending", __name__)


def _send_form(plans: list[Any], **kwargs: Any) -> SendForm:
    form = SendForm(**kwargs)
    form.plan_id.choices = [
        SelectChoice(
            p.id, _("%(plan)s (%(institution)s)", plan=p.title, institution=p.institution.name)
        )
        for p in plans
    ]
    return form


@bp.app_template_global()
def sending_offer(event: Event) -> dict[str, Any] | None:
    """What a call's page offers a planner of another institution: the form that adds a
    sending activity to one of their plans, and the sendings they already have to it."""
    if not current_user.is_authenticated or event.status != "published":
        return None
    plans = services.sendable_plans(current_user, event)
    if not plans:
        return None
    sendings = services.sendings_to(event, plans)
    return {
        "form": _send_form(plans, formdata=None),
        "sendings": sendings,
        "budget": {s.id: services.budget(s) for s in sendings},
        "problem": services.problem_text(services.mobility_problem(event.starts_on, event.ends_on)),
        "timing": services.timing_text(event),
    }


@bp.app_template_global()
def sending_on_activity(activity: Activity | None) -> dict[str, Any] | None:
    """What an activity's page shows of the event it sends staff to (None for others)."""
    if activity is None or activity.id is None:
        return None
    sending = services.sending_for_activity(activity.id)
    if sending is None:
        return None
    guidance = services.budget(sending)
    return {
        "sending": sending,
        "budget": guidance,
        "problem": services.problem_text(guidance.problem),
    }


@bp.post("/events/<int:event_id>/send")
@access(SIGNED_IN)
def send(event_id: int) -> ResponseReturnValue:
    """Add, in one step, the activity that sends staff to the event to one of one's plans; a
    second send of the same plan points to the activity the first made."""
    event = services.published_event(event_id)
    plans = services.sendable_plans(current_user, event)
    form = _send_form(plans)
    if not form.validate():
        db.session.rollback()
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        return render_template("sending/refused.html", event=event, problems=problems), 400
    plan = require_plan(form.plan_id.data, current_user, "planner", details=False)
    try:
        sending, created = services.send_staff(
            plan,
            event,
            people=form.people.data,
            kind=form.kind.data,
            by=current_user.email,
            language=current_language(),
        )
    except services.OwnEvent:
        abort(400)
    problem = services.problem_text(services.mobility_problem(event.starts_on, event.ends_on))
    db.session.commit()
    if created:
        flash(_("The sending activity is added to your plan %(plan)s.", plan=plan.title))
    else:
        flash(
            _("Your plan %(plan)s already sends staff to this event: here it is.", plan=plan.title)
        )
    if problem:
        flash(problem, "warning")
    return redirect(url_for(".sending", plan_id=plan.id, sending_id=sending.id))


@bp.route("/plans/<int:plan_id>/sendings/<int:sending_id>", methods=["GET", "POST"])
@access(SIGNED_IN)
def sending(plan_id: int, sending_id: int) -> ResponseReturnValue:
    """A sending's page: the event, the budget guidance and its rule, and the records of the
    institution's own staff who agreed to be counted."""

    at_least = "planner" if request.method == "POST" else "viewer"
    found: Sending = services.require_sending(plan_id, sending_id, current_user, at_least)
    may_plan = has_role(current_user, found.plan.institution, "planner")
    form = BudgetForm(
        formdata=None if request.method != "POST" else request.form,
        data={
            "people": found.people,
            "travel": found.travel_per_person,
            "subsistence": found.subsistence_per_day,
        },
    )
    status = 200
    if request.method == "POST":
        if form.validate():
            services.update_budget(
                found,
                people=form.people.data,
                travel=form.travel.data,
                subsistence=form.subsistence.data,
            )
            db.session.commit()
            flash(_("The budget guidance is saved."))
            return redirect(url_for(".sending", plan_id=plan_id, sending_id=sending_id))
        db.session.rollback()
        status = 400
    guidance = services.budget(found)
    return render_template(
        "sending/sending.html",
        sending=found,
        plan=found.plan,
        event=found.event,
        budget=guidance,
        problem=services.problem_text(guidance.problem),
        form=form,
        may_plan=may_plan,
        records=services.staff_records(found),
    ), status
