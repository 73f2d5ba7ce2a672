"""Pages of a series of co-hosted events: its members' list, the series with every edition's
figures, and the coordinator's pages (the series and its template, the rotation, the shared
tracks, the next edition)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core.extensions import db, utcnow
from app.institutions.models import Institution, Network
from app.institutions.services import require_institution
from app.permissions import SIGNED_IN, access, can_organise, require_organiser
from app.series import services
from app.series.forms import EditionForm, MemberForm, SeriesForm, TrackForm
from app.series.models import MEMBERS_MAX, SERIES_TRACKS_MAX, Series, SeriesMember, SeriesTrack

log = logging.getLogger(__name__)
bp = Blueprint("series", __name__)


@bp.app_template_global()
def plan_series(plan: Any) -> list[tuple[str, str, list[tuple[Any, bool, str | None]]]]:
    """Return the series of a plan's institution for the plan page, which knows nothing of
    series: each as (name, address, editions in the plan's period), an edition as (event,
    whether the institution organises it, the address of its event for those who run it)."""
    found = services.series_in_plan(plan.institution, plan.period_start, plan.period_end)
    return [
        (
            row.series.name,
            url_for("series.detail", series_id=row.series.id),
            [
                (
                    edition.event,
                    edition.organiser,
                    url_for(
                        "events.manage",
                        slug=edition.event.institution.slug,
                        event_id=edition.event.id,
                    )
                    if may_manage_edition(edition.event)
                    else None,
                )
                for edition in row.editions
            ],
        )
        for row in found
    ]


def _user() -> Any:
    return current_user._get_current_object()


def _networks() -> list[Network]:
    return list(db.session.scalars(select(Network).order_by(Network.name, Network.id)))


@bp.get("/institutions/<slug>/series")
@access(SIGNED_IN)
def institution_series(slug: str) -> ResponseReturnValue:
    """List the series an institution coordinates or takes part in."""
    institution = require_institution(slug, current_user, "viewer")
    return render_template(
        "series/institution_series.html",
        institution=institution,
        series_list=services.series_of(institution),
    )


@bp.route("/institutions/<slug>/series/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def new(slug: str) -> ResponseReturnValue:
    """Start a series the institution coordinates (its event organisers and managers)."""
    institution = require_institution(slug, current_user, "viewer")
    require_organiser(current_user, institution)
    form = SeriesForm()
    form.offer(_networks())
    if form.validate_on_submit() and form.checked is not None:
        series = services.create_series(institution, **form.checked.model_dump())
        db.session.commit()
        log.info("series %s created by %s for %s", series.id, current_user.email, slug)
        flash(_("The series is created. Add its members in the order they host."))
        return redirect(url_for("series.detail", series_id=series.id))
    return render_template(
        "series/edit.html", institution=institution, series=None, form=form
    ), 400 if form.errors else 200


@bp.get("/series/<int:series_id>")
@access(SIGNED_IN)
def detail(series_id: int) -> ResponseReturnValue:
    """Show a series: its members in rotation order, the template, and every edition's
    figures side by side."""
    series = services.get_series(series_id, current_user)
    coordinates = services.may_coordinate(current_user, series)
    return render_template(
        "series/detail.html",
        series=series,
        editions=services.editions_with_figures(series),
        next_host=services.next_host(series),
        coordinates=coordinates,
        member_form=_member_form(series) if coordinates else None,
        track_form=TrackForm(prefix="track") if coordinates else None,
        limits={"members": MEMBERS_MAX, "tracks": SERIES_TRACKS_MAX},
    )


def _member_form(series: Series) -> MemberForm:
    form = MemberForm(prefix="member")
    current = [m.institution_id for m in series.members if m.left_at is None]
    form.offer(services.choosable_institutions(current))
    return form


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit(series_id: int) -> ResponseReturnValue:
    """Edit a series and its call template (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    form = SeriesForm()
    form.offer(_networks())
    if request.method == "GET":
        form.fill(series)
    if form.validate_on_submit() and form.checked is not None:
        for name, value in form.checked.model_dump().items():
            setattr(series, name, value)
        db.session.commit()
        flash(_("The series is saved."))
        return redirect(url_for("series.detail", series_id=series.id))
    return render_template(
        "series/edit.html", institution=series.coordinator, series=series, form=form
    ), 400 if form.errors else 200


@bp.post("/series/<int:series_id>/members")
@access(SIGNED_IN)
def add_member(series_id: int) -> ResponseReturnValue:
    """Add an institution at the end of the rotation (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    form = _member_form(series)
    if not form.validate_on_submit():
        abort(400, description=_("Choose an institution that is not a member yet."))
    if len(series.members) >= MEMBERS_MAX:
        abort(400, description=_("A series has at most %(num)d members.", num=MEMBERS_MAX))
    institution = db.session.scalar(
        select(Institution).where(Institution.slug == form.institution.data)
    )
    if institution is None:
        abort(400)
    services.add_member(series, institution)
    db.session.commit()
    flash(_("%(name)s joins the rotation.", name=institution.name))
    return redirect(url_for("series.detail", series_id=series.id, _anchor="members"))


def _member(series: Series, member_id: int) -> SeriesMember:
    member = next((m for m in series.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


@bp.post("/series/<int:series_id>/members/<int:member_id>/move")
@access(SIGNED_IN)
def move_member(series_id: int, member_id: int) -> ResponseReturnValue:
    """Move a member up or down the rotation (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    member = _member(series, member_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move_member(series, member, direction)
    db.session.commit()
    return redirect(url_for("series.detail", series_id=series.id, _anchor="members"))


@bp.post("/series/<int:series_id>/members/<int:member_id>/leave")
@access(SIGNED_IN)
def leave(series_id: int, member_id: int) -> ResponseReturnValue:
    """Take a member out of the rotation; its past editions stay its own (coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    member = _member(series, member_id)
    services.leave(member)
    db.session.commit()
    flash(_("%(name)s has left the rotation.", name=member.institution.name))
    return redirect(url_for("series.detail", series_id=series.id, _anchor="members"))


@bp.post("/series/<int:series_id>/tracks")
@access(SIGNED_IN)
def add_track(series_id: int) -> ResponseReturnValue:
    """Add a track every later edition offers (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    form = TrackForm(prefix="track")
    if len(series.tracks) >= SERIES_TRACKS_MAX:
        abort(400, description=_("A series has at most %(num)d tracks.", num=SERIES_TRACKS_MAX))
    if not form.validate_on_submit() or form.checked is None:
        return render_template(
            "series/detail.html",
            series=series,
            editions=services.editions_with_figures(series),
            next_host=services.next_host(series),
            coordinates=True,
            member_form=_member_form(series),
            track_form=form,
            limits={"members": MEMBERS_MAX, "tracks": SERIES_TRACKS_MAX},
        ), 400
    services.add_track(series, **form.checked.model_dump())
    db.session.commit()
    return redirect(url_for("series.detail", series_id=series.id, _anchor="tracks"))


@bp.post("/series/<int:series_id>/tracks/<int:track_id>/delete")
@access(SIGNED_IN)
def delete_track(series_id: int, track_id: int) -> ResponseReturnValue:
    """Remove a shared track; editions made already keep theirs (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    track = db.session.get(SeriesTrack, track_id)
    if track is None or track.series_id != series.id:
        abort(404)
    series.tracks.remove(track)
    db.session.commit()
    return redirect(url_for("series.detail", series_id=series.id, _anchor="tracks"))


@bp.route("/series/<int:series_id>/editions/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def new_edition(series_id: int) -> ResponseReturnValue:
    """Create the next edition as a draft event of its host (its coordinator)."""
    series = services.get_series(series_id, current_user, coordinate=True)
    form = EditionForm()
    if request.method == "GET":
        start, end = services.proposed_dates(series, utcnow().date())
        form.starts_on.data, form.ends_on.data = start, end
        form.title.data = f"{series.name} {start.year}"[:200]
    host = services.next_host(series)
    if form.validate_on_submit() and form.checked is not None:
        fields = form.checked
        if not fields.centralised and host is None:
            form.mode.errors = [_("The rotation has no members: add one, or hold it centrally.")]
        else:
            event = services.create_edition(series, **fields.model_dump(), by=_user())
            db.session.commit()
            log.info("series %s: edition %s at %s", series.id, event.id, event.institution_id)
            flash(
                _(
                    "The edition is a draft event of %(host)s, which runs its call.",
                    host=event.institution.name,
                )
            )
            return redirect(url_for("series.detail", series_id=series.id, _anchor="editions"))
    return render_template(
        "series/new_edition.html", series=series, form=form, next_host=host
    ), 400 if form.errors else 200


@bp.app_template_global()
def may_manage_edition(event: Any) -> bool:
    """Tell whether the reader runs an edition's event (the series page links to it)."""
    return can_organise(current_user, event.institution)
