"""`flask data backup` and `flask data restore`: a round trip loses nothing, also across databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import create_app
from app.core.extensions import db
from app.data import services
from tests.conftest import _empty_tables, make_config


@pytest.fixture
def full(app, catalogue, two_institutions, make_user):
    """A database with something in every table: catalogue, people, plans, values, tokens."""
    from app.accounts.services import create_api_token
    from app.mail.models import OutboxMessage
    from app.practices import services as practices

    people, ids = two_institutions
    create_api_token(people["planner"], "script", 30)
    db.session.add(
        OutboxMessage(recipient="x@example.org", subject="Hi", body="Ünïcode ✓", delivery="outbox")
    )
    from app.indicators.models import IndicatorTarget, Measurement, MeasurementChange
    from app.planner.models import Activity, ChecklistItem, StatusChange

    activity = db.session.get(Activity, ids["activity"])
    activity.checklist.append(ChecklistItem(text="Book rooms", done=True))
    activity.status_changes.append(StatusChange(status="idea", changed_by="planner@a.example"))
    db.session.add(IndicatorTarget(indicator_id=ids["indicator"], period_key="2027-Q1", value=5))
    measurement = db.session.scalar(select(Measurement))
    db.session.add(MeasurementChange(measurement=measurement, new_value=3, changed_by="p"))
    practice = practices.get_practice("hosting-a-study-visit")
    sheet = practices.sheet_from_practice(practice)
    practices.save_sheet(practice, sheet.model_copy(update={"summary": "Edited"}), author=None)
    _hosted_event(people)
    _series(people)
    _sending(ids["plan"])
    _visit(people)
    db.session.commit()
    # A write confined to the plan: its data version gets a row (app/core/data_version.py).
    activity.title = "Edited in its plan alone"
    db.session.commit()
    empty = [
        t.name
        for t in services.tables()
        if not db.session.scalar(select(func.count()).select_from(t))
    ]
    assert empty == [], f"the fixture leaves tables empty: {empty}"
    return ids


def _hosted_event(people):
    """Add an event with a row in each of its tables: track, question, rubric, committee,
    message, applicant, application, answer, review, attendance and feedback."""
    from datetime import date

    from app.applications.models import Answer
    from app.events.models import MessageTemplate
    from app.participation.models import Attendance, Feedback
    from tests.events.factories import (
        make_criterion,
        make_event,
        make_member,
        make_participant,
        make_question,
        make_review,
        make_track,
    )

    manager = people["manager"]
    institution = manager.roles[0].institution
    event = make_event(
        institution, title="Päivät ✓", languages=["en", "fi"], consent_text="Tietosuoja **✓**"
    )
    track = make_track(event)
    question = make_question(
        track,
        kind="one_choice",
        choices=["Yes ✓", "No"],
        prompt_fi="Miksi? ✓",
        prompt_sv="Varför? ✓",
        help_fi="Apu",
        help_sv="Hjälp",
        choices_fi=["Kyllä ✓", "Ei"],
        choices_sv=["Ja ✓", "Nej"],
    )
    criterion = make_criterion(event)
    make_member(track, manager)
    application, _token = make_participant(track, "ünï@elsewhere.example", name="Łukasz Ærø")
    application.consent_text = event.consent_text
    application.consent_digest = "d" * 64
    db.session.add_all(
        [
            MessageTemplate(
                event=event, kind="accepted", language="fi", subject="Tervetuloa", body="Hei"
            ),
            Answer(application=application, question=question, value="Yes ✓"),
            Attendance(application=application, day=date(2026, 5, 6), marked_by="m"),
            Feedback(application=application, overall=5, track_rating=4, will_change="Kaikki"),
        ]
    )
    make_review(application, manager, {criterion: 4}, "Hyvä")


def _series(people):
    """Add a series with a member, a shared track and the hosted event as its edition."""
    from app.events.models import Event
    from app.series import services as series_services

    institution = people["manager"].roles[0].institution
    series = series_services.create_series(institution, name="Työpajat ✓", languages=["de"])
    series_services.add_track(series, title="Neuvonta", topics=["Visa"])
    db.session.scalar(select(Event)).series_id = series.id


def _sending(plan_id):
    """Add a plan's sending of staff to the hosted event, with its activity."""
    from decimal import Decimal

    from app.events.models import Event
    from app.planner.models import Activity
    from app.sending.models import Sending

    activity = Activity(plan_id=plan_id, title="Job shadowing ✓")
    db.session.add(
        Sending(
            plan_id=plan_id,
            activity=activity,
            event=db.session.scalar(select(Event)),
            people=2,
            travel_per_person=Decimal("350.50"),
            subsistence_per_day=Decimal("120.00"),
        )
    )


def _visit(people):
    """Add a unit that hosts visits, its contact, and a recorded visit with its days and
    feedback."""
    from datetime import UTC, date, datetime

    from app.events.models import token_digest
    from app.institutions.models import Unit
    from app.visits.models import VisitContact, VisitDay, VisitFeedback, VisitRequest, VisitUnit

    institution = people["manager"].roles[0].institution
    unit = Unit(institution=institution, name="Kielikeskus ✓", kind="language-centre")
    offer = VisitUnit(
        unit=unit, accepts_visits=True, topics=["Opetus"], languages=["fi"], months=[5]
    )
    offer.contacts = [VisitContact(user_id=people["viewer"].id)]
    visit = VisitRequest(
        institution=institution,
        unit=unit,
        suggested_unit=unit,
        state="recorded",
        email="vieras@elsewhere.example",
        name="Åsa Øberg",
        home_institution="Elsewhere",
        role="Teacher",
        topic="Kielten opetus",
        preferred_start=date(2027, 5, 10),
        preferred_end=date(2027, 5, 11),
        starts_on=date(2027, 5, 10),
        ends_on=date(2027, 5, 11),
        programme="## Päivä 1",
        token_digest=token_digest("backup-visit"),
        verified_at=datetime.now(UTC),
    )
    visit.days = [VisitDay(day=date(2027, 5, 10), marked_by="m")]
    visit.feedback = VisitFeedback(overall=5, will_change="Kaikki", comments="Kiitos")
    db.session.add_all([unit, offer, visit])


def _normal(value):
    """Compare values as the databases mean them: exact decimals, datetimes in UTC."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, normalised."""
    return {
        table.name: [
            {c.name: _normal(v) for c, v in zip(table.columns, row, strict=True)}
            for row in db.session.execute(
                select(*table.columns).order_by(*table.primary_key.columns)
            )
        ]
        for table in services.tables()
    }


def test_a_round_trip_loses_nothing(app, runner, full, tmp_path):
    before = snapshot()
    file = tmp_path / "backup.json.gz"
    result = runner.invoke(args=["data", "backup", str(file)])
    assert result.exit_code == 0, result.output
    assert not file.with_name(file.name + ".partial").exists()
    _empty_tables()
    result = runner.invoke(args=["data", "restore", str(file)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert snapshot() == before


def test_the_names_from_before_the_data_group_still_work(app, runner, full, tmp_path):
    before = snapshot()
    file = tmp_path / "backup.json"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    _empty_tables()
    result = runner.invoke(args=["restore", str(file)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert snapshot() == before


def test_the_data_group_holds_load_backup_and_restore(runner):
    result = runner.invoke(args=["data", "--help"])
    assert result.exit_code == 0
    assert all(f"  {name} " in result.output for name in ("load", "backup", "restore"))
    # The old names work (above) but are not offered: one place to look.
    listed = runner.invoke(args=["--help"]).output
    assert "  data " in listed and "  backup " not in listed and "  restore " not in listed


def test_a_restored_database_keeps_working(app, runner, full, tmp_path, client):
    from app.planner.models import Activity, Plan

    file = tmp_path / "backup.json"
    runner.invoke(args=["data", "backup", str(file)])
    _empty_tables()
    assert runner.invoke(args=["data", "restore", str(file)]).exit_code == 0
    # New rows get fresh ids (PostgreSQL's sequences moved past the restored ones).
    plan = db.session.get(Plan, full["plan"])
    activity = Activity(plan=plan, title="After the restore")
    db.session.add(activity)
    db.session.commit()
    assert activity.id > full["activity"]
    # Full-text search finds the restored sheets.
    page = client.get("/practices?q=job+shadowing").get_data(as_text=True)
    assert "/practices/sending-staff-on-job-shadowing" in page


def test_restore_refuses_a_database_that_is_not_empty(app, runner, full, tmp_path):
    file = tmp_path / "backup.json"
    runner.invoke(args=["data", "backup", str(file)])
    before = snapshot()
    result = runner.invoke(args=["data", "restore", str(file)])
    assert result.exit_code != 0
    assert "nothing restored" in result.output and "is not empty" in result.output
    db.session.remove()
    assert snapshot() == before


def test_restore_refuses_another_revision_or_format_and_says_why(app, runner, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(
            {"format": services.FORMAT, "format_version": 1, "revision": "0001", "tables": {}}
        )
    )
    result = runner.invoke(args=["data", "restore", str(other)])
    assert result.exit_code != 0 and "schema revision 0001" in result.output
    stranger = tmp_path / "stranger.json"
    stranger.write_text('{"hello": "world"}')
    assert (
        "not a backup of this app" in runner.invoke(args=["data", "restore", str(stranger)]).output
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    assert "not a readable backup" in runner.invoke(args=["data", "restore", str(broken)]).output


def test_a_failing_row_restores_nothing(app, runner, full, tmp_path):
    file = tmp_path / "backup.json"
    runner.invoke(args=["data", "backup", str(file)])
    document = json.loads(file.read_text())
    # Two activities with the same id: the database refuses the second, late in the load.
    document["tables"]["activities"].append(dict(document["tables"]["activities"][0]))
    file.write_text(json.dumps(document))
    _empty_tables()
    result = runner.invoke(args=["data", "restore", str(file)])
    assert result.exit_code != 0 and "nothing restored" in result.output
    db.session.remove()
    assert all(rows == [] for rows in snapshot().values())


def test_a_backup_restores_into_the_other_kind_of_database_and_back(
    app, runner, full, tmp_path, migrated_database
):
    """PostgreSQL to SQLite and back when the suite runs on PostgreSQL; SQLite to SQLite else."""
    from flask_migrate import upgrade

    before = snapshot()
    first = tmp_path / "first.json"
    runner.invoke(args=["data", "backup", str(first)])
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = create_app(make_config(other_url))
    with other.app_context():
        upgrade()
        result = other.test_cli_runner().invoke(args=["data", "restore", str(first)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before
        second = tmp_path / "second.json"
        assert other.test_cli_runner().invoke(args=["data", "backup", str(second)]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    _empty_tables()
    result = runner.invoke(args=["data", "restore", str(second)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert snapshot() == before


def test_files_and_text_survive_byte_for_byte(app, runner, full, tmp_path):
    from app.indicators.models import EvidenceFile

    evidence = db.session.scalar(select(EvidenceFile))
    evidence.content = bytes(range(256)) * 3
    db.session.commit()
    file = tmp_path / "b.json"
    runner.invoke(args=["data", "backup", str(file)])
    _empty_tables()
    runner.invoke(args=["data", "restore", str(file)])
    db.session.remove()
    from sqlalchemy.orm import undefer

    restored = db.session.scalar(select(EvidenceFile).options(undefer(EvidenceFile.content)))
    assert restored.content == bytes(range(256)) * 3


def test_dates_and_amounts_are_written_exactly(app, full, tmp_path):
    import io

    out = io.StringIO()
    services.dump(out)
    document = json.loads(out.getvalue())
    measurement = document["tables"]["measurements"][0]
    assert measurement["period_end"] == date(2027, 3, 31).isoformat()
    assert Decimal(measurement["value"]) == Decimal(3)
    assert document["revision"] == services.revision()
