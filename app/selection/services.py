"""Selecting: the rubric, the committee's reviews, the organiser's decisions, sending them,
and the offered places with the waiting list behind them.

Services add and flush; the view (or the periodic task) commits once.

Places and the waiting list. An accepted application holds a place of its track from the
moment decisions are sent (place OFFERED, with a deadline) until it is confirmed (CONFIRMED)
or given back (DECLINED by the applicant, EXPIRED at the deadline). Whenever a place is given
back, `fill_places` offers it to the next on the track's waiting list (lowest waiting_rank,
still submitted), who becomes ACCEPTED with an offer and a deadline of their own. Every change
of a track's places happens under a lock of the track's row (`lock_track`), so two answers at
the same instant are taken one after the other and a track never has more confirmed places
than its capacity.

Conflicts of interest (`conflicted`): a reviewer never sees nor reaches an application
 - from the host institution (its home institution is the event's institution), or
 - from an institution where the reviewer holds a role (by the known institution, or by the
   institution's name as the applicant typed it, compared without case), or
 - whose email address shares its domain with the reviewer's (the same domain, or one
   inside the other: staff.uni.fi and uni.fi), unless the domain is a public mail service
   that anyone may use (PUBLIC_MAIL_DOMAINS).
The organiser's overview lists every application all the same: deciding is not reviewing.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.applications.models import (
    Answer,
    Applicant,
    Application,
    ApplicationStatus,
    Decision,
    PlaceStatus,
)
from app.core.extensions import aware, db
from app.core.urls import external_url
from app.events.models import (
    CRITERIA_MAX,
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    CommitteeMember,
    Event,
    MessageTemplate,
    RubricCriterion,
    TemplateKind,
    Track,
    token_digest,
)
from app.institutions.models import Institution
from app.mail.services import queue_mail
from app.permissions import can_organise, require_organiser, role_in
from app.selection import emails
from app.selection.models import COMMENT_MAX, Review, ReviewScore
from app.selection.scoring import Standing, standing, weighted_mean

log = logging.getLogger(__name__)

# Domains of public mail services: sharing one says nothing about a shared employer.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
    }
)
# The most undecided applicants a refusal to send names; the rest are counted.
UNDECIDED_NAMED = 20
# Share of the accepted above which one country is too many (strictly more than half).
COUNTRY_SHARE_MAX = Fraction(1, 2)


class SelectionRefused(Exception):
    """An action the selection rules refuse; the message (and items) are for people."""

    def __init__(self, message: str, items: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.items = items or []


# Loading, with the permission checks


def get_event(slug: str, event_id: int) -> Event | None:
    """Return an institution's event (with its institution, tracks and rubric), or None."""
    return db.session.scalar(
        select(Event)
        .join(Institution, Event.institution_id == Institution.id)
        .where(Event.id == event_id, Institution.slug == slug)
        .options(
            selectinload(Event.institution),
            selectinload(Event.tracks),
            selectinload(Event.criteria),
        )
    )


def require_event(slug: str, event_id: int, user: Any) -> Event:
    """Load an event for its organisers: 404 to outsiders and for another institution's
    event, 403 to members who do not organise events."""
    event = get_event(slug, event_id)
    if event is None:
        abort(404)
    require_organiser(user, event.institution)
    return event


def require_event_for_review(slug: str, event_id: int, user: Any) -> tuple[Event, set[int]]:
    """Load an event for reviewing, with the ids of the tracks the user may review: every
    track for organisers, their own tracks for committee members; 403 to anyone else of the
    institution, 404 to outsiders."""
    event = get_event(slug, event_id)
    if event is None or role_in(user, event.institution) is None:
        abort(404)
    if can_organise(user, event.institution):
        return event, {track.id for track in event.tracks}
    mine = set(
        db.session.scalars(
            select(CommitteeMember.track_id).where(
                CommitteeMember.event_id == event.id, CommitteeMember.user_id == user.id
            )
        )
    )
    if not mine:
        abort(403, description=_("You are not on the selection committee of this event."))
    return event, mine


def application_for_token(token: str) -> Application:
    """Return the application behind an applicant's secret link, or answer 404."""
    application = db.session.scalar(
        select(Application)
        .join(Applicant, Application.applicant_id == Applicant.id)
        .where(Applicant.token_digest == token_digest(token))
        .options(selectinload(Application.event), selectinload(Application.track))
    )
    if application is None:
        abort(404)
    return application


def applicant_link(application: Application) -> str:
    """Give the applicant a fresh secret link to their page and return its address.

    Only a digest of a link is kept, so an email that carries the link makes a new one; the
    link of an earlier email then stops working (a new one can be asked for on the call).
    """
    token = secrets.token_urlsafe(32)
    application.applicant.token_digest = token_digest(token)
    return external_url("applications.own", token=token)


# Conflicts of interest


@dataclass(frozen=True)
class Reviewer:
    """What a reviewer's conflicts of interest are judged by."""

    user_id: int
    institution_ids: frozenset[int]
    institution_names: frozenset[str]
    email_domain: str


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def reviewer_for(user: User, event: Event) -> Reviewer:
    """Return a reviewer's conflicts: the host and every institution where they hold a role."""
    institutions = [event.institution, *(role.institution for role in user.roles)]
    return Reviewer(
        user_id=user.id,
        institution_ids=frozenset(i.id for i in institutions),
        institution_names=frozenset(i.name.strip().casefold() for i in institutions),
        email_domain=_domain(user.email),
    )


def _same_domain(one: str, other: str) -> bool:
    if not one or not other or one in PUBLIC_MAIL_DOMAINS or other in PUBLIC_MAIL_DOMAINS:
        return False
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def conflicted(reviewer: Reviewer, application: Application) -> bool:
    """Tell whether a reviewer may not review an application (see the module's rule)."""
    if application.home_institution_id in reviewer.institution_ids:
        return True
    typed = application.institution_name.strip().casefold()
    if typed and typed in reviewer.institution_names:
        return True
    return _same_domain(_domain(application.email), reviewer.email_domain)


def reviewable_applications(
    event: Event, track_ids: set[int], reviewer: Reviewer
) -> list[Application]:
    """Return the submitted applications of the given tracks a reviewer may see, by track."""
    found = db.session.scalars(
        select(Application)
        .join(Track, Application.track_id == Track.id)
        .where(
            Application.event_id == event.id,
            Application.status == ApplicationStatus.SUBMITTED,
            Application.track_id.in_(track_ids or {-1}),
        )
        .options(selectinload(Application.track))
        .order_by(Track.position, Track.id, Application.submitted_at, Application.id)
    )
    return [application for application in found if not conflicted(reviewer, application)]


def require_reviewable(
    event: Event, track_ids: set[int], reviewer: Reviewer, application_id: int
) -> Application:
    """Return an application the reviewer may review, with its answers; 404 for any other
    (another event's, another track's, withdrawn, or in conflict with the reviewer)."""
    application = db.session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.event_id == event.id)
        .options(
            selectinload(Application.answers).selectinload(Answer.question),
            selectinload(Application.track),
            selectinload(Application.second_track),
            selectinload(Application.home_institution),
        )
    )
    if (
        application is None
        or application.status != ApplicationStatus.SUBMITTED
        or application.track_id not in track_ids
        or conflicted(reviewer, application)
    ):
        abort(404)
    return application


# The rubric


def add_criterion(event: Event, title: str, description: str, weight: int) -> RubricCriterion:
    """Add a criterion at the end of the rubric (at most CRITERIA_MAX)."""
    if len(event.criteria) >= CRITERIA_MAX:
        raise SelectionRefused(
            ngettext(
                "A rubric has at most %(num)d criterion.",
                "A rubric has at most %(num)d criteria.",
                CRITERIA_MAX,
            )
        )
    criterion = RubricCriterion(
        title=title,
        description=description,
        weight=max(1, min(WEIGHT_MAX, weight)),
        position=len(event.criteria),
    )
    event.criteria.append(criterion)
    db.session.flush()
    return criterion


def require_criterion(event: Event, criterion_id: int) -> RubricCriterion:
    """Return one of the event's criteria, or stop with a 404."""
    criterion = next((c for c in event.criteria if c.id == criterion_id), None)
    if criterion is None:
        abort(404)
    return criterion


def update_criterion(criterion: RubricCriterion, title: str, description: str, weight: int) -> None:
    """Change a criterion's title, description and weight."""
    criterion.title, criterion.description = title, description
    criterion.weight = max(1, min(WEIGHT_MAX, weight))
    db.session.flush()


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def move_criterion(event: Event, criterion: RubricCriterion, step: int) -> None:
    """Move a criterion one place up (-1) or down (+1) in the rubric."""
    items = list(event.criteria)
    index = items.index(criterion)
    target = max(0, min(len(items) - 1, index + step))
    items.insert(target, items.pop(index))
    _renumber(items)
    db.session.flush()


def remove_criterion(event: Event, criterion: RubricCriterion) -> None:
    """Remove a criterion and the scores given on it (the means are then over the rest)."""
    event.criteria.remove(criterion)
    db.session.delete(criterion)
    _renumber(list(event.criteria))
    db.session.flush()


# Reviews


def review_of(application: Application, user: User) -> Review | None:
    """Return a reviewer's review of an application, with its scores, if there is one."""
    return db.session.scalar(
        select(Review)
        .where(Review.application_id == application.id, Review.reviewer_id == user.id)
        .options(selectinload(Review.scores))
    )


def reviews_of(application: Application) -> list[Review]:
    """Return every review of an application, with reviewers and scores (for organisers)."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.application_id == application.id)
            .options(
                selectinload(Review.reviewer),
                selectinload(Review.scores).selectinload(ReviewScore.criterion),
            )
            .order_by(Review.created_at, Review.id)
        )
    )


def review_mean(review: Review) -> Fraction | None:
    """Return a review's weighted mean over the criteria it scored."""
    return weighted_mean((score.criterion.weight, score.value) for score in review.scores)


def save_review(
    application: Application, user: User, scores: dict[int, int], comment: str
) -> Review:
    """Save a reviewer's scores (criterion id → 1..5) and comment on an application."""
    review = review_of(application, user)
    if review is None:
        review = Review(application=application, reviewer=user)
        db.session.add(review)
    review.comment = comment[:COMMENT_MAX]
    existing = {score.criterion_id: score for score in review.scores}
    for criterion in application.event.criteria:
        value = scores.get(criterion.id)
        if value is None or not SCORE_MIN <= value <= SCORE_MAX:
            continue
        if criterion.id in existing:
            existing[criterion.id].value = value
        else:
            review.scores.append(ReviewScore(criterion=criterion, value=value))
    db.session.flush()
    return review


def reviewed_ids(event: Event, user: User) -> set[int]:
    """Return the ids of the event's applications a user has reviewed."""
    return set(
        db.session.scalars(
            select(Review.application_id)
            .join(Application, Review.application_id == Application.id)
            .where(Application.event_id == event.id, Review.reviewer_id == user.id)
        )
    )


def standings(event: Event) -> dict[int, Standing]:
    """Return every reviewed application's standing (mean, reviewers, disagreement), by id,
    from one query of the event's scores."""
    rows = db.session.execute(
        select(Review.application_id, Review.id, RubricCriterion.weight, ReviewScore.value)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(RubricCriterion, ReviewScore.criterion_id == RubricCriterion.id)
        .join(Application, Review.application_id == Application.id)
        .where(Application.event_id == event.id)
    )
    by_review: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for application_id, review_id, weight, value in rows:
        by_review.setdefault((application_id, review_id), []).append((weight, value))
    by_application: dict[int, list[Fraction | None]] = {}
    for (application_id, _review), pairs in by_review.items():
        by_application.setdefault(application_id, []).append(weighted_mean(pairs))
    margin = Decimal(event.disagreement_margin)
    return {key: standing(means, margin) for key, means in by_application.items()}


# The organiser's overview


def holds_place(application: Application) -> bool:
    """Tell whether an application is accepted and has not given its place back."""
    return (
        application.status == ApplicationStatus.SUBMITTED
        and application.decision == Decision.ACCEPTED
        and application.place not in (PlaceStatus.DECLINED, PlaceStatus.EXPIRED)
    )


def institution_of(application: Application) -> str:
    """Return the applicant's institution as shown: the known one, else as typed."""
    if application.home_institution is not None:
        return application.home_institution.name
    return application.institution_name.strip()


@dataclass(frozen=True)
class Spread:
    """How one attribute (country, institution, network) spreads over a group of people."""

    people: int
    counts: list[tuple[str, int]]  # value and count, most frequent first

    @property
    def largest(self) -> tuple[str, int] | None:
        """Return the most frequent value and its count."""
        return self.counts[0] if self.counts else None

    @property
    def largest_share(self) -> Fraction:
        """Return the largest value's share of the people (0 when there are none)."""
        if not self.counts or not self.people:
            return Fraction(0)
        return Fraction(self.counts[0][1], self.people)


def spread(values: Iterable[Iterable[str]], people: int) -> Spread:
    """Count values (each person may have several, as networks), grouping spellings that
    differ only in case; the first spelling met names the group."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for own in values:
        for value in {v.strip().casefold(): v.strip() for v in own if v and v.strip()}.items():
            key, spelled = value
            shown.setdefault(key, spelled)
            counts[key] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], shown[item[0]]))
    return Spread(people=people, counts=[(shown[key], count) for key, count in ordered])


@dataclass
class Spreads:
    """The spread of countries, institutions and networks over a group."""

    countries: Spread
    institutions: Spread
    networks: Spread


def spreads(applications: list[Application]) -> Spreads:
    """Return how countries, institutions and networks spread over applications."""
    people = len(applications)
    return Spreads(
        countries=spread(([a.country] for a in applications), people),
        institutions=spread(([institution_of(a)] for a in applications), people),
        networks=spread((a.networks or [] for a in applications), people),
    )


@dataclass
class TrackOverview:
    """One track as the organiser decides on it."""

    track: Track
    applications: list[Application]
    withdrawn: int
    accepted: list[Application] = field(default_factory=list)
    confirmed: int = 0
    applied_spreads: Spreads | None = None
    accepted_spreads: Spreads | None = None

    @property
    def country_warning(self) -> tuple[str, int] | None:
        """Return the country that has more than half of the accepted, if one has."""
        countries = self.accepted_spreads.countries if self.accepted_spreads else None
        if countries and countries.largest and countries.largest_share > COUNTRY_SHARE_MAX:
            return countries.largest
        return None


def overview(event: Event) -> list[TrackOverview]:
    """Return every track with its applications (submitted), accepted ones and spreads, from
    one query of applications."""
    found = list(
        db.session.scalars(
            select(Application)
            .where(Application.event_id == event.id)
            .options(selectinload(Application.home_institution))
            .order_by(Application.submitted_at, Application.id)
        )
    )
    tracks = []
    for track in event.tracks:
        own = [a for a in found if a.track_id == track.id]
        submitted = [a for a in own if a.status == ApplicationStatus.SUBMITTED]
        accepted = [a for a in submitted if holds_place(a)]
        tracks.append(
            TrackOverview(
                track=track,
                applications=submitted,
                withdrawn=len(own) - len(submitted),
                accepted=accepted,
                confirmed=sum(1 for a in accepted if a.place == PlaceStatus.CONFIRMED),
                applied_spreads=spreads(submitted),
                accepted_spreads=spreads(accepted),
            )
        )
    return tracks


# Decisions


def lock_track(track_id: int) -> Track:
    """Lock a track's row until the commit and bump its seats_version; return it fresh.

    The UPDATE takes the row's lock on PostgreSQL (a second transaction doing the same
    waits for the first to commit, then reads what it wrote), and on SQLite it takes the
    database's write lock, if the request did not begin with it already (BEGIN IMMEDIATE).
    """
    db.session.execute(
        update(Track)
        .where(Track.id == track_id)
        .values(seats_version=Track.seats_version + 1)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalars(
        select(Track).where(Track.id == track_id).execution_options(populate_existing=True)
    ).one()


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


def _offer(application: Application, now: datetime) -> None:
    application.place = PlaceStatus.OFFERED
    application.offered_at = now
    application.offer_deadline = now + timedelta(days=application.event.confirm_days)
    application.answered_at = None


def _mail(
    application: Application,
    kind: str,
    templates: dict[tuple[str, str], MessageTemplate],
) -> None:
    link = applicant_link(application) if kind in emails.OFFER_KINDS else None
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
                time=emails.event_moment(event, event.closes_at),
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
    decisions are sent (before that nobody holds a place). The promoted are ACCEPTED, with
    an offer and a deadline of their own, and are written to with the PROMOTED email.
    """
    event = track.event
    if event.decisions_sent_at is None:
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
        log.info("application %s confirmed its place", application.id)
        return application.place
    if answer == OfferAnswer.DECLINE:
        if application.place == PlaceStatus.CONFIRMED and now.date() >= event.starts_on:
            raise SelectionRefused(_("The event has started: write to the organisers instead."))
        if not (application.place == PlaceStatus.CONFIRMED or application.offer_open(now)):
            raise SelectionRefused(_("There is no place offered to you."))
        application.place = PlaceStatus.DECLINED
        application.answered_at = now
        db.session.flush()
        log.info("application %s declined its place", application.id)
        fill_places(track, now)
        return application.place
    raise SelectionRefused(_("Choose to confirm or to decline the place."))


def expire_offers(now: datetime) -> int:
    """Let offers past their deadline lapse and offer their places on; return how many lapsed.

    Idempotent: a lapsed offer is EXPIRED and is not met again.
    """
    due_tracks = set(
        db.session.scalars(
            select(Application.track_id).where(
                Application.place == PlaceStatus.OFFERED,
                Application.offer_deadline <= now,
            )
        )
    )
    lapsed = 0
    for track_id in sorted(due_tracks):
        track = lock_track(track_id)
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
