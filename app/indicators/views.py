"""Pages of indicators: definitions, value entry, approvals, charts, dashboard and report."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.charts import figures as charts
from app.core.caching import shared_page
from app.core.conflicts import EditConflict
from app.core.extensions import db
from app.core.formatting import number
from app.core.spreadsheets import to_csv
from app.indicators import computed, dashboards, imports, measurements, services
from app.indicators.display import measure, shown_rows
from app.indicators.forms import (
    ApproveForm,
    CsrfForm,
    EntryForm,
    IndicatorForm,
    ReopenForm,
)
from app.indicators.models import Indicator
from app.indicators.periods import Period, parse_window, period_of, windows_of
from app.indicators.progress import PROGRESS_LABELS
from app.indicators.schemas import not_begun
from app.institutions import services as institutions
from app.permissions import SIGNED_IN, access, has_role, require_role

# The same upload as the planner's import of activities: a CSV or XLSX of at most 2 MB.
from app.planner.forms import ImportForm as ValuesImportForm
from app.planner.models import Plan, ProposedIndicator
from app.planner.services import get_plan, require_plan

log = logging.getLogger(__name__)
bp = Blueprint("indicators", __name__)
bp.add_app_template_filter(measure, "measure")
bp.add_app_template_filter(shown_rows, "shown_rows")
# What a computed value was counted from, and its source, for any page that shows one.
bp.add_app_template_global(computed.basis_text, "computed_basis")
bp.add_app_template_filter(computed.shown_name, "indicator_name")
bp.add_app_template_filter(computed.shown_description, "indicator_description")
bp.add_app_template_global(computed.source_of, "computed_source")


def today() -> date:
    """Return today's date (one place, so tests can move time)."""
    return date.today()


def _indicator(plan: Plan, indicator_id: int) -> Indicator:
    indicator = services.get_indicator(plan, indicator_id)
    if indicator is None:
        abort(404)
    return indicator


def _csv(name: str, table: charts.Table) -> Response:
    return Response(
        to_csv(table.columns, table.rows).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/plans/<int:plan_id>/indicators")
@access(SIGNED_IN)
def index(plan_id: int) -> ResponseReturnValue:
    """List a plan's indicators with where each stands, and the ones adoption proposed."""
    plan = require_plan(plan_id, current_user, "viewer", outline=True)
    day = today()

    def context() -> dict[str, object]:
        # The activities and what they propose: none of the planner's details.
        full = get_plan(plan.id, details=False, proposals=True, timing=True) or abort(404)
        indicators = services.indicators_of(full)
        return {
            "plan": full,
            "judged": services.plan_progress(full, indicators, day),
            "proposed": [(a, p) for a in full.activities for p in a.indicators],
            "activities": {a.id: a for a in full.activities},
            "can_plan": has_role(current_user, full.institution, "planner"),
            "progress_labels": PROGRESS_LABELS,
            "form": ApproveForm(),
        }

    return shared_page(
        "indicators/index.html",
        name="indicators.index",
        place=(plan.id, day),
        context=context,
        scope=("plan", plan.id),
    )


def _proposal(plan: Plan, proposed_id: int) -> ProposedIndicator:
    """Return an indicator one of the plan's activities proposes (404 if none), once the
    form's CSRF token is checked."""
    proposed = next((p for a in plan.activities for p in a.indicators if p.id == proposed_id), None)
    if proposed is None:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    return proposed


@bp.post("/plans/<int:plan_id>/indicators/proposed/<int:proposed_id>/accept")
@access(SIGNED_IN)
def accept(plan_id: int, proposed_id: int) -> ResponseReturnValue:
    """Accept an indicator the practice sheet proposed for an activity."""
    plan = require_plan(plan_id, current_user, "planner")
    proposed = _proposal(plan, proposed_id)
    indicator = services.accept_proposed(plan, proposed)
    db.session.commit()
    flash(
        _(
            "“%(name)s” is an indicator of the plan now. Give it a baseline and targets.",
            name=indicator.name,
        )
    )
    return redirect(url_for("indicators.edit", plan_id=plan.id, indicator_id=indicator.id))


@bp.post("/plans/<int:plan_id>/indicators/proposed/<int:proposed_id>/dismiss")
@access(SIGNED_IN)
def dismiss(plan_id: int, proposed_id: int) -> ResponseReturnValue:
    """Dismiss an indicator the practice sheet proposed that the plan will not use."""
    plan = require_plan(plan_id, current_user, "planner")
    proposed = _proposal(plan, proposed_id)
    name = proposed.name
    services.dismiss_proposed(proposed)
    db.session.commit()
    log.info(
        "proposed indicator %s of plan %s dismissed by %s", proposed_id, plan.id, current_user.email
    )
    flash(_("“%(name)s” is dismissed; it will not be proposed again for this plan.", name=name))
    return redirect(url_for("indicators.index", plan_id=plan.id))


def _editor(
    plan: Plan,
    form: IndicatorForm,
    indicator: Indicator | None = None,
    targets: list[tuple[Period, Any]] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "indicators/edit.html",
        plan=plan,
        indicator=indicator,
        form=form,
        targets=targets or [],
    ), status


@bp.route("/plans/<int:plan_id>/indicators/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def new(plan_id: int) -> ResponseReturnValue:
    """Add an indicator of one's own to the plan or to one of its activities."""
    plan = require_plan(plan_id, current_user, "planner")
    form = IndicatorForm()
    form.offer_activities(list(plan.activities))
    if form.validate_on_submit():
        indicator = services.add_indicator(plan, form.fields(), {})
        db.session.commit()
        flash(_("The indicator is added. Set its targets per period below."))
        return redirect(url_for("indicators.edit", plan_id=plan.id, indicator_id=indicator.id))
    return _editor(plan, form, status=400 if form.errors else 200)


@bp.route("/plans/<int:plan_id>/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit(plan_id: int, indicator_id: int) -> ResponseReturnValue:
    """Edit an indicator and its targets per period; stale saves are refused."""
    plan = require_plan(plan_id, current_user, "planner")
    indicator = _indicator(plan, indicator_id)
    form = IndicatorForm(obj=indicator) if request.method == "GET" else IndicatorForm()
    form.offer_activities(list(plan.activities))
    if request.method == "GET":
        form.activity_id.data = str(indicator.activity_id or "")
        form.version.data = str(indicator.version)
    rows = form.offer_targets(
        services.reporting_periods(indicator, plan),
        {t.period_key: t.value for t in indicator.targets},
    )
    if form.validate_on_submit():
        targets = form.read_targets(rows)
        if targets is None:
            return _editor(plan, form, indicator, rows, 400)
        version = (form.version.data or "").strip()
        try:
            services.update_indicator(
                indicator,
                form.fields(),
                targets,
                # A missing or damaged version is stale, never a reason to skip the check.
                base_version=int(version) if version.isdigit() and len(version) < 10 else 0,
            )
        except EditConflict:
            flash(
                _(
                    "Someone else saved this indicator while you were editing it; your changes "
                    "are in the form, the saved indicator is on its page."
                ),
                "error",
            )
            return _editor(plan, form, indicator, rows, status=409)
        db.session.commit()
        flash(_("The indicator is saved."))
        return redirect(url_for("indicators.detail", plan_id=plan.id, indicator_id=indicator.id))
    return _editor(plan, form, indicator, rows, status=400 if form.errors else 200)


@bp.route("/plans/<int:plan_id>/indicators/<int:indicator_id>/delete", methods=["GET", "POST"])
@access(SIGNED_IN)
def delete(plan_id: int, indicator_id: int) -> ResponseReturnValue:
    """Ask, then delete an indicator with its values; the deletion is logged."""
    plan = require_plan(plan_id, current_user, "planner")
    indicator = _indicator(plan, indicator_id)
    if request.method == "POST":
        name = indicator.name
        services.delete_indicator(indicator)
        db.session.commit()
        log.info(
            "indicator %s (%s) of plan %s deleted by %s",
            indicator_id,
            name,
            plan.id,
            current_user.email,
        )
        flash(_("“%(name)s” and its values are deleted.", name=name))
        return redirect(url_for("indicators.index", plan_id=plan.id))
    return render_template("indicators/delete.html", plan=plan, indicator=indicator)


@bp.get("/plans/<int:plan_id>/indicators/<int:indicator_id>")
@access(SIGNED_IN)
def detail(plan_id: int, indicator_id: int) -> ResponseReturnValue:
    """Show an indicator: its values over time against baseline and targets, and history."""
    plan = require_plan(plan_id, current_user, "viewer")
    indicator = _indicator(plan, indicator_id)
    chart, judged = dashboards.values_chart(plan, indicator, today())
    # Across years only where there is something to compare: two events or more.
    years = dashboards.years_chart(plan, indicator) if indicator.source else None
    return render_template(
        "indicators/detail.html",
        plan=plan,
        indicator=indicator,
        chart=chart,
        years=years if years is not None and len(years.table.rows) > 1 else None,
        judged=judged,
        activity=next((a for a in plan.activities if a.id == indicator.activity_id), None),
        progress_labels=PROGRESS_LABELS,
        can_plan=has_role(current_user, plan.institution, "planner"),
        names=measurements.names_of(
            c.changed_by for m in indicator.measurements for c in m.changes
        ),
    )


@bp.get("/plans/<int:plan_id>/indicators/<int:indicator_id>/values.csv")
@access(SIGNED_IN)
def values_csv(plan_id: int, indicator_id: int) -> ResponseReturnValue:
    """Download an indicator chart's data."""
    plan = require_plan(plan_id, current_user, "viewer")
    chart, _ = dashboards.values_chart(plan, _indicator(plan, indicator_id), today())
    return _csv(f"indicator-{indicator_id}", chart.table)


@bp.get("/plans/<int:plan_id>/indicators/<int:indicator_id>/years.csv")
@access(SIGNED_IN)
def years_csv(plan_id: int, indicator_id: int) -> ResponseReturnValue:
    """Download a computed indicator's values across the institution's events, year on year."""
    plan = require_plan(plan_id, current_user, "viewer")
    chart = dashboards.years_chart(plan, _indicator(plan, indicator_id))
    return _csv(f"indicator-{indicator_id}-years", chart.table)


def _not_a_window(key: str) -> str:
    return _("%(key)s is not a month, quarter, term or year.", key=repr(key))


def _window(plan: Plan) -> Period:
    """Return the window the entry page shows: asked for, or the quarter of today."""
    key = request.values.get("window", "")
    if key:
        try:
            return parse_window(key)
        except ValueError:
            abort(400, description=_not_a_window(key))
    day = min(max(today(), plan.period_start), plan.period_end)
    return period_of("quarterly", day)


@bp.route("/plans/<int:plan_id>/values", methods=["GET", "POST"])
@access(SIGNED_IN)
def values(plan_id: int) -> ResponseReturnValue:
    """Record the values due in a window (planners), all indicators on one page."""
    plan = require_plan(
        plan_id, current_user, "planner" if request.method == "POST" else "viewer"
    )  # HEAD reads too
    window = _window(plan)
    indicators = services.indicators_of(plan)
    due = measurements.due_in(indicators, plan, window)
    approvals = measurements.approvals_of(plan)
    existing = measurements.measurements_of(indicators)
    locks = {
        (i.id, p.key): lock
        for i, p in due
        if (lock := measurements.lock_for(approvals, p.end)) is not None
    }
    # A computed indicator's values come from its event's records: shown, never typed.
    from_records = {(i.id, p.key) for i, p in due if computed.is_computed(i)}
    form = EntryForm()
    rows = form.offer_rows(due, existing, set(locks) | from_records)
    problems = 0
    # "Approve and lock" sits in the values form, so that values typed but not yet saved are
    # saved first rather than lost; it needs the manager role.
    approving = request.method == "POST" and "approve" in request.form
    if approving:
        require_role(current_user, plan.institution, "manager")
    conflicts: dict[tuple[int, str], Any] = {}
    if request.method == "POST" and form.validate_on_submit():
        entered = form.read(rows, due, today())
        problems = entered.problems
        if not problems:
            conflicts = measurements.stale(entered.values, existing)
        if not problems and not conflicts:
            try:
                changed = measurements.record_values(
                    entered.values,
                    indicators,
                    existing=existing,
                    approvals=approvals,
                    by=current_user.email,
                    today=today(),
                )
            except measurements.ValueConflict:
                # Another save won the race since this request read the values (the session
                # is rolled back): read them again and show what changed.
                existing = measurements.measurements_of(indicators)
                conflicts = measurements.stale(entered.values, existing)
            else:
                saved = ngettext(
                    "%(num)d value saved for %(period)s.",
                    "%(num)d values saved for %(period)s.",
                    changed,
                    period=window.label,
                )
                saved = "" if approving and not changed else saved
                outcome = _approve_window(plan, window, approvals) if approving else ""
                db.session.commit()
                log.info(
                    "%s values recorded for plan %s (%s) by %s",
                    changed,
                    plan.id,
                    window.key,
                    current_user.email,
                )
                flash(f"{saved} {outcome}".strip())
                return redirect(url_for("indicators.values", plan_id=plan.id, window=window.key))
    form.show_again(rows, existing, conflicts, due)
    status = 409 if conflicts else 400 if problems or form.errors else 200
    return render_template(
        "indicators/values.html",
        plan=plan,
        window=window,
        windows=windows_of(plan.period_start, plan.period_end),
        due=due,
        existing=existing,
        locks=locks,
        from_records=from_records,
        # Periods after today take no value yet (services.not_begun): shown without a field.
        not_begun={(i.id, p.key) for i, p in due if not_begun(p, today())},
        approval=next((a for a in approvals if a.open and a.period_key == window.key), None),
        history=[a for a in approvals if a.period_key == window.key],
        problems=problems,
        conflicts=conflicts,
        names=measurements.names_of(
            [m.recorded_by for m in existing.values()]
            + [a.approved_by for a in approvals]
            + [a.reopened_by or "" for a in approvals]
        ),
        form=form,
        rows=rows,
        reopen_form=ReopenForm(),
        can_plan=has_role(current_user, plan.institution, "planner"),
        can_approve=has_role(current_user, plan.institution, "manager"),
    ), status


@bp.post("/plans/<int:plan_id>/approvals")
@access(SIGNED_IN)
def approve(plan_id: int) -> ResponseReturnValue:
    """Approve a window's values (managers): they are locked until reopened."""
    plan = require_plan(plan_id, current_user, "manager")
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        window = parse_window(form.window.data or "")
    except ValueError:
        abort(400, description=_not_a_window(form.window.data or ""))
    outcome = _approve_window(plan, window, measurements.approvals_of(plan))
    db.session.commit()
    flash(outcome)
    return redirect(url_for("indicators.values", plan_id=plan.id, window=window.key))


def _approve_window(plan: Plan, window: Period, approvals: list[Any]) -> str:
    """Approve a window unless it is approved already or has not begun; say what happened."""
    if any(a.open and a.period_key == window.key for a in approvals):
        return _("%(period)s is already approved.", period=window.label)
    if window.start > today():
        return _(
            "%(period)s has not begun yet, so it is not approved: approve it once it has.",
            period=window.label,
        )
    measurements.approve(plan, window, by=current_user.email)
    log.info("plan %s values of %s approved by %s", plan.id, window.key, current_user.email)
    return _("The values of %(period)s are approved and locked.", period=window.label)


@bp.post("/plans/<int:plan_id>/approvals/<int:approval_id>/reopen")
@access(SIGNED_IN)
def reopen(plan_id: int, approval_id: int) -> ResponseReturnValue:
    """Reopen an approved window (managers), saying why; the change is recorded."""
    plan = require_plan(plan_id, current_user, "manager")
    approval = next(
        (a for a in measurements.approvals_of(plan) if a.id == approval_id and a.open), None
    )
    if approval is None:
        abort(404)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("indicators.values", plan_id=plan.id, window=approval.period_key))
    measurements.reopen(approval, by=current_user.email, reason=form.reason.data or "")
    db.session.commit()
    log.info(
        "plan %s values of %s reopened by %s: %s",
        plan.id,
        approval.period_key,
        current_user.email,
        approval.reopen_reason,
    )
    flash(_("The values are open for changes again; changes now are marked in their history."))
    return redirect(url_for("indicators.values", plan_id=plan.id, window=approval.period_key))


@bp.route("/plans/<int:plan_id>/values/import", methods=["GET", "POST"])
@access(SIGNED_IN)
def import_values(plan_id: int) -> ResponseReturnValue:
    """Import values from CSV or XLSX: every row checked first, all or nothing."""
    plan = require_plan(plan_id, current_user, "planner")
    form = ValuesImportForm()
    problems: list[str] = []
    indicators = services.indicators_of(plan)
    if form.validate_on_submit():
        upload = form.file.data
        approvals = measurements.approvals_of(plan)
        existing = measurements.measurements_of(indicators)
        result = imports.read_values(
            upload.filename or "", upload.read(), plan, indicators, approvals, today(), existing
        )
        problems = result.problems
        if not problems:
            try:
                changed = measurements.record_values(
                    result.rows,
                    indicators,
                    existing=existing,
                    approvals=approvals,
                    by=current_user.email,
                    today=today(),
                )
            except measurements.ValueConflict:
                problems = [
                    _(
                        "Someone saved values of this plan while the file was being imported; "
                        "nothing was imported. Import the file again to see what changed."
                    )
                ]
            else:
                db.session.commit()
                log.info(
                    "%s values imported into plan %s by %s", changed, plan.id, current_user.email
                )
                flash(
                    ngettext(
                        "%(rows)s rows checked; %(num)d value saved.",
                        "%(rows)s rows checked; %(num)d values saved.",
                        changed,
                        rows=number(len(result.rows)),
                    )
                )
                return redirect(url_for("indicators.index", plan_id=plan.id))
    return render_template(
        "indicators/import.html",
        plan=plan,
        form=form,
        problems=problems,
        columns=dict(zip(imports.COLUMNS, imports.headers(), strict=True)),
        indicators=indicators,
        # The first periods of each indicator, as the file names them.
        examples={
            i.id: [p.key for p in services.reporting_periods(i, plan)[:3]] for i in indicators
        },
    ), 400 if (problems or form.errors) else 200


@bp.get("/plans/<int:plan_id>/values/file.csv")
@access(SIGNED_IN)
def values_file(plan_id: int) -> ResponseReturnValue:
    """Download every period that has begun, with its value and version, to fill and import."""
    plan = require_plan(plan_id, current_user, "viewer")
    indicators = services.indicators_of(plan)
    rows = imports.values_file(plan, indicators, measurements.measurements_of(indicators), today())
    return _csv(f"plan-{plan.id}-values", charts.Table(imports.headers(), rows))


@bp.get("/plans/<int:plan_id>/evidence/<int:evidence_id>")
@access(SIGNED_IN)
def evidence(plan_id: int, evidence_id: int) -> ResponseReturnValue:
    """Download an evidence file of one of the plan's values."""
    plan = require_plan(plan_id, current_user, "viewer")
    found = measurements.evidence_of(plan, evidence_id)
    if found is None:
        abort(404)
    # Always a download, never shown inline: an uploaded file must not run in the app's origin.
    return Response(
        found.content,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''" + quote(found.filename, safe=""),
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/plans/<int:plan_id>/dashboard")
@access(SIGNED_IN)
def dashboard(plan_id: int) -> ResponseReturnValue:
    """Show whether the plan is working: indicators, money, people and activities."""
    plan = require_plan(plan_id, current_user, "viewer", outline=True)
    day = today()
    return shared_page(
        "indicators/dashboard.html",
        name="indicators.dashboard",
        place=(plan.id, day),
        scope=("plan", plan.id),
        context=lambda: {
            "plan": get_plan(plan.id, details=False, timing=True),
            "charts": dashboards.plan_charts(plan, *dashboards.judged_and_totals(plan, day)),
            "computed_values": dashboards.computed_values(plan),
            "today": day,
        },
    )


@bp.get("/plans/<int:plan_id>/dashboard/<name>.csv")
@access(SIGNED_IN)
def dashboard_csv(plan_id: int, name: str) -> ResponseReturnValue:
    """Download the data of one dashboard chart."""
    plan = require_plan(plan_id, current_user, "viewer", details=False)
    found = dashboards.plan_charts(plan, *dashboards.judged_and_totals(plan, today()))
    chart = next((c for c in found if c.name == name), None)
    if chart is None:
        abort(404)
    return _csv(f"plan-{plan.id}-{name}", chart.table)


@bp.get("/plans/<int:plan_id>/report")
@access(SIGNED_IN)
def report(plan_id: int) -> ResponseReturnValue:
    """A printable report of the plan: its charts, tables, activities and indicators."""
    plan = require_plan(plan_id, current_user, "viewer", details=False)
    judged, totals = dashboards.judged_and_totals(plan, today())
    return render_template(
        "indicators/report.html",
        plan=plan,
        charts=dashboards.plan_charts(plan, judged, totals),
        judged=judged,
        totals=totals,
        computed_values=dashboards.computed_values(plan),
        progress_labels=PROGRESS_LABELS,
        today=today(),
    )


@bp.get("/institutions/<slug>/overview")
@access(SIGNED_IN)
def overview(slug: str) -> ResponseReturnValue:
    """Compare an institution's plans across years: money, people and indicator statuses."""
    institution = institutions.require_institution(slug, current_user, "viewer", outline=True)
    day = today()

    def context() -> dict[str, object]:
        rows = services.overview(institution, day)
        return {
            "institution": institution,
            "rows": rows,
            "charts": dashboards.overview_charts(rows),
            "progress_labels": PROGRESS_LABELS,
        }

    return shared_page(
        "indicators/overview.html",
        name="indicators.overview",
        place=(institution.id, day),
        context=context,
        scope=("institution", institution.id),
    )


@bp.get("/institutions/<slug>/overview/<name>.csv")
@access(SIGNED_IN)
def overview_csv(slug: str, name: str) -> ResponseReturnValue:
    """Download the data of one overview chart."""
    rows = services.overview(
        institutions.require_institution(slug, current_user, "viewer"), today()
    )
    chart = next((c for c in dashboards.overview_charts(rows) if c.name == name), None)
    if chart is None:
        abort(404)
    return _csv(f"{slug}-{name}", chart.table)
