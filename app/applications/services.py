"""Reads and writes of applying. Functions add and flush; the caller commits.

An applicant's link carries a random secret token of which only the digest is stored. Asking
for a link again (or any email that carries the link: see `issue_link`) gives a new token and
the old link stops working: there is one digest column, and a forwarded or leaked link is
taken back by asking for a new one.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.services import normalise_email
from app.applications import emails
from app.applications.models import (
    APPLICATIONS_MAX,
    Answer,
    Applicant,
    Application,
    ApplicationStatus,
    consent_digest_of,
)
from app.applications.signals import application_erased
from app.core.errors import NotFoundWithWayOn
from app.core.extensions import aware, db
from app.core.urls import external_url
from app.events.models import Event, EventStatus, Question, QuestionKind, Track, token_digest
from app.events.signals import counting_applications
from app.institutions.models import Institution, Network
from app.mail.models import MailStatus, OutboxMessage
from app.mail.services import queue_mail

log = logging.getLogger(__name__)

# A new link to one address at most this often; asking sooner answers the same, mails nothing.
LINK_INTERVAL = timedelta(minutes=1)
# The longest token a link may carry: ours are 43 characters (secrets.token_urlsafe(32)).
TOKEN_MAX = 100
# Applications erased per run of the periodic task; the next run takes the rest.
ERASE_BATCH = 200
# Networks offered as checkboxes, at most (the rest can be typed).
KNOWN_NETWORKS_MAX = 100


class Conflict(Exception):
    """The application was sent or changed meanwhile (another window, another device)."""


class EventFull(Exception):
    """The event has taken as many applications as it ever takes (APPLICATIONS_MAX)."""


@dataclass
class Submission:
    """What an applicant sent, checked by the form: the questions of everyone and the answers
    to the chosen track's questions (by question id: a string, a list of strings or a bool)."""

    track_id: int
    second_track_id: int | None
    name: str
    current_role: str
    background: str
    institution_name: str
    country: str
    networks: list[str]
    list_consent: bool
    plan_consent: bool = False
    answers: dict[int, Any] = field(default_factory=dict)


# --- the event and its invitation -------------------------------------------------------------


@counting_applications.connect
def count_applications(sender: Event, track_ids: list[int]) -> dict[int, int]:
    """Answer the events package: how many applications each track has (withdrawn ones too,
    as they still hold the track)."""
    if not track_ids:
        return {}
    rows = db.session.execute(
        select(Application.track_id, func.count())
        .where(Application.track_id.in_(track_ids))
        .group_by(Application.track_id)
    )
    return {track_id: number for track_id, number in rows.all()}


def public_event(event_id: int) -> Event | None:
    """Return a published or cancelled event by id (a draft is nobody's business here)."""
    event = db.session.get(Event, event_id) if event_id else None
    if event is None or event.status == EventStatus.DRAFT:
        return None
    return event


def invitation_valid(event: Event, token: str | None) -> bool:
    """Tell whether someone may ask for a link: anyone, or for an invitation-only event the
    holder of its invitation link."""
    if not event.invitation_only:
        return True
    if not token or len(token) > TOKEN_MAX or not event.invitation_digest:
        return False
    return hmac.compare_digest(token_digest(token), event.invitation_digest)


# --- links ------------------------------------------------------------------------------------


def issue_link(applicant: Applicant, endpoint: str = "applications.own") -> str:
    """Give the applicant a new secret link and return its address, to their page or to
    another page of theirs (`endpoint`, taking the token); the old link stops working.

    For every email that carries the applicant's link (decisions, offers, feedback): only the
    digest is stored, so a link can be mailed only when it is made.
    """
    token = secrets.token_urlsafe(32)
    applicant.token_digest = token_digest(token)
    return external_url(endpoint, token=token)


def link_of(token: str) -> str:
    """Return the address of the applicant page a token opens (from configuration)."""
    return external_url("applications.own", token=token)


def _applicant_by_email(event: Event, email: str) -> Applicant | None:
    return db.session.scalar(
        select(Applicant).where(Applicant.event_id == event.id, Applicant.email == email)
    )


def _add_applicant(event: Event, email: str, language: str) -> Applicant:
    """Add the applicant of an address, or return the one a simultaneous request just added."""
    applicant = Applicant(
        event_id=event.id,
        email=email,
        language=language,
        token_digest=token_digest(secrets.token_urlsafe(32)),
    )
    try:
        with db.session.begin_nested():
            db.session.add(applicant)
    except IntegrityError:
        found = _applicant_by_email(event, email)
        if found is None:
            raise
        return found
    return applicant


def request_link(event: Event, email: str, language: str, now: datetime) -> bool:
    """Mail a link to the event's application page to an address; tell whether one was queued.

    Whether the address asked before or not, the caller answers the same: nothing here may
    show who has applied. An address gets a new link at most once per LINK_INTERVAL.
    """
    email = normalise_email(email)
    applicant = _applicant_by_email(event, email)
    if applicant is None:
        applicant = _add_applicant(event, email, language)
    if applicant.link_sent_at is not None and now - aware(applicant.link_sent_at) < LINK_INTERVAL:
        log.info(
            "link for applicant %s of event %s not sent: asked again soon", applicant.id, event.id
        )
        return False
    # The language of the page asked from: the link's email and later ones are written in it.
    applicant.language = language
    applicant.link_sent_at = now
    link = issue_link(applicant)
    db.session.flush()
    message = emails.link(applicant.language, event, link, now)
    queue_mail(applicant.email, message.subject, message.body, language=message.language)
    log.info("link sent to applicant %s of event %s", applicant.id, event.id)
    return True


def applicant_for(token: str) -> Applicant | None:
    """Return the applicant a link's token opens, with the event and the application."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalar(
        select(Applicant)
        .where(Applicant.token_digest == token_digest(token))
        .options(
            selectinload(Applicant.event).selectinload(Event.tracks).selectinload(Track.questions),
            selectinload(Applicant.event).selectinload(Event.institution),
            selectinload(Applicant.application).selectinload(Application.answers),
        )
    )


def _no_application() -> NoReturn:
    """Answer 404, saying why a link may not open: every email carries a new link, which
    replaces the one before (and erasure removes it)."""
    raise NotFoundWithWayOn(
        _(
            "This link does not open an application. Each email we send carries a new "
            "link, which replaces the one before: use the link of the latest email, or ask "
            "for a new one on the event's call page."
        ),
        # The token names no event, so the way on is the list of calls.
        back_url=url_for("events.index"),
        back_label=_("All calls for staff training events"),
    )


def require_applicant(token: str) -> Applicant:
    """Return the applicant of a link, or answer 404."""
    applicant = applicant_for(token)
    if applicant is None:
        _no_application()
    return applicant


def require_application(token: str) -> Application:
    """Return the application of a link's applicant, or answer 404 (none made yet too)."""
    applicant = applicant_for(token)
    if applicant is None or applicant.application is None:
        _no_application()
    return applicant.application


def mark_verified(applicant: Applicant, now: datetime) -> None:
    """Record that the link was opened: the address is the applicant's."""
    if applicant.verified_at is None:
        applicant.verified_at = now


# --- what the form offers ---------------------------------------------------------------------


def known_networks() -> list[str]:
    """Return the names of the networks the app knows, to offer as choices."""
    return list(
        db.session.scalars(select(Network.name).order_by(Network.name).limit(KNOWN_NETWORKS_MAX))
    )


def match_institution(name: str) -> Institution | None:
    """Return the known institution a typed name means: its exact name or slug, any case."""
    text = name.strip()
    if not text:
        return None
    return db.session.scalar(
        select(Institution)
        .where(or_(func.lower(Institution.name) == text.lower(), Institution.slug == text.lower()))
        .order_by(Institution.id)
        .limit(1)
    )


# --- applying, changing, withdrawing ----------------------------------------------------------


def answer_value(question: Question, value: Any) -> Any:
    """Return an answer as stored (None for no answer): text trimmed, choices in order."""
    if question.kind == QuestionKind.YES_NO:
        return value if isinstance(value, bool) else None
    if question.kind == QuestionKind.SEVERAL_CHOICES:
        chosen = set(value or [])
        picked = [choice for choice in question.choices if choice in chosen]
        return picked or None
    text = (value or "").strip() if isinstance(value, str) else ""
    return text or None


def save_application(
    applicant: Applicant,
    submission: Submission,
    *,
    based_on: int | None,
    language: str,
    now: datetime,
) -> tuple[Application, bool]:
    """Store a new or changed application; return it and whether it is new.

    `based_on` is the version the form showed (None: the form of a new application). A form
    that is behind what is stored raises Conflict and changes nothing: of two first
    submissions, or two changes, from two windows at once, one wins and the other is told.
    Only the chosen track's answers are kept.
    """
    application = applicant.application
    if (application.version if application else None) != based_on:
        raise Conflict
    event = applicant.event
    track = next(t for t in event.tracks if t.id == submission.track_id)
    # Looked up before any change: a query would flush a half-made row (a second version).
    home = match_institution(submission.institution_name)
    created = application is None
    if application is None:
        if applications_received(event) >= APPLICATIONS_MAX:
            raise EventFull
        application = Application(
            event_id=event.id,
            applicant=applicant,
            email=applicant.email,
            consent_at=now,
            submitted_at=now,
        )
        db.session.add(application)
    application.track_id = track.id
    application.second_track_id = submission.second_track_id if event.second_choice else None
    application.name = submission.name.strip()
    application.current_role = submission.current_role.strip()
    application.background = submission.background.strip()
    application.institution_name = submission.institution_name.strip()
    application.home_institution = home
    application.country = submission.country
    application.networks = submission.networks
    application.list_consent = submission.list_consent
    application.plan_consent = submission.plan_consent
    application.language = language
    _keep_consent(application, event, now, created=created)
    if application.status == ApplicationStatus.WITHDRAWN:
        application.status = ApplicationStatus.SUBMITTED
        application.withdrawn_at = None
    _keep_answers(application, track, submission.answers)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (IntegrityError, StaleDataError):
        # Another request of the same applicant added or changed the application first.
        raise Conflict from None
    log.info(
        "application %s %s for event %s track %s",
        application.id,
        "submitted" if created else "changed",
        event.id,
        track.id,
    )
    return application, created


def _keep_consent(application: Application, event: Event, now: datetime, *, created: bool) -> None:
    """Keep a copy of the event's consent text the applicant agreed to, with its digest and
    time; a later edit of the event's text leaves it, until the applicant agrees anew."""
    digest = consent_digest_of(event.consent_text)
    # An application from before per-event texts agreed to none of its own.
    agreed = application.consent_digest or (None if created else consent_digest_of(""))
    if agreed != digest:
        application.consent_text = event.consent_text
        application.consent_digest = digest
        application.consent_at = now


def applications_received(event: Event) -> int:
    """Count the event's applications, withdrawn ones too (they may be sent again)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Application).where(Application.event_id == event.id)
        )
        or 0
    )


def _keep_answers(application: Application, track: Track, given: dict[int, Any]) -> None:
    """Keep exactly the chosen track's answered questions; drop every other answer."""
    existing = {answer.question_id: answer for answer in application.answers}
    wanted: dict[int, Any] = {}
    for question in track.questions:
        value = answer_value(question, given.get(question.id))
        if value is not None:
            wanted[question.id] = value
    for question_id, answer in existing.items():
        if question_id not in wanted:
            application.answers.remove(answer)
    for question_id, value in wanted.items():
        if question_id in existing:
            existing[question_id].value = value
        else:
            application.answers.append(Answer(question_id=question_id, value=value))


def confirm_by_email(application: Application, token: str, *, created: bool) -> None:
    """Mail the applicant what was sent (or changed), in the language they applied in."""
    message = emails.confirmation(application, link_of(token), created=created)
    queue_mail(application.email, message.subject, message.body, language=message.language)


def withdraw(application: Application, token: str, now: datetime) -> None:
    """Withdraw an application and mail the applicant that it is withdrawn."""
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = now
    message = emails.withdrawn(application, link_of(token))
    queue_mail(application.email, message.subject, message.body, language=message.language)
    log.info("application %s withdrawn", application.id)


# --- deleting personal data after the event ---------------------------------------------------


def event_over(event: Event, now: datetime) -> bool:
    """Tell whether the event's last day has passed where it takes place."""
    return event.local(now).date() > event.ends_on


def request_erasure(application: Application, now: datetime) -> None:
    """Record that the applicant asked for their data to be deleted (done by erase_requested)."""
    if application.erasure_requested_at is None:
        application.erasure_requested_at = now
        log.info("erasure of application %s requested", application.id)


def erase_requested(now: datetime) -> int:
    """Erase the personal data of every application whose erasure was asked; return how many.

    Idempotent: an erased application is not touched again.
    """
    applications = list(
        db.session.scalars(
            select(Application)
            .where(
                Application.erasure_requested_at.is_not(None),
                Application.erasure_requested_at <= now,
                Application.erased_at.is_(None),
            )
            .order_by(Application.id)
            .limit(ERASE_BATCH)
            .options(selectinload(Application.answers), selectinload(Application.applicant))
        )
    )
    for application in applications:
        erase(application, now)
    return len(applications)


def forget_idle_applicants(now: datetime) -> int:
    """Delete the addresses that asked for a link but never applied, once their event is
    over; return how many. Idempotent."""
    # A day's margin: the last day has ended in every time zone by then.
    ended_before = now.date() - timedelta(days=1)
    ids = list(
        db.session.scalars(
            select(Applicant.id)
            .join(Event, Event.id == Applicant.event_id)
            .outerjoin(Application, Application.applicant_id == Applicant.id)
            .where(Application.id.is_(None), Event.ends_on < ended_before)
            .limit(ERASE_BATCH)
        )
    )
    if ids:
        db.session.execute(
            delete(Applicant)
            .where(Applicant.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        log.info("%s applicant(s) who never applied forgotten", len(ids))
    return len(ids)


def erase(application: Application, now: datetime) -> None:
    """Blank what names or describes the person; keep what the event's figures count.

    Kept: track, second choice, country, home institution, networks, status, decision and
    place, and the other features' rows of the application (attendance, feedback ratings),
    whose free text the receivers of `application_erased` blank.
    """
    applicant = application.applicant
    address = application.email
    application.name = ""
    application.email = ""
    application.current_role = ""
    application.background = ""
    application.institution_name = ""
    application.answers.clear()
    # The link stops working: a digest of a token nobody has. The address column is unique
    # per event, so each erased applicant gets a placeholder of its own (not an address).
    applicant.token_digest = token_digest(secrets.token_urlsafe(32))
    applicant.email = f"erased-{applicant.id}"
    application.erased_at = now
    # The emails already sent to the person name them and carry their link: keep the record
    # that they were sent, not to whom or what they said. Pending ones are left to leave.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient == address, OutboxMessage.status != MailStatus.PENDING)
        .values(recipient="erased", body="")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    application_erased.send(application=application)
    log.info("application %s erased", application.id)


def notice_cancelled_events(now: datetime) -> int:
    """Tell everyone who stands by an application that its event is cancelled, once per event
    (Event.cancel_noticed_at records it); return how many were told."""
    events = db.session.scalars(
        select(Event)
        .where(Event.status == EventStatus.CANCELLED, Event.cancel_noticed_at.is_(None))
        # Another run holding the event is telling its applicants already.
        .with_for_update(skip_locked=True)
    ).all()
    told = 0
    for event in events:
        for application in db.session.scalars(
            select(Application)
            .where(
                Application.event_id == event.id,
                Application.status == ApplicationStatus.SUBMITTED,
                Application.erased_at.is_(None),
            )
            .order_by(Application.id)
        ):
            message = emails.cancelled(application)
            queue_mail(application.email, message.subject, message.body, language=message.language)
            told += 1
        event.cancel_noticed_at = now
        log.info("cancellation of event %s told to its applicants", event.id)
    db.session.flush()
    return told


def set_plan_consent(application: Application, given: bool) -> None:
    """Give or withdraw the consent that the home institution's plan counts the application's
    records; the figures of the sending plan follow at the commit (app/sending)."""
    application.plan_consent = given
