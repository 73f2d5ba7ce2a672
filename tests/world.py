"""A fully populated world: every optional field of every object set, at its allowed extremes.

Minimal factories (tests/conftest.py) test one behaviour at a time; this world is for the tests
that must see the product as a busy institution leaves it: units, partners and hosts on
activities, repeating activities, evidence files, reopened approvals, withdrawn sheets,
revisions, long and non-ASCII text, the earliest and latest dates and the largest numbers the
rules allow. `tests/test_world.py` checks that every column of every table holds a value
somewhere in it, so a column added later without a value here fails there first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner

from app.core.extensions import db

# Text that is long, not ASCII, and looks like markup, so that escaping, truncation and
# encodings are all exercised. Each is cut to the column it goes into.
NON_ASCII = "Jyväskylän ammattikorkeakoulu – Åbo Akademi · Łódź · Ελληνικά · 日本語 · <b>&amp;</b> "
LONG = (NON_ASCII * 40).strip()


def text(limit: int) -> str:
    """Return long non-ASCII text cut to a column's length."""
    return LONG[:limit].strip()


@dataclass
class World:
    """The ids of everything in the world, and who is who."""

    slug: str  # institution A's slug
    other_slug: str  # institution B's slug
    people: dict[str, Any]  # role -> User
    plans: list[int]
    activities: list[tuple[int, int]]  # (plan id, activity id)
    indicators: list[tuple[int, int]]
    evidence: list[tuple[int, int]]
    approvals: list[tuple[int, int]]
    proposed: list[tuple[int, int]]
    practices: list[str]
    revisions: list[tuple[str, int]]
    invitations: list[int]
    tokens: list[int]
    parts: dict[str, list[int]]  # units, memberships, partnerships of A and B, by kind
    feeds: list[str]
    windows: list[tuple[int, str]] = field(default_factory=list)  # (plan id, window key)
    secrets: dict[str, str] = field(default_factory=dict)  # reset / invitation tokens
    events: list[int] = field(default_factory=list)  # A's events, then B's
    # (event id, id) of the tracks, applications and committee members of A's events.
    tracks: list[tuple[int, int]] = field(default_factory=list)
    applications: list[tuple[int, int]] = field(default_factory=list)
    members: list[tuple[int, int]] = field(default_factory=list)
    application_links: list[str] = field(default_factory=list)  # applicants' secret tokens
    visit_units: list[int] = field(default_factory=list)  # A's units with a visits offer
    visits: list[int] = field(default_factory=list)  # A's visit requests
    visit_links: list[str] = field(default_factory=list)  # the visitors' secret tokens
    questions: list[tuple[int, int, int]] = field(default_factory=list)  # event, track, id
    criteria: list[tuple[int, int]] = field(default_factory=list)
    days: list[tuple[int, str]] = field(default_factory=list)  # (event id, YYYY-MM-DD)
    # (plan id, sending id): A's plan sends staff to B's event (B's plan to A's is not A's).
    sendings: list[tuple[int, int]] = field(default_factory=list)
    series: list[int] = field(default_factory=list)  # series of co-hosted events A is in


def _institution(slug: str, kind: str = "research-university") -> Any:
    from app.institutions.models import Institution

    return Institution(
        slug=slug,
        name=text(200),
        country="Finland",
        kind=kind,
        website="https://www.example.fi/" + "a" * 100,
        description=LONG,
        source_digest="0" * 64,
    )


def build_world(app: Flask, runner: FlaskCliRunner) -> World:
    """Load the shipped reference data and catalogue, then add a busy institution of each kind."""
    from app.accounts import services as accounts
    from app.accounts.tokens import INVITATION_SALT, RESET_SALT, make_token
    from app.core.vocabularies import vocabularies
    from app.indicators import services as indicators
    from app.indicators.models import (
        EvidenceFile,
        Indicator,
        IndicatorTarget,
        Measurement,
        MeasurementChange,
        PeriodApproval,
    )
    from app.institutions.models import (
        Network,
        NetworkMembership,
        StrategicPartnership,
        Unit,
    )
    from app.mail.models import OutboxMessage
    from app.planner.models import (
        Activity,
        ChecklistItem,
        ProposedIndicator,
        StatusChange,
    )
    from app.planner.services import adopt_practice, create_plan, feed_token
    from app.practices.models import Practice
    from app.practices.services import get_practice, save_sheet, sheet_from_practice

    for args in (["data", "load"], ["practices", "sync"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output

    # A network with a parent, so the alliance tree is not flat.
    parent = Network(slug="world-alliance", name=text(200), kind="alliance", url="https://x.eu")
    network = Network(
        slug="world-network",
        name=text(200),
        kind="research-network",
        url="https://network.example.eu/" + "b" * 200,
        description=LONG,
        parent=parent,
        source_digest="1" * 64,
    )
    a, b = _institution("world-a"), _institution("world-b", kind="university-of-applied-sciences")
    db.session.add_all([parent, network, a, b])
    for institution in (a, b):
        for kind in ("international-office", "human-resources", "faculty"):
            institution.units.append(
                Unit(name=f"{kind}: {text(200)}"[:200], kind=kind, description=LONG)
            )
        institution.memberships.append(
            NetworkMembership(network=network, role=text(200), since=date(2000, 1, 1), note=LONG)
        )
        institution.partnerships.append(
            StrategicPartnership(
                partner_name=text(200),
                partner_country=text(100),
                priority_areas=[text(80), "Forestry", "Sámi studies"],
                note=LONG,
            )
        )
    db.session.flush()

    people: dict[str, Any] = {}
    for role in ("manager", "planner", "viewer", "event_organiser"):
        key = "organiser" if role == "event_organiser" else role
        people[key] = accounts.create_user(f"{key}@world-a.example", "a sentence nobody guesses")
        accounts.set_role(people[key], a, role, by="world")
    # A viewer of A on the selection committee of A's event.
    people["reviewer"] = accounts.create_user(
        "reviewer@world-a.example", "a sentence nobody guesses"
    )
    accounts.set_role(people["reviewer"], a, "viewer", by="world")
    people["curator"] = accounts.create_user(
        "curator@world.example", "a sentence nobody guesses", is_curator=True
    )
    accounts.set_role(people["curator"], a, "viewer", by="world")
    people["admin"] = accounts.create_user(
        "admin@world.example", "a sentence nobody guesses", is_admin=True
    )
    people["outsider"] = accounts.create_user(
        "manager@world-b.example", "a sentence nobody guesses"
    )
    accounts.set_role(people["outsider"], b, "manager", by="world")
    now = datetime.now(UTC)
    for person in people.values():
        person.name = text(200)
        person.last_login_at = now
    inactive = accounts.create_user("left@world-a.example", None, name="Left the office")
    inactive.active = False
    # Saved languages (the others follow their browser: tests/i18n/test_pages.py asks).
    inactive.language = "sv"
    people["outsider"].language = "fi"
    db.session.flush()

    with app.test_request_context():
        pending = accounts.invite(a, "guest@world.example", "planner", people["manager"])
        accepted = accounts.invite(a, "viewer@world-a.example", "viewer", people["manager"])
        revoked = accounts.invite(a, "gone@world.example", "viewer", people["manager"])
    accepted.accepted_at = now
    revoked.revoked_at = now
    token, _secret = accounts.create_api_token(people["planner"], text(100), 365)
    token.last_used_at = now
    old_token, _ = accounts.create_api_token(people["planner"], "old", 30)
    old_token.revoked_at = now
    # Mail in every state of its delivery: kept, sent, and given up after retries.
    db.session.add_all(
        [
            OutboxMessage(
                recipient="guest@world.example", subject=text(300), body=LONG, delivery="outbox"
            ),
            OutboxMessage(
                recipient="guest@world.example",
                subject=text(300),
                body=LONG,
                calendar="BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                delivery="smtp",
                status="sent",
                attempts=1,
                sent_at=now,
            ),
            OutboxMessage(
                recipient="gone@world.example",
                subject=text(300),
                body=LONG,
                delivery="smtp",
                status="failed",
                attempts=8,
                last_error=text(300),
                calendar="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
            ),
        ]
    )
    db.session.flush()

    # The catalogue: a curator's edit (a revision from the browser) and a withdrawn sheet.
    practices = list(db.session.scalars(db.select(Practice).order_by(Practice.slug)))
    edited = practices[0]
    sheet = sheet_from_practice(edited).model_copy(update={"body": edited.body + "\n\n" + LONG})
    save_sheet(edited, sheet, author=people["curator"], base_version=edited.version, note=text(300))
    withdrawn = practices[-1]
    withdrawn.withdrawn_at = now

    # Plans: one over the longest period the rules allow, one ordinary, one copied.
    plans = []
    for title, start, end in (
        (text(200), date(2027, 1, 1), date(2027, 12, 31)),
        ("Longest allowed plan", *_longest_period()),
    ):
        plan = create_plan(a, title=title, period_start=start, period_end=end)
        plan.goals_text = LONG
        plan.goals = ["improved-skills", "better-communication"]
        plan.owner = people["planner"]
        plan.status = "active"
        plans.append(plan)
    other_plan = create_plan(
        b, title="Plan of B", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    db.session.flush()

    main = plans[0]
    unit_ids = [unit.id for unit in a.units]
    # Adopting gives activities with a practice, a phase, guidance, a checklist and proposals.
    adopted = adopt_practice(
        main, practices[1], ["setup", "delivery"], vocabularies(), by=people["planner"].email
    )
    largest = _largest_numbers()
    recurrences = [
        "FREQ=MONTHLY;INTERVAL=6",
        "FREQ=WEEKLY;BYDAY=MO,WE",
        "FREQ=YEARLY",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        None,
    ]
    statuses = ["idea", "planned", "in_progress", "done", "cancelled"]
    for index, activity in enumerate(list(adopted)):
        _fill_activity(activity, unit_ids, recurrences[index % 5], statuses[index % 5], largest)
    for index, status in enumerate(statuses):
        activity = Activity(plan=main, title=f"{text(150)} {index}")
        _fill_activity(activity, unit_ids, recurrences[index], status, largest)
        activity.practice = practices[2]
        activity.phase = ("setup", "delivery")[index % 2]
        activity.guidance = {"cost": 3, "time": 1, "effort": 2}
        activity.checklist.append(ChecklistItem(text=LONG, done=index % 2 == 0, position=index))
        activity.indicators.append(
            ProposedIndicator(name=text(300), unit="count", direction="higher", position=index)
        )
        activity.status_changes.append(
            StatusChange(status=status, changed_by="planner@world-a.example")
        )
        db.session.add(activity)
    for plan in [*plans[1:], other_plan]:
        activity = Activity(plan=plan, title="A repeating activity")
        _fill_activity(activity, unit_ids, "FREQ=MONTHLY", "planned", largest)
        activity.start_date, activity.end_date = plan.period_start, plan.period_end
        db.session.add(activity)
    db.session.flush()

    # Indicators of every unit, direction, combination and frequency, with values and evidence.
    kinds = [
        ("count", "higher", "sum", "quarterly"),
        ("percent", "higher", "latest", "yearly"),
        ("euros", "lower", "average", "monthly"),
        ("score", "higher", "average", "term"),
        ("yes-no", "higher", "latest", "quarterly"),
        ("count", "higher", "sum", "occurrence"),
    ]
    evidence = EvidenceFile(
        filename=text(150) + ".pdf",
        content_type="application/pdf",
        size=4,
        content=b"%PDF",
        uploaded_by="planner@world-a.example",
    )
    for plan in [main, *plans[1:], other_plan]:
        for position, (unit, direction, aggregation, frequency) in enumerate(kinds):
            activity = next(iter(plan.activities), None) if frequency == "occurrence" else None
            indicator = Indicator(
                plan=plan,
                activity=activity,
                name=text(300),
                description=LONG,
                unit=unit,
                scale_max=Decimal(10) if unit == "score" else None,
                direction=direction,
                aggregation=aggregation,
                frequency=frequency,
                baseline_value=Decimal(1) if unit == "yes-no" else Decimal(0),
                baseline_date=plan.period_start,
                target_value=_target(unit),
                position=position,
            )
            db.session.add(indicator)
            db.session.flush()
            for period in indicators.reporting_periods(indicator, plan)[:4]:
                indicator.targets.append(
                    IndicatorTarget(period_key=period.key, value=_target(unit))
                )
            periods = [
                p for p in indicators.reporting_periods(indicator, plan) if p.end < date.today()
            ][:2]
            for period in periods:
                measurement = Measurement(
                    indicator=indicator,
                    period_key=period.key,
                    period_start=period.start,
                    period_end=period.end,
                    value=_target(unit),
                    note=LONG,
                    evidence_url="https://evidence.example.org/" + "c" * 200,
                    evidence=evidence,
                    recorded_by="planner@world-a.example",
                )
                for after_approval in (False, True):
                    measurement.changes.append(
                        MeasurementChange(
                            old_value=Decimal(0),
                            new_value=_target(unit),
                            note=LONG,
                            after_approval=after_approval,
                            changed_by="planner@world-a.example",
                        )
                    )
                db.session.add(measurement)
    db.session.flush()

    approvals = []
    for plan in (main, other_plan):
        kept = PeriodApproval(
            plan=plan,
            period_key="2027-Q1",
            window_start=date(2027, 1, 1),
            window_end=date(2027, 3, 31),
            approved_by="manager@world-a.example",
        )
        reopened = PeriodApproval(
            plan=plan,
            period_key="2027-Q2",
            window_start=date(2027, 4, 1),
            window_end=date(2027, 6, 30),
            approved_by="manager@world-a.example",
            reopened_by="manager@world-a.example",
            reopened_at=now,
            reopen_reason=LONG,
        )
        db.session.add_all([kept, reopened])
        approvals += [kept, reopened]
    db.session.commit()
    hosted = _events(a, b, main, people)
    hosted["sendings"] = _sendings(main, other_plan, hosted["events"][0], hosted["events"][3])
    hosted |= _visits(a, main, people)
    hosted["series"] = _series(a, b, network, people)

    with app.test_request_context():
        reset = make_token(
            RESET_SALT, {"user": people["viewer"].id, "check": people["viewer"].session_token[:16]}
        )
        invitation = make_token(INVITATION_SALT, {"invitation": pending.id})
    # A write confined to the main plan, as a planner's edit is: the plan and its institution
    # get their own data versions (app/core/data_version.py).
    main.goals_text = LONG[:-1]
    db.session.commit()
    a_plans = [main, *plans[1:]]
    return World(
        slug=a.slug,
        other_slug=b.slug,
        people=people,
        plans=[plan.id for plan in a_plans],
        activities=[(p.id, act.id) for p in a_plans for act in p.activities],
        indicators=[(i.plan_id, i.id) for i in db.session.scalars(db.select(Indicator))],
        evidence=[(main.id, evidence.id)],
        approvals=[(x.plan_id, x.id) for x in approvals if x.plan_id == main.id],
        proposed=[(main.id, p.id) for act in main.activities for p in act.indicators],
        practices=[p.slug for p in practices[:3]]
        + [withdrawn.slug, get_practice(edited.slug).slug],
        revisions=[(edited.slug, 1), (edited.slug, 2)],
        invitations=[pending.id, revoked.id],
        parts={
            "units": [unit.id for inst in (a, b) for unit in inst.units],
            "memberships": [m.id for inst in (a, b) for m in inst.memberships],
            "partnerships": [p.id for inst in (a, b) for p in inst.partnerships],
        },
        tokens=[token.id, old_token.id],
        # Each member's own address of each plan's feed (the viewer's and the manager's).
        feeds=[feed_token(plan, people[who]) for plan in a_plans for who in ("viewer", "manager")],
        windows=[(main.id, key) for key in ("2027-Q1", "2027-Q2", "2027-01", "2027", "2027-T1")],
        secrets={"reset": reset, "invitation": invitation},
        **hosted,
    )


def _events(a: Any, b: Any, plan: Any, people: dict[str, Any]) -> dict[str, Any]:
    """Host events in both institutions, with every field set: A's linked to an activity of the
    plan (so its indicators are computed), with tracks, every kind of question, a rubric, a
    committee, message templates, and applications in every state with answers, reviews,
    attendance and feedback; an invitation-only draft; and B's event. Committed."""
    from flask import current_app
    from flask_babel import force_locale

    from app.applications.models import Answer, Applicant, Application, consent_digest_of
    from app.events.models import (
        CommitteeMember,
        Event,
        MessageTemplate,
        Question,
        RubricCriterion,
        Track,
        token_digest,
    )
    from app.participation.models import Attendance, Feedback
    from app.planner.models import Activity
    from app.selection.models import Review, ReviewScore

    now = datetime.now(UTC)
    activity = Activity(plan=plan, title="International staff training days", format="on-site")
    activity.start_date = activity.end_date = date(2027, 5, 5)
    db.session.add(activity)
    db.session.flush()

    def event(institution: Any, **fields: Any) -> Event:
        made = Event(
            institution=institution,
            title=text(200),
            starts_on=date(2027, 5, 5),
            ends_on=date(2027, 5, 7),
            timezone="Europe/Helsinki",
            place=text(200),
            format="hybrid",
            description="## " + LONG,
            audience=LONG,
            contact_email="staffweek@world-a.example",
            programme="* " + LONG,
            accommodation=LONG,
            consent_text="**" + text(4996) + "**",
            languages=["en", "fi", "sv"],
            opens_at=datetime(2027, 1, 13, 22, tzinfo=UTC),
            closes_at=datetime(2027, 2, 13, 22, tzinfo=UTC),
            confirm_days=60,
            disagreement_margin=Decimal("4.00"),
            meeting_url="https://meet.example.org/" + "m" * 100,
            signatory_name=text(200),
            signatory_title=text(200),
            created_by=people["organiser"],
            **fields,
        )
        db.session.add(made)
        return made

    sent = {
        "decisions_sent_at": now,
        "meeting_at": datetime(2027, 4, 20, 12, tzinfo=UTC),
        "meeting_invited_at": now,
        "meeting_reminded_at": now,
        "feedback_sent_at": now,
        "feedback_reminded_at": now,
        "close_noticed_at": now,
        # The meeting moved once after its invitations, and was mailed again.
        "meeting_changed_at": now,
        "meeting_sequence": 1,
        "activity_followed": "planned",
    }
    main = event(
        a,
        status="published",
        activity_id=activity.id,
        second_choice=True,
        list_shared=True,
        invitation_only=False,
        **sent,
    )
    draft = event(
        a,
        status="draft",
        invitation_only=True,
        invitation_digest=token_digest("world-invitation"),
        second_choice=False,
        list_shared=False,
    )
    other = event(b, status="published", activity_id=None)
    cancelled = event(a, status="cancelled", cancel_noticed_at=now)
    db.session.flush()
    tracks = []
    for event_row in (main, other):
        for position in range(2):
            track = Track(
                event=event_row,
                position=position,
                title=text(200),
                target_group=LONG,
                topics=[text(200), "Social media analytics", "Kieli ja viestintä"],
                capacity=1000,
                seats_version=3,
            )
            kinds = ("short_text", "long_text", "one_choice", "several_choices", "yes_no")
            for index, kind in enumerate(kinds):
                track.questions.append(
                    Question(
                        position=index,
                        kind=kind,
                        prompt=text(500),
                        help=LONG[:1000],
                        required=index % 2 == 0,
                        max_length=5000 if "text" in kind else None,
                        choices=[text(200), "Ja", "Nej"] if "choice" in kind else [],
                        prompt_fi="Kysymys: " + text(490),
                        prompt_sv="Fråga: " + text(490),
                        help_fi=LONG[:1000],
                        help_sv=LONG[:1000],
                        choices_fi=[text(200)[::-1], "Kyllä", "Ei"] if "choice" in kind else [],
                        choices_sv=[text(199) + "ö", "Jo", "Inte"] if "choice" in kind else [],
                    )
                )
            db.session.add(track)
            tracks.append(track)
        for position in range(2):
            event_row.criteria.append(
                RubricCriterion(position=position, title=text(200), description=LONG, weight=10)
            )
        for kind in ("accepted", "waiting_list", "declined", "promoted"):
            for language in ("en", "fi"):
                event_row.templates.append(
                    MessageTemplate(kind=kind, language=language, subject=text(300), body=LONG)
                )
    db.session.flush()
    members = [
        CommitteeMember(event_id=main.id, track=tracks[0], user=people["reviewer"]),
        CommitteeMember(event_id=main.id, track=tracks[1], user=people["organiser"]),
    ]
    db.session.add_all(members)
    # Applications in every state: confirmed (attended, gave feedback), offered, waiting,
    # declined, withdrawn, and one whose data was erased at the applicant's request.
    states = [
        ("accepted", "confirmed", None),
        ("accepted", "offered", None),
        ("waiting_list", None, 1),
        ("declined", None, None),
        (None, None, None),
        ("accepted", "declined", None),
    ]
    links = []
    applications = []
    for index, (decision, place, rank) in enumerate(states):
        secret = f"world-application-{index}-" + "s" * 20
        applicant = Applicant(
            event=main,
            email=f"applicant{index}@elsewhere.example",
            language=("en", "fi", "sv")[index % 3],
            token_digest=token_digest(secret),
            verified_at=now,
            link_sent_at=now,
        )
        application = Application(
            event=main,
            applicant=applicant,
            track=tracks[index % 2],
            second_track=tracks[(index + 1) % 2],
            language=applicant.language,
            status="withdrawn" if index == 4 else "submitted",
            name=text(200),
            email=applicant.email,
            current_role=text(200),
            background=LONG[:3000],
            institution_name=text(200),
            home_institution=b,
            country=("SE", "DE", "FI")[index % 3],
            networks=["Una Europa", "UNICA", text(100)],
            list_consent=index % 2 == 0,
            plan_consent=index % 2 == 0,
            consent_text=main.consent_text,
            consent_digest=consent_digest_of(main.consent_text),
            withdrawn_at=now if index == 4 else None,
            decision=decision,
            waiting_rank=rank,
            decided_at=now if decision else None,
            decision_sent_at=now if decision else None,
            place=place,
            offered_at=now if place else None,
            offer_deadline=now + timedelta(days=60) if place else None,
            promoted_at=now if rank else None,
            answered_at=now if place in ("confirmed", "declined") else None,
            meeting_invited_at=now if place == "confirmed" else None,
            feedback_invited_at=now if place == "confirmed" else None,
            feedback_reminded_at=now if place == "confirmed" else None,
            erasure_requested_at=now if index == 5 else None,
            erased_at=now if index == 5 else None,
        )
        for question in application.track.questions:
            value: Any = {
                "yes_no": True,
                "several_choices": ["Ja", "Nej"],
                "one_choice": "Ja",
            }.get(question.kind, LONG[:5000])
            application.answers.append(Answer(question=question, value=value))
        db.session.add(application)
        links.append(secret)
        applications.append(application)
    db.session.flush()
    confirmed = applications[0]
    for day in main.days():
        db.session.add(
            Attendance(application=confirmed, day=day, marked_by="organiser@world-a.example")
        )
    db.session.add(
        Feedback(application=confirmed, overall=5, track_rating=1, will_change=LONG, comments=LONG)
    )
    review = Review(application=confirmed, reviewer=people["reviewer"], comment=LONG)
    review.scores = [ReviewScore(criterion=c, value=5) for c in main.criteria]
    db.session.add(review)
    # Linked by an organiser who reads Finnish: the computed indicators are named in it, as
    # any name is kept in the language it was given in.
    with current_app.test_request_context(), force_locale("fi"):
        db.session.commit()
    return {
        "events": [main.id, draft.id, cancelled.id, other.id],
        "tracks": [(t.event_id, t.id) for t in tracks],
        "applications": [(main.id, x.id) for x in applications],
        "members": [(main.id, m.id) for m in members],
        "application_links": links,
        "questions": [(t.event_id, t.id, q.id) for t in tracks for q in t.questions],
        "criteria": [(c.event_id, c.id) for c in (*main.criteria, *other.criteria)],
        "days": [(main.id, day.isoformat()) for day in main.days()],
    }


def _sendings(main: Any, other_plan: Any, a_event: int, b_event: int) -> list[tuple[int, int]]:
    """A's plan sends staff to B's event, and B's plan to A's (whose applicants from B agreed
    to be counted, every other one), each with every field of its budget guidance. Committed."""
    from app.planner.models import Activity
    from app.sending.models import PEOPLE_MAX, Sending

    made = []
    for plan, event_id, kind in (
        (main, b_event, "job_shadowing"),
        (other_plan, a_event, "staff_training"),
    ):
        activity = Activity(plan=plan, title=text(200), host=text(200), partners=[text(200)])
        sending = Sending(
            plan=plan,
            activity=activity,
            event_id=event_id,
            kind=kind,
            people=PEOPLE_MAX,
            travel_per_person=Decimal("99999.99"),
            subsistence_per_day=Decimal("99999.99"),
            created_by="planner@world-a.example",
        )
        db.session.add_all([activity, sending])
        made.append(sending)
    db.session.commit()
    return [(made[0].plan_id, made[0].id)]


def _visits(a: Any, plan: Any, people: dict[str, Any]) -> dict[str, Any]:
    """Give A's units visit offers with contacts, and visit requests in several states: one
    recorded with every field set (programme, attendance, feedback), one declined, one with
    other dates proposed, one not yet verified; the plan follows them. Committed."""
    from app.events.models import token_digest
    from app.visits import services as visits
    from app.visits.models import VisitContact, VisitDay, VisitFeedback, VisitRequest, VisitUnit

    units = list(a.units)
    offers = []
    for index, unit in enumerate(units):
        offer = VisitUnit(
            unit=unit,
            accepts_visits=index == 0,  # the others' offers are kept, but closed
            topics=[text(100), "Language teaching"],
            languages=["English", "suomi", "svenska"],
            months=list(range(1, 13)),
        )
        offer.contacts = [VisitContact(user_id=people["viewer"].id)]
        offers.append(offer)
    db.session.add_all(offers)
    now = datetime.now(UTC)

    def request(state: str, tag: str, **fields: Any) -> VisitRequest:
        fields = {"unit": units[0], "verified_at": now, "call_first": True, **fields}
        made = VisitRequest(
            institution=a,
            suggested_unit=units[0],
            state=state,
            email=f"visitor-{tag}@elsewhere.example",
            name=text(200),
            home_institution=text(200),
            role=text(200),
            topic=text(200),
            message=LONG[:5000],
            preferred_start=date(2027, 5, 10),
            preferred_end=date(2027, 5, 14),
            language="fi",
            token_digest=token_digest(f"world-visit-{tag}"),
            **fields,
        )
        db.session.add(made)
        return made

    recorded = request(
        "recorded",
        "recorded",
        proposed_start=date(2027, 5, 11),
        proposed_end=date(2027, 5, 13),
        host_note=LONG[:5000],
        programme="## Päivä 1\n\n" + LONG[:5000] + "\n\n<script>alert(1)</script>",
        starts_on=date(2027, 5, 11),
        ends_on=date(2027, 5, 13),
    )
    recorded.days = [
        VisitDay(day=date(2027, 5, 11) + timedelta(days=n), marked_by="viewer@world-a.example")
        for n in range(3)
    ]
    recorded.feedback = VisitFeedback(overall=5, will_change=LONG, comments=LONG)
    declined = request("declined", "declined", decline_reason=LONG[:5000], call_first=False)
    proposed = request(
        "proposed", "proposed", proposed_start=date(2027, 9, 6), proposed_end=date(2027, 9, 8)
    )
    unverified = request("unverified", "unverified", verified_at=None, unit=None)
    db.session.flush()
    visits.add_visit_indicators(plan)
    visits.refresh_indicators(a.id)
    db.session.commit()
    return {
        "visit_units": [unit.id for unit in units],
        "visits": [recorded.id, declined.id, proposed.id, unverified.id],
        "visit_links": [f"world-visit-{tag}" for tag in ("recorded", "declined", "proposed")],
    }


def _series(a: Any, b: Any, network: Any, people: dict[str, Any]) -> list[int]:
    """A series A coordinates in the world's network, every field set: B took its turn and
    left, a shared track, decentralised editions at A and B and a centralised one. Committed."""
    from app.series import services

    series = services.create_series(
        a,
        name=text(200),
        network=network,
        cadence="twice_a_year",
        central_place=text(200),
        timezone="Europe/Berlin",
        format="hybrid",
        description="## " + LONG,
        audience=LONG,
        contact_email="workshops@world-a.example",
        languages=["de", "en", "fi"],
    )
    services.add_track(
        series,
        title=text(200),
        target_group=LONG,
        topics=[text(200), "Welcome services"],
        capacity=1000,
    )
    b_member = services.add_member(series, b)
    for centralised, day in (
        (False, date(2027, 3, 3)),  # at A, the first in the rotation
        (False, date(2027, 9, 8)),  # at B, whose turn it is
        (True, date(2027, 11, 10)),  # at A, the coordinator
    ):
        services.create_edition(
            series,
            centralised=centralised,
            title=text(200),
            starts_on=day,
            ends_on=day + timedelta(days=1),
            by=people["organiser"],
        )
    b_member.left_at = datetime.now(UTC)
    db.session.commit()
    return [series.id]


def _longest_period() -> tuple[date, date]:
    """Return the widest plan period the rules allow (or a ten-year one before they exist)."""
    try:
        from app.planner import schemas

        first = getattr(schemas, "EARLIEST_DATE", None)
        last = getattr(schemas, "LATEST_DATE", None)
        longest = getattr(schemas, "MAX_PLAN_YEARS", None)
    except ImportError:  # pragma: no cover - the schemas module always exists
        first = last = longest = None
    start = date(2026, 1, 1)
    years = longest or 10
    end = date(start.year + years, 1, 1) - timedelta(days=1)
    if first and start < first:
        start = first
    if last and end > last:
        end = last
    return start, end


def _largest_numbers() -> dict[str, Decimal]:
    """Return the largest budget and person-days the rules allow."""
    from app.planner import schemas

    return {
        "budget": Decimal(str(getattr(schemas, "MAX_BUDGET", "9999999999.99"))),
        "effort": Decimal(str(getattr(schemas, "MAX_EFFORT", "9999999.9"))),
    }


def _target(unit: str) -> Decimal:
    return {"percent": Decimal(100), "yes-no": Decimal(1), "score": Decimal(10)}.get(
        unit, Decimal("123456.5")
    )


def _fill_activity(
    activity: Any,
    unit_ids: list[int],
    recurrence: str | None,
    status: str,
    largest: dict[str, Decimal],
) -> None:
    """Set every optional field of an activity."""
    activity.format = "hybrid"
    activity.host = text(200)
    activity.start_date = date(2027, 2, 1)
    activity.end_date = date(2027, 11, 30)
    activity.recurrence = recurrence
    activity.budget_planned = largest["budget"]
    activity.budget_actual = largest["budget"]
    activity.effort_planned = largest["effort"]
    activity.effort_actual = Decimal("0.5")
    activity.target_groups = ["administrative-staff", "academic-staff"]
    activity.mobility_stages = ["institutional-setup"]
    activity.unit_ids = unit_ids
    activity.other_actors = [text(200), "Rector's office"]
    activity.partners = [text(200), "EURAXESS"]
    activity.responsible = text(200)
    activity.status = status
    activity.notes = LONG
    activity.evaluation = LONG
