"""Factories of the events feature's rows, shared by the tests of events, applications,
selection and participation: plain functions that add, commit and return a row.

The Helsinki-like default: an event 6 to 8 May 2026, its window 14 January to 13 February
2026 in Europe/Helsinki (open from 00:00 of the first day to 00:00 after the last).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from app.applications.models import Applicant, Application, ApplicationStatus
from app.core.extensions import db
from app.events.models import (
    CommitteeMember,
    Event,
    EventStatus,
    Question,
    QuestionKind,
    RubricCriterion,
    Track,
    token_digest,
)

# The window's edges in UTC: Helsinki is UTC+2 in winter.
OPENS = datetime(2026, 1, 13, 22, 0, tzinfo=UTC)  # 14 Jan 00:00 in Helsinki
CLOSES = datetime(2026, 2, 13, 22, 0, tzinfo=UTC)  # 14 Feb 00:00 in Helsinki: 13 Feb is in
DURING = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
AFTER = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)


def make_event(institution: Any, **overrides: Any) -> Event:
    """Add a published event of the institution with the Helsinki dates and window."""
    event = Event(
        institution=institution,
        title=overrides.pop("title", "International Staff Training Days 2026"),
        starts_on=overrides.pop("starts_on", date(2026, 5, 6)),
        ends_on=overrides.pop("ends_on", date(2026, 5, 8)),
        timezone=overrides.pop("timezone", "Europe/Helsinki"),
        status=overrides.pop("status", EventStatus.PUBLISHED),
        opens_at=overrides.pop("opens_at", OPENS),
        closes_at=overrides.pop("closes_at", CLOSES),
        place=overrides.pop("place", "Helsinki"),
        contact_email=overrides.pop("contact_email", "staffweek@example.org"),
        **overrides,
    )
    db.session.add(event)
    db.session.commit()
    return event


def make_track(event: Event, title: str = "Global mobility networks", **overrides: Any) -> Track:
    """Add a track to an event (20 places unless told)."""
    track = Track(
        event=event,
        title=title,
        capacity=overrides.pop("capacity", 20),
        position=overrides.pop("position", len(event.tracks)),
        target_group=overrides.pop("target_group", "Mobility staff of international offices"),
        topics=overrides.pop("topics", ["mobility networks"]),
        **overrides,
    )
    db.session.add(track)
    db.session.commit()
    return track


def make_question(track: Track, prompt: str = "Why this track?", **overrides: Any) -> Question:
    """Add a question to a track (a required short text unless told)."""
    question = Question(
        track=track,
        prompt=prompt,
        kind=overrides.pop("kind", QuestionKind.SHORT_TEXT),
        required=overrides.pop("required", True),
        position=overrides.pop("position", len(track.questions)),
        **overrides,
    )
    db.session.add(question)
    db.session.commit()
    return question


def make_criterion(
    event: Event, title: str = "Fit with the track", weight: int = 1
) -> RubricCriterion:
    """Add a rubric criterion to an event."""
    criterion = RubricCriterion(
        event=event, title=title, weight=weight, position=len(event.criteria)
    )
    db.session.add(criterion)
    db.session.commit()
    return criterion


def make_member(track: Track, user: Any) -> CommitteeMember:
    """Put a user on the committee of a track."""
    member = CommitteeMember(event_id=track.event_id, track=track, user=user)
    db.session.add(member)
    db.session.commit()
    return member


def make_applicant(
    event: Event, email: str = "applicant@uni.example", **overrides: Any
) -> tuple[Applicant, str]:
    """Add a verified applicant; return it and the secret token of its link."""
    token = secrets.token_urlsafe(32)
    applicant = Applicant(
        event=event,
        email=email,
        token_digest=token_digest(token),
        language=overrides.pop("language", "en"),
        verified_at=overrides.pop("verified_at", DURING),
        **overrides,
    )
    db.session.add(applicant)
    db.session.commit()
    return applicant, token


def make_application(
    track: Track, email: str = "applicant@uni.example", **overrides: Any
) -> Application:
    """Add a submitted application to a track, with its applicant."""
    applicant = overrides.pop("applicant", None)
    if applicant is None:
        applicant, _token = make_applicant(
            track.event, email, language=overrides.get("language", "en")
        )
    application = Application(
        event=track.event,
        applicant=applicant,
        track=track,
        email=applicant.email,
        name=overrides.pop("name", "Aino Applicant"),
        current_role=overrides.pop("current_role", "Mobility coordinator"),
        institution_name=overrides.pop("institution_name", "University of Elsewhere"),
        country=overrides.pop("country", "DE"),
        status=overrides.pop("status", ApplicationStatus.SUBMITTED),
        submitted_at=overrides.pop("submitted_at", DURING),
        consent_at=overrides.pop("consent_at", DURING),
        **overrides,
    )
    db.session.add(application)
    db.session.commit()
    return application


def make_review(application: Application, reviewer: Any, scores: dict[Any, int], comment: str = ""):
    """Add a reviewer's review of an application: scores by criterion (row) 1..5."""
    from app.selection.models import Review, ReviewScore

    review = Review(application=application, reviewer=reviewer, comment=comment)
    review.scores = [ReviewScore(criterion=c, value=v) for c, v in scores.items()]
    db.session.add(review)
    db.session.commit()
    return review


def make_participant(
    track: Track, email: str = "participant@uni.example", **overrides: Any
) -> tuple[Application, str]:
    """Add an accepted application whose place is confirmed; return it and its link's token.

    The event's decisions are marked sent (after the window's close) unless they were.
    """
    from app.applications.models import Decision, PlaceStatus

    event = track.event
    if event.decisions_sent_at is None:
        event.decisions_sent_at = AFTER
    applicant, token = make_applicant(event, email, language=overrides.get("language", "en"))
    application = make_application(
        track,
        email,
        applicant=applicant,
        decision=overrides.pop("decision", Decision.ACCEPTED),
        decided_at=overrides.pop("decided_at", AFTER),
        decision_sent_at=overrides.pop("decision_sent_at", AFTER),
        place=overrides.pop("place", PlaceStatus.CONFIRMED),
        offered_at=overrides.pop("offered_at", AFTER),
        answered_at=overrides.pop("answered_at", AFTER),
        **overrides,
    )
    return application, token
