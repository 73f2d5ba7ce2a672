"""Selecting: loading an event for its organisers and committee, the rubric, the
committee's reviews and the organiser's overview of them. Decisions, sending them and the
places they give are in `decisions.py`.

Services add and flush; the view (or the periodic task) commits once.

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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import abort
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.applications.models import (
    Answer,
    Application,
    ApplicationStatus,
    Decision,
    PlaceStatus,
)
from app.core.extensions import db
from app.events.models import (
    CRITERIA_MAX,
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    Event,
    RubricCriterion,
    Track,
)
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
# Share of the accepted above which one country is too many (strictly more than half).
COUNTRY_SHARE_MAX = Fraction(1, 2)


class SelectionRefused(Exception):
    """An action the selection rules refuse; the message (and items) are for people."""

    def __init__(self, message: str, items: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.items = items or []


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
) -> tuple[list[Application], int]:
    """Return the submitted applications of the given tracks a reviewer may see, by track,
    and how many more of those tracks are left out as conflicts of interest."""
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
    applications = list(found)
    shown = [application for application in applications if not conflicted(reviewer, application)]
    return shown, len(applications) - len(shown)


def require_reviewable(
    event: Event,
    track_ids: set[int],
    reviewer: Reviewer,
    application_id: int,
    *,
    organiser: bool = False,
) -> Application:
    """Return an application the reviewer may review, with its answers; 404 for any other
    (another event's, another track's, withdrawn, or in conflict with the reviewer).

    An organiser may also read one in conflict, to decide on it (an applicant from the host is
    scored by nobody when the whole committee is of the host); the page takes no score then.
    """
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
        or (conflicted(reviewer, application) and not organiser)
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
        """Return the country that has more than half of the accepted, if one has and the
        organiser had a choice: two accepted at least, from applicants of several countries
        (one place, or applicants of one country only, leave nothing to balance)."""
        countries = self.accepted_spreads.countries if self.accepted_spreads else None
        applied = self.applied_spreads.countries if self.applied_spreads else None
        if not countries or not applied or countries.people < 2 or len(applied.counts) < 2:
            return None
        if countries.largest and countries.largest_share > COUNTRY_SHARE_MAX:
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
