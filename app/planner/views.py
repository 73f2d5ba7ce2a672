"""Pages of the planner: plans, adopting practices into them, editing activities."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.charts import figures as charts
from app.core.caching import shared_page
from app.core.conflicts import EditConflict
from app.core.enums import labels
from app.core.extensions import db, limiter
from app.core.i18n import current_language, locale_of
from app.core.urls import external_url
from app.core.validation import form_id
from app.core.vocabularies import vocabularies
from app.institutions import services as institutions
from app.permissions import (
    PUBLIC,
    ROLE_RANK,
    SIGNED_IN,
    Role,
    access,
    has_role,
    require_role,
)
from app.planner import adoption, exports, imports, pages, services, suggestions
from app.planner.forms import (
    ActivityEditForm,
    ActivityForm,
    AdoptSuggestedForm,
    CopyPlanForm,
    ImportForm,
    PlanEditForm,
    PlanForm,
    SuggestForm,
)
from app.planner.models import ActivityStatus, Plan
from app.planner.recurrence import describe
from app.practices import services as practices
from app.practices.models import Phase

log = logging.getLogger(__name__)
bp = Blueprint("planner", __name__)


@bp.app_template_filter("repeats")
def repeats(rule: str | None) -> str:
    """Say how often a rule repeats, in words ("every 6 months"; "once" for none)."""
    return describe(rule)


@bp.get("/plans")
@access(SIGNED_IN)
def index() -> ResponseReturnValue:
    """List the plans of one's institutions."""
    planner_of = [
        r.institution for r in current_user.roles if ROLE_RANK[r.role] >= ROLE_RANK[Role.PLANNER]
    ]
    return render_template(
        "planner/index.html", plans=services.plans_for(current_user), planner_of=planner_of
    )


@bp.route("/institutions/<slug>/plans/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def create(slug: str) -> ResponseReturnValue:
    """Start a plan for an institution (planners and managers)."""
    institution = institutions.require_institution(slug, current_user, "planner")
    form = PlanForm()
    form.offer_goals(vocabularies())
    if form.validate_on_submit():
        plan = services.create_plan(
            institution,
            title=form.title.data or "",
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            owner=current_user._get_current_object(),
            goals=form.goals.data or [],
            goals_text=form.goals_text.data or "",
        )
        db.session.commit()
        log.info("plan %s created for %s by %s", plan.id, institution.slug, current_user.email)
        flash(_("The plan is created. Adopt practices from the catalogue to fill it."))
        return redirect(url_for("planner.detail", plan_id=plan.id))
    return render_template("planner/new.html", institution=institution, form=form)


@bp.get("/plans/<int:plan_id>")
@access(SIGNED_IN)
def detail(plan_id: int) -> ResponseReturnValue:
    """Show a plan: its activities by status or month, page by page, totals and coverage."""
    # The plan's row only (not every activity with all it carries): a large plan is listed
    # page by page, and a page answered from the store needs no more.
    plan = services.require_plan(plan_id, current_user, "viewer", outline=True)
    grouping = "month" if request.args.get("group") == "month" else "status"
    page = request.args.get("page", 1, type=int) or 1

    def context() -> dict[str, object]:
        shown = pages.plan_page(plan, vocabularies(), grouping=grouping, page=page)
        occurrences = shown.occurrences
        # The chart spans the plan's period, widened to show activities dated outside it.
        span = (
            min([plan.period_start, *(o.start for o in occurrences)]),
            max([plan.period_end, *(o.end for o in occurrences)]),
        )
        timeline = charts.timeline_figure(
            services.timeline_rows(occurrences),
            period=span,
            status_labels=labels(ActivityStatus),
        )
        return {
            "plan": plan,
            "shown": shown,
            "timeline": timeline,
            "grouping": grouping,
            "totals": services.totals(plan),
            "occurrences": occurrences,
            "can_plan": has_role(current_user, plan.institution, "planner"),
        }

    # Shared by the plan's readers of one role, until the plan or anything unscoped changes.
    return shared_page(
        "planner/detail.html",
        name="planner.detail",
        place=(plan.id, grouping, page),
        context=context,
        scope=("plan", plan.id),
        slots={"plan_feed": lambda: feed_address(plan)},
    )


@bp.get("/plans/<int:plan_id>/gaps")
@access(SIGNED_IN)
def gaps(plan_id: int) -> ResponseReturnValue:
    """Show which mobility stages, target groups and goals the plan's activities leave
    uncovered, and why each matters."""
    plan = services.require_plan(plan_id, current_user, "viewer", outline=True)

    def context() -> dict[str, object]:
        return {
            "plan": plan,
            "gaps": services.gaps(plan, vocabularies()),
            "can_plan": has_role(current_user, plan.institution, "planner"),
        }

    return shared_page(
        "planner/gaps.html",
        name="planner.gaps",
        place=(plan.id,),
        context=context,
        scope=("plan", plan.id),
    )


@bp.get("/plans/<int:plan_id>/suggestions")
@access(SIGNED_IN)
def suggest(plan_id: int) -> ResponseReturnValue:
    """Suggest practices of the catalogue that close the plan's gaps within what is left."""
    plan = services.require_plan(plan_id, current_user, "planner", outline=True)
    form = SuggestForm(request.args)
    asked = form.ask() if request.args else None
    vocab = vocabularies()
    found = None
    adopt_form = AdoptSuggestedForm()
    if asked is not None:
        found = suggestions.suggest(
            plan,
            services.gaps(plan, vocab),
            vocab,
            euros=None if asked.budget is None else int(asked.budget),
            days=None if asked.days is None else int(asked.days),
            limit=asked.count,
        )
        titles = practices.related_titles_for([c.slug for c in found.chosen], current_language())
        adopt_form.practices.choices = [(c.slug, titles.get(c.slug, c.title)) for c in found.chosen]
        adopt_form.practices.data = [c.slug for c in found.chosen]
    return render_template(
        "planner/suggestions.html",
        plan=plan,
        form=form,
        found=found,
        adopt_form=adopt_form,
        gap_label=lambda gap: suggestions.gap_label(gap, vocab),
        level_euros=current_app.config["SUGGEST_LEVEL_EUROS"],
        level_days=current_app.config["SUGGEST_LEVEL_DAYS"],
    )


@bp.post("/plans/<int:plan_id>/suggestions")
@access(SIGNED_IN)
def adopt_suggested(plan_id: int) -> ResponseReturnValue:
    """Adopt the ticked suggested practices into the plan, each with both its phases."""
    plan = services.require_plan(plan_id, current_user, "planner")
    form = AdoptSuggestedForm()
    # The choices are the ticked practices the catalogue shows (a withdrawn one is refused).
    ticked = [
        practice
        for practice in practices.get_practices(request.form.getlist("practices")[:20])
        if not practice.withdrawn
    ]
    form.practices.choices = [(practice.slug, practice.title) for practice in ticked]
    adopted = form.adoption() if form.validate_on_submit() else None
    if adopted is None:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("planner.gaps", plan_id=plan.id))
    by_slug = {practice.slug: practice for practice in ticked}
    # A page sent again (Back, a second tab) must not adopt what the first sending did.
    already = services.adopted_practice_ids(plan)
    fresh = [by_slug[slug] for slug in adopted.practices if by_slug[slug].id not in already]
    if not fresh:
        flash(_("The ticked practices are in the plan already."), "error")
        return redirect(url_for("planner.gaps", plan_id=plan.id))
    vocab, language = vocabularies(), current_language()
    for practice in fresh:
        services.adopt_practice(
            plan, practice, list(Phase), vocab, by=current_user.email, language=language
        )
    db.session.commit()
    flash(
        ngettext(
            "%(num)d practice is in the plan. Set the dates and budget of its activities.",
            "%(num)d practices are in the plan. Set the dates and budget of their activities.",
            len(fresh),
        )
    )
    return redirect(url_for("planner.gaps", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>/export.<any(csv, xlsx, md, ics):kind>")
@access(SIGNED_IN)
def export(plan_id: int, kind: str) -> ResponseReturnValue:
    """Download the plan: CSV or XLSX (a row per occurrence), Markdown, or an iCalendar file."""
    # The outline only: the activities are read a batch at a time as the file is written.
    plan = pages.get_plan_outline(plan_id)
    if plan is None:
        abort(404, description=_("There is no plan %(id)s.", id=plan_id))
    require_role(current_user, plan.institution, "viewer")
    body: Iterable[bytes]
    if kind == "csv":
        body = (chunk.encode("utf-8") for chunk in exports.csv_chunks(plan))
        mimetype = "text/csv; charset=utf-8"
    elif kind == "md":
        body, mimetype = [exports.to_markdown(plan).encode("utf-8")], "text/markdown; charset=utf-8"
    elif kind == "ics":
        domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
        body, mimetype = exports.ical_chunks(plan, domain), "text/calendar; charset=utf-8"
    else:
        body = exports.xlsx_chunks(plan)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Streamed: a plan of any size is written a part at a time, in the request's language.
    return Response(
        stream_with_context(body),
        content_type=mimetype,
        headers={"Content-Disposition": exports.content_disposition(plan, kind)},
    )


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_plan(plan_id: int) -> ResponseReturnValue:
    """Edit a plan's title, period, goals and status (planners); stale saves are refused."""
    plan = services.require_plan(plan_id, current_user, "planner")
    form = PlanEditForm(obj=plan) if request.method == "GET" else PlanEditForm()
    form.offer_goals(vocabularies())
    if request.method == "GET":
        form.version.data = str(plan.version)
    if form.validate_on_submit():
        version = form.version.data or ""
        try:
            services.update_plan(
                plan,
                {
                    "title": form.title.data,
                    "period_start": form.period_start.data,
                    "period_end": form.period_end.data,
                    "goals": form.goals.data or [],
                    "goals_text": form.goals_text.data or "",
                    "status": form.status.data,
                },
                base_version=int(version) if version.isdigit() else None,
            )
        except EditConflict:
            flash(
                _(
                    "Someone else saved this plan while you were editing it; your changes are "
                    "in the form, the saved plan is on its page."
                ),
                "error",
            )
            return render_template("planner/edit.html", plan=plan, form=form), 409
        db.session.commit()
        flash(_("The plan is saved."))
        outside = services.outside_period(plan)
        if outside:
            flash(
                ngettext(
                    "%(num)d activity is dated outside the plan's new period; it is listed on "
                    "the plan's page.",
                    "%(num)d activities are dated outside the plan's new period; they are "
                    "listed on the plan's page.",
                    len(outside),
                ),
                "error",
            )
        return redirect(url_for("planner.detail", plan_id=plan.id))
    return render_template("planner/edit.html", plan=plan, form=form), 400 if form.errors else 200


@bp.route("/plans/<int:plan_id>/copy", methods=["GET", "POST"])
@access(SIGNED_IN)
def copy(plan_id: int) -> ResponseReturnValue:
    """Copy a plan to a new period (planners): dates shift; actuals and statuses are cleared."""
    plan = services.require_plan(plan_id, current_user, "planner")
    form = CopyPlanForm()
    form.copies(plan.period_start, plan.period_end)
    if request.method == "GET":
        form.title.data = _("%(title)s (copy)", title=plan.title)
        form.period_start.data = plan.period_end + timedelta(days=1)  # the next period
    if form.validate_on_submit():
        copied = services.copy_plan(
            plan,
            period_start=form.period_start.data,
            title=form.title.data or "",
            by=current_user._get_current_object(),
        )
        db.session.commit()
        flash(_("The plan is copied to its new period. Check the dates, then set it active."))
        return redirect(url_for("planner.detail", plan_id=copied.id))
    return render_template("planner/copy.html", plan=plan, form=form)


def _import_key() -> str:
    """Count imports per person, whichever address they come from."""
    return f"import-user:{current_user.get_id()}"


@bp.route("/plans/<int:plan_id>/import", methods=["GET", "POST"])
@access(SIGNED_IN)
@limiter.limit(
    lambda: current_app.config["IMPORT_LIMIT_PER_USER"],
    methods=["POST"],
    key_func=_import_key,
    error_message=lambda: _("Too many imports in a short time. Wait a minute, then try again."),
)
def import_activities(plan_id: int) -> ResponseReturnValue:
    """Import activities from CSV or XLSX: all rows checked first, all or nothing."""
    plan = services.require_plan(plan_id, current_user, "planner")
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        result = imports.read_activities(
            upload.filename or "",
            upload.read(),
            vocabularies(),
            {unit.name: unit.id for unit in plan.institution.units},
            (plan.period_start, plan.period_end),
        )
        if not result.problems:
            created = imports.create_activities(plan, result.rows, by=current_user.email)
            db.session.commit()
            log.info(
                "%s activities imported into plan %s by %s",
                len(created),
                plan.id,
                current_user.email,
            )
            flash(
                ngettext("%(num)d activity imported.", "%(num)d activities imported.", len(created))
            )
            return redirect(url_for("planner.detail", plan_id=plan.id))
        problems = result.problems
    status = 400 if (problems or form.errors) else 200
    return render_template(
        "planner/import.html",
        plan=plan,
        form=form,
        problems=problems,
        columns=imports.column_help(),
        headers=dict(zip(exports.COLUMNS, exports.headers(), strict=True)),
    ), status


@bp.app_template_global()
def feed_address(plan: Plan) -> str:
    """Return the signed-in member's own address of a plan's calendar feed."""
    return external_url("planner.feed", token=services.feed_token(plan, current_user))


@bp.get("/plans/feed/<token>.ics")
@access(PUBLIC)
def feed(token: str) -> ResponseReturnValue:
    """Serve a member's calendar feed of a plan to whoever holds its address (calendar apps).

    Calendar apps cannot sign in, so the address is the credential; it names its member, who
    must still read the plan on every request: a removed or deactivated member's address
    stops at once (404, as for an address that never existed).
    """
    found = services.plan_for_feed(token)
    if found is None:
        abort(404)
    plan, member = found
    if not member.is_active or not has_role(member, plan.institution, "viewer"):
        abort(404)
    # The UIDs' domain is the public one: the request's Host header is the caller's choice.
    domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    # Calendar apps send no session and no useful Accept-Language: the feed is written in
    # the language its member chose.
    with force_locale(locale_of(member.language)):
        body = exports.to_ical(plan, domain)
    return Response(body, mimetype="text/calendar")


@bp.post("/plans/<int:plan_id>/feed/new")
@access(SIGNED_IN)
def new_feed_address(plan_id: int) -> ResponseReturnValue:
    """Give oneself new calendar feed addresses: the old ones stop working."""
    plan = services.require_plan(plan_id, current_user, "viewer")
    accounts.new_feed_addresses(current_user._get_current_object())
    db.session.commit()
    flash(
        _(
            "Your calendar addresses are new and the old ones no longer work. Subscribe again "
            "with the address below (and with the new ones of your other plans)."
        )
    )
    return redirect(url_for("planner.detail", plan_id=plan.id, _anchor="calendar-feed"))


@bp.post("/practices/<slug>/adopt")
@access(SIGNED_IN)
def adopt(slug: str) -> ResponseReturnValue:
    """Adopt a practice into one of one's plans: one pre-filled activity per chosen phase."""
    practice = practices.get_practice(slug)
    if practice is None:
        abort(404)
    chosen = form_id(request.form.get("plan_id"))
    # As everywhere, another institution's plan is a 404 and a plan one only reads is a 403.
    plan = services.require_plan(chosen, current_user, "planner") if chosen is not None else None
    form = adoption.adopt_form(current_user)
    adopted = form.adoption(slug) if form.validate_on_submit() else None
    if plan is None or adopted is None:
        flash(" ".join(e for errors in form.errors.values() for e in errors) or _("Choose a plan."))
        return redirect(url_for("practices.detail", slug=slug))
    language = current_language()
    activities = services.adopt_practice(
        plan, practice, adopted.phases, vocabularies(), by=current_user.email, language=language
    )
    title = practices.shown_sheets([practice], language)[0].practice.title
    db.session.commit()
    flash(
        ngettext(
            "“%(title)s” is in the plan as %(num)d activity. Set its dates and budget.",
            "“%(title)s” is in the plan as %(num)d activities. Set their dates and budget.",
            len(activities),
            title=title,
        )
    )
    return redirect(url_for("planner.detail", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/activities/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def new_activity(plan_id: int) -> ResponseReturnValue:
    """Add a custom activity, one that no practice sheet describes."""
    plan = services.require_plan(plan_id, current_user, "planner")
    form = ActivityForm()
    form.within(plan.period_start, plan.period_end)
    form.offer_partners(institutions.partner_choices(plan.institution), [], "")
    form.offer_units(plan.institution.units)
    form.offer_recurrence(None)
    form.offer_checklist([])
    if form.validate_on_submit():
        activity = services.add_activity(plan, form.activity_changes(), by=current_user.email)
        db.session.commit()
        log.info("activity %s added to plan %s by %s", activity.id, plan.id, current_user.email)
        flash(_("“%(title)s” is in the plan.", title=activity.title))
        return redirect(url_for("planner.detail", plan_id=plan.id))
    return render_template(
        "planner/activity.html", plan=plan, activity=None, form=form, conflict=False
    ), 400 if form.errors else 200


@bp.route("/plans/<int:plan_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_activity(plan_id: int, activity_id: int) -> ResponseReturnValue:
    """Edit an activity; a save over someone else's newer one is refused, showing both."""
    plan = services.require_plan(plan_id, current_user, "planner", outline=True)
    activity = services.get_activity(plan, activity_id)
    if activity is None:
        abort(404)
    form = ActivityEditForm(obj=activity) if request.method == "GET" else ActivityEditForm()
    form.within(plan.period_start, plan.period_end)
    choices = institutions.partner_choices(plan.institution)
    form.offer_partners(choices, activity.partners, activity.host or "")
    form.offer_recurrence(activity.recurrence)
    form.offer_checklist(activity.checklist)
    form.offer_units(plan.institution.units, activity.unit_ids if request.method == "GET" else None)
    if request.method == "GET":
        form.fill_partners(choices.all(), activity.partners, activity.host or "")
        form.checklist.data = [item.id for item in activity.checklist if item.done]
        form.recurrence.data = activity.recurrence or ""
        form.version.data = str(activity.version)
    if form.validate_on_submit():
        changes = form.activity_changes()
        version = form.version.data
        try:
            services.update_activity(
                activity,
                changes,
                by=current_user.email,
                base_version=int(version) if version and version.isdigit() else None,
                checklist_done=set(form.checklist.data or []),
            )
        except EditConflict:
            return render_template(
                "planner/activity.html", plan=plan, activity=activity, form=form, conflict=True
            ), 409
        db.session.commit()
        flash(_("The activity is saved."))
        return redirect(url_for("planner.detail", plan_id=plan.id))
    return render_template(
        "planner/activity.html", plan=plan, activity=activity, form=form, conflict=False
    ), 400 if form.errors else 200


@bp.route("/plans/<int:plan_id>/activities/<int:activity_id>/delete", methods=["GET", "POST"])
@access(SIGNED_IN)
def delete_activity(plan_id: int, activity_id: int) -> ResponseReturnValue:
    """Ask, then delete an activity; the deletion is logged."""
    plan = services.require_plan(plan_id, current_user, "planner", outline=True)
    activity = services.get_activity(plan, activity_id)
    if activity is None:
        abort(404)
    if request.method == "POST":
        title = activity.title
        services.delete_activity(activity)
        db.session.commit()
        log.info(
            "activity %s (%s) of plan %s deleted by %s",
            activity_id,
            title,
            plan.id,
            current_user.email,
        )
        flash(_("“%(title)s” is deleted.", title=title))
        return redirect(url_for("planner.detail", plan_id=plan.id))
    return render_template("planner/delete.html", plan=plan, activity=activity)
