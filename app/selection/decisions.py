"""Decisions, sending them, and the places they give, with the waiting list behind them.

Services add and flush; the view (or the periodic task) commits once.

An accepted application holds a place of its track from the moment decisions are sent
(place OFFERED, with a deadline) until it is confirmed (CONFIRMED) or given back (DECLINED
by the applicant, EXPIRED at the deadline). Whenever a place is given back, `fill_places`
offers it to the next on the track's waiting list (lowest waiting_rank, still submitted),
who becomes ACCEPTED with an offer and a deadline of their own. Every change of a track's
places happens under a lock of the track's row (`lock_track`), so two answers at the same
instant are taken one after the other and a track never has more confirmed places than its
capacity.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.applications.models import Application, ApplicationStatus, Decision, PlaceStatus
from app.applications.services import issue_link
from app.core.extensions import aware, db, utcnow
from app.events.formatting import event_moment
from app.events.models import Event, MessageTemplate, TemplateKind, Track
from app.events.signals import counting_held_places, places_added
from app.mail.services import queue_mail
from app.selection import emails
from app.selection.services import SelectionRefused, standings

log = logging.getLogger(__name__)

# The most undecided applicants a refusal to send names; the rest are counted.
UNDECIDED_NAMED = 20


# Decisions


def _lock_tracks(*conditions: Any) -> list[int]:
    """Lock the rows of the tracks that meet the conditions until the commit, bumping their
    seats_version; return their ids.

    One UPDATE: on PostgreSQL it takes the rows' locks (a second transaction doing the same
    waits for the first to commit, then reads what it wrote); on SQLite it takes the
    database's write lock as its first act (a request that writes began with it already,
    BEGIN IMMEDIATE; the periodic task waits for it here, before reading anything).
    """
    return list(
        db.session.scalars(
            update(Track)
            .where(*conditions)
            .values(seats_version=Track.seats_version + 1)
            .returning(Track.id)
            # No figure of the plan's indicators counts seats_version (participation.records).
            .execution_options(synchronize_session=False, changes_no_figures=True)
        )
    )


def _fresh_track(track_id: int) -> Track:
    return db.session.scalars(
        select(Track).where(Track.id == track_id).execution_options(populate_existing=True)
    ).one()


def lock_track(track_id: int) -> Track:
    """Lock a track's row until the commit and bump its seats_version; return it fresh."""
    _lock_tracks(Track.id == track_id)
    return _fresh_track(track_id)


def track_application_ids(track: Track) -> list[int]:
    """Return the ids of a track's submitted applications, as the overview lists them."""
    return list(
        db.session.scalars(
            select(Application.id)
            .where(
                Application.track_id == track.id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .order_by(Application.submitted_at, Application.id)
        )
    )


def _track_applications(track_id: int) -> list[Application]:
    """Return a track's submitted applications afresh (after its lock was taken)."""
    return list(
        db.session.scalars(
            select(Application)
            .where(
                Application.track_id == track_id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .options(selectinload(Application.event), selectinload(Application.applicant))
            .order_by(Application.submitted_at, Application.id)
            .execution_options(populate_existing=True)
        )
    )


@dataclass(frozen=True)
class DecisionRow:
    """What the organiser chose for one application: a decision (or none) and, for the
    waiting list, a rank (or none: placed after the ranked ones, by score)."""

    application_id: int
    decision: str | None
    rank: int | None


def decide(event: Event, track: Track, rows: list[DecisionRow], now: datetime) -> int:
    """Save the decisions of a track's applications; return how many changed.

    Refused once decisions are sent, and when more would be accepted than the track has
    places. The waiting list is then numbered 1..n: by the rank typed, then by mean score
    (highest first), then by the time of applying.
    """
    if event.decisions_sent_at is not None:
        raise SelectionRefused(_("The decisions are sent: they can no longer be changed."))
    track = lock_track(track.id)
    applications = {a.id: a for a in _track_applications(track.id)}
    chosen = {row.application_id: row for row in rows if row.application_id in applications}
    accepted = sum(
        1
        for key, application in applications.items()
        if (chosen[key].decision if key in chosen else application.decision) == Decision.ACCEPTED
    )
    if accepted > track.capacity:
        raise SelectionRefused(
            ngettext(
                "%(track)s has %(num)d place: accept at most one (you chose %(accepted)d). "
                "Nothing was saved.",
                "%(track)s has %(num)d places: accept at most that many (you chose "
                "%(accepted)d). Nothing was saved.",
                track.capacity,
                track=track.title,
                accepted=accepted,
            )
        )
    changed = 0
    for key, row in chosen.items():
        application = applications[key]
        if application.decision != row.decision:
            application.decision = row.decision
            application.decided_at = now if row.decision else None
            changed += 1
    scores = standings(event)

    def order(application: Application) -> tuple[Any, ...]:
        typed = chosen[application.id].rank if application.id in chosen else None
        if typed is None:
            typed = application.waiting_rank if application.id not in chosen else None
        mean = scores[application.id].mean if application.id in scores else None
        return (
            typed if typed is not None else float("inf"),
            -(mean or 0),
            aware(application.submitted_at),
            application.id,
        )

    waiting = sorted(
        (a for a in applications.values() if a.decision == Decision.WAITING_LIST), key=order
    )
    for rank, application in enumerate(waiting, start=1):
        application.waiting_rank = rank
    for application in applications.values():
        if application.decision != Decision.WAITING_LIST:
            application.waiting_rank = None
    db.session.flush()
    return changed


# Sending the decisions


KIND_OF_DECISION = {
    Decision.ACCEPTED: TemplateKind.ACCEPTED,
    Decision.WAITING_LIST: TemplateKind.WAITING_LIST,
    Decision.DECLINED: TemplateKind.DECLINED,
}


def templates_of(event: Event) -> dict[tuple[str, str], MessageTemplate]:
    """Return the organiser's email texts of an event by (kind, language)."""
    return {
        (t.kind, t.language): t
        for t in db.session.scalars(
            select(MessageTemplate).where(MessageTemplate.event_id == event.id)
        )
    }


def event_start(event: Event) -> datetime:
    """Return the moment the event begins: midnight of its first day at its place, in UTC."""
    return event.to_utc(datetime.combine(event.starts_on, time()))


def _offer(application: Application, now: datetime) -> None:
    """Offer the place until the event's days to confirm have passed, or the event begins."""
    event = application.event
    application.place = PlaceStatus.OFFERED
    application.offered_at = now
    application.offer_deadline = min(
        now + timedelta(days=event.confirm_days), max(now, event_start(event))
    )
    application.answered_at = None


def _mail(
    application: Application,
    kind: str,
    templates: dict[tuple[str, str], MessageTemplate],
) -> None:
    link = issue_link(application.applicant) if kind in emails.OFFER_KINDS else None
    email = emails.decision_email(
        application, kind, templates.get((kind, application.language)), link
    )
    queue_mail(application.email, email.subject, email.body, language=email.language)


def send_decisions(event: Event, now: datetime) -> int:
    """Send every applicant the email of their decision, once; return how many were sent.

    Refused before the application window has closed (Event.decisions_may_be_sent), while
    an application has no decision, and while a track has more accepted than places.
    Offers the accepted their places, with the event's days to confirm. Applications whose
    decision was sent already are skipped, so a second send sends nothing.
    """
    if not event.decisions_may_be_sent(now):
        raise SelectionRefused(
            _(
                "Decisions can be sent only after the application window has closed (%(time)s).",
                time=event_moment(event, event.closes_at, closing=True),
            )
        )
    # Of two sends at the same instant, the second waits here and then finds all sent.
    db.session.refresh(event, with_for_update=True)
    applications = list(
        db.session.scalars(
            select(Application)
            .where(
                Application.event_id == event.id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .options(selectinload(Application.track), selectinload(Application.applicant))
            .order_by(Application.track_id, Application.submitted_at, Application.id)
            .execution_options(populate_existing=True)
        )
    )
    undecided = [a for a in applications if a.decision is None]
    if undecided:
        names = [a.name for a in undecided[:UNDECIDED_NAMED]]
        if len(undecided) > UNDECIDED_NAMED:
            rest = len(undecided) - UNDECIDED_NAMED
            names.append(ngettext("and %(num)d more", "and %(num)d more", rest))
        raise SelectionRefused(
            ngettext(
                "%(num)d application has no decision yet: decide on it first.",
                "%(num)d applications have no decision yet: decide on them first.",
                len(undecided),
            ),
            names,
        )
    accepted = Counter(a.track_id for a in applications if a.decision == Decision.ACCEPTED)
    over = [t.title for t in event.tracks if accepted[t.id] > t.capacity]
    if over:
        raise SelectionRefused(_("These tracks have more accepted applications than places:"), over)
    templates = templates_of(event)
    sent = 0
    for application in applications:
        if application.decision_sent_at is not None:
            continue
        if application.decision == Decision.ACCEPTED:
            _offer(application, now)
        _mail(application, KIND_OF_DECISION[Decision(application.decision)], templates)
        application.decision_sent_at = now
        sent += 1
    if event.decisions_sent_at is None:
        event.decisions_sent_at = now
    db.session.flush()
    log.info("decisions of event %s sent: %s emails", event.id, sent)
    return sent


def save_template(event: Event, kind: str, language: str, subject: str, body: str) -> None:
    """Save the organiser's text of an email kind in a language; empty text restores the
    default."""
    existing = db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.event_id == event.id,
            MessageTemplate.kind == kind,
            MessageTemplate.language == language,
        )
    )
    if not subject.strip() and not body.strip():
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(
            MessageTemplate(event=event, kind=kind, language=language, subject=subject, body=body)
        )
    else:
        existing.subject, existing.body = subject, body
    db.session.flush()


# Offered places and the waiting list


class OfferAnswer:
    """What an applicant may answer to a place: take it, or give it back."""

    CONFIRM = "confirm"
    DECLINE = "decline"


def fill_places(track: Track, now: datetime) -> list[Application]:
    """Offer a locked track's free places to the next on its waiting list; return them.

    Free places: capacity less the places offered or confirmed. Only once the event's
    decisions are sent (before that nobody holds a place), and before the event begins. The promoted are ACCEPTED, with
    an offer and a deadline of their own, and are written to with the PROMOTED email.
    """
    event = track.event
    if event.decisions_sent_at is None or now >= event_start(event):
        return []
    applications = _track_applications(track.id)
    held = sum(1 for a in applications if a.place in (PlaceStatus.OFFERED, PlaceStatus.CONFIRMED))
    waiting = sorted(
        (
            a
            for a in applications
            if a.decision == Decision.WAITING_LIST and a.decision_sent_at is not None
        ),
        key=lambda a: (a.waiting_rank or 10**9, aware(a.submitted_at), a.id),
    )
    free = max(0, track.capacity - held)
    promoted = waiting[:free]
    templates = templates_of(event) if promoted else {}
    for application in promoted:
        application.decision = Decision.ACCEPTED
        application.decided_at = now
        application.promoted_at = now
        application.waiting_rank = None
        _offer(application, now)
        _mail(application, TemplateKind.PROMOTED, templates)
        log.info("application %s promoted from the waiting list", application.id)
    # The ones left keep their order, numbered again from 1.
    for rank, application in enumerate(waiting[free:], start=1):
        application.waiting_rank = rank
    db.session.flush()
    return promoted


def _receipt(application: Application) -> None:
    """Mail the applicant what their answer to the offer did."""
    email = emails.place_answer_email(application)
    queue_mail(application.email, email.subject, email.body, language=email.language)


def answer_offer(application: Application, answer: str, now: datetime) -> str:
    """Confirm or decline an applicant's place; return the place's new status.

    Confirming needs an open offer (before its deadline) and a free place of the track's
    capacity; declining may also give back a confirmed place, until the event starts. A
    declined place goes at once to the next on the waiting list.
    """
    track = lock_track(application.track_id)
    db.session.refresh(application)
    event = application.event
    if application.visible_decision(now) != Decision.ACCEPTED:
        raise SelectionRefused(_("There is no place offered to you."))
    if answer == OfferAnswer.CONFIRM:
        if application.place == PlaceStatus.CONFIRMED:
            return application.place
        if not application.offer_open(now):
            raise SelectionRefused(_("The offer has expired: the place can no longer be taken."))
        confirmed = db.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(
                Application.track_id == track.id,
                Application.status == ApplicationStatus.SUBMITTED,
                Application.place == PlaceStatus.CONFIRMED,
            )
        )
        if confirmed >= track.capacity:
            raise SelectionRefused(
                _(
                    "All places of the track are taken. Write to the organisers at "
                    "%(email)s if you have questions.",
                    email=event.contact_email or "—",
                )
            )
        application.place = PlaceStatus.CONFIRMED
        application.answered_at = now
        db.session.flush()
        _receipt(application)
        log.info("application %s confirmed its place", application.id)
        return application.place
    if answer == OfferAnswer.DECLINE:
        if application.place == PlaceStatus.CONFIRMED and now >= event_start(event):
            raise SelectionRefused(_("The event has started: write to the organisers instead."))
        if not (application.place == PlaceStatus.CONFIRMED or application.offer_open(now)):
            raise SelectionRefused(_("There is no place offered to you."))
        application.place = PlaceStatus.DECLINED
        application.answered_at = now
        db.session.flush()
        _receipt(application)
        log.info("application %s declined its place", application.id)
        fill_places(track, now)
        return application.place
    raise SelectionRefused(_("Choose to confirm or to decline the place."))


def expire_offers(now: datetime) -> int:
    """Let offers past their deadline lapse and offer their places on; return how many lapsed.

    Idempotent: a lapsed offer is EXPIRED and is not met again. The tracks that have one
    are locked first, before anything is read.
    """
    lapsing = (
        select(Application.track_id)
        .where(Application.place == PlaceStatus.OFFERED, Application.offer_deadline <= now)
        .scalar_subquery()
    )
    lapsed = 0
    for track_id in sorted(_lock_tracks(Track.id.in_(lapsing))):
        track = _fresh_track(track_id)
        for application in _track_applications(track_id):
            if (
                application.place == PlaceStatus.OFFERED
                and application.offer_deadline is not None
                and aware(application.offer_deadline) <= now
            ):
                application.place = PlaceStatus.EXPIRED
                lapsed += 1
                log.info("offer of application %s expired", application.id)
        db.session.flush()
        fill_places(track, now)
    return lapsed


def held_places(track: Track) -> int:
    """Lock a track's seats and return how many of its places are offered or confirmed."""
    lock_track(track.id)
    return sum(
        1
        for a in _track_applications(track.id)
        if a.place in (PlaceStatus.OFFERED, PlaceStatus.CONFIRMED)
    )


def offer_added_places(track: Track) -> None:
    """Offer a track's new places to its waiting list (once decisions are sent)."""
    fill_places(lock_track(track.id), utcnow())


# The organiser changes a track's places on the events package's pages: it asks here.
counting_held_places.connect(held_places)
places_added.connect(offer_added_places)
