"""The planner in Finnish and Swedish: files in the reader's language that import again in any
language, the calendar feed in its member's language, and rules in words of each language.

The translations are read from the merged catalogues (tests/catalogues.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.institutions.models import Unit
from app.planner import exports
from app.planner.models import Activity, Plan
from app.planner.recurrence import describe, rule_from_words
from app.planner.services import create_plan, feed_token
from tests.catalogues import catalogue_path
from tests.conftest import login

FINNISH = {"Accept-Language": "fi"}


def translated(language: str, msgid: str, context: str | None = None) -> str:
    """Return what this part's catalogue says for a message (the merged one says the same)."""
    with catalogue_path(language).open("rb") as file:
        message = read_po(file, locale=language).get(msgid, context=context)
    assert message is not None and message.string, msgid
    return message.string


@pytest.fixture
def plans(client, catalogues, make_institution, make_user):
    institution = make_institution("uni-a")
    institution.units.append(Unit(name="International Office", kind="international-office"))
    make_user("plan@example.org", institution=institution, role="planner")
    source, target = (
        create_plan(
            institution, title=title, period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
        )
        for title in ("Source", "Target")
    )
    db.session.add(
        Activity(
            plan=source,
            title="Staff week",
            format="hybrid",
            status="in_progress",
            start_date=date(2027, 3, 1),
            end_date=date(2027, 3, 2),
            recurrence="FREQ=MONTHLY;INTERVAL=6",
            budget_planned=Decimal("1234.50"),
            budget_actual=Decimal("99.90"),
            effort_planned=Decimal("3.5"),
            partners=["University B"],
            unit_ids=[institution.units[0].id],
            responsible="Ana",
            notes="Line one\nline two",
        )
    )
    db.session.commit()
    login(client, "plan@example.org")
    return source, target


def _fields(activity: Activity) -> tuple:
    return (
        activity.title,
        activity.format,
        activity.status,
        activity.start_date,
        activity.end_date,
        activity.recurrence,
        activity.budget_planned,
        activity.budget_actual,
        activity.effort_planned,
        activity.partners,
        activity.unit_ids,
        activity.responsible,
        activity.notes,
    )


def _activities(plan: Plan) -> list[tuple]:
    db.session.expire_all()
    return sorted(
        _fields(a) for a in db.session.scalars(select(Activity).where(Activity.plan_id == plan.id))
    )


def upload(client, plan: Plan, name: str, data: bytes, headers: dict[str, str] | None = None):
    return client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def test_a_finnish_csv_export_is_written_in_finnish_and_imports_again(client, plans):
    source, target = plans
    response = client.get(f"/plans/{source.id}/export.csv", headers=FINNISH)
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert header[:4] == [
        translated("fi", "Activity id"),
        translated("fi", "Occurrence starts"),
        translated("fi", "Occurrence ends"),
        translated("fi", "Title"),
    ]
    assert header[0] == "Toimenpiteen tunniste"
    cell = dict(zip(header, first, strict=True))
    assert cell[translated("fi", "Status")] == translated("fi", "In progress", "activity status")
    assert cell[translated("fi", "Format")] == "Hybridi"
    assert cell[translated("fi", "Repeats")] == "6 kuukauden välein"
    # Values stay machine-readable: ISO dates, plain decimals.
    assert cell[translated("fi", "Starts")] == "2027-03-01"
    assert cell[translated("fi", "Budget planned (€)")] == "1234.50"
    # Read back by someone reading English: every word is known in every language.
    assert upload(client, target, "plan.csv", response.data).status_code == 302
    assert _activities(target) == _activities(source)


def test_a_finnish_xlsx_export_has_finnish_headers_typed_cells_and_imports_again(client, plans):
    source, target = plans
    response = client.get(f"/plans/{source.id}/export.xlsx", headers=FINNISH)
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [translated("fi", "Activities")] == ["Toimenpiteet"]
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    with force_locale("en_GB"):
        english = [str(exports.LABELS[c]) for c in exports.COLUMNS]
    assert header == [translated("fi", msgid) for msgid in english]
    cell = dict(zip(header, (c for c in sheet[2]), strict=True))
    assert cell["Tila"].value == "Käynnissä"
    assert isinstance(cell[translated("fi", "Starts")].value, datetime)
    assert cell[translated("fi", "Budget planned (€)")].value == 1234.5
    assert cell[translated("fi", "Budget planned (€)")].number_format.endswith('"€"')
    assert upload(client, target, "plan.xlsx", response.data).status_code == 302
    assert _activities(target) == _activities(source)


def test_an_import_with_swedish_headers_and_words_works(client, plans):
    _, target = plans
    sv = {m: translated("sv", m) for m in ("Title", "Format", "Status", "Starts", "Repeats")}
    assert sv["Title"] == "Titel" and sv["Starts"] == "Börjar"
    text = (
        f"{sv['Title']},{sv['Format']},{sv['Status']},{sv['Starts']},{sv['Repeats']}\n"
        "Workshop,På plats,Pågår,2027-02-01,med 2 veckors mellanrum\n"
    )
    assert upload(client, target, "plan.csv", text.encode()).status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.plan_id == target.id))
    assert (activity.title, activity.format, activity.status, activity.recurrence) == (
        "Workshop",
        "on-site",
        "in_progress",
        "FREQ=WEEKLY;INTERVAL=2",
    )


def test_the_import_page_lists_the_columns_in_the_readers_language(client, plans):
    _, target = plans
    page = client.get(f"/plans/{target.id}/import", headers=FINNISH).get_data(as_text=True)
    assert "Toimenpiteen tunniste <code>activity_id</code>" in page
    assert translated("fi", "Nothing was imported.") not in page


def _description(app: Flask, token: str) -> str:
    """Fetch a feed as a calendar app does (no session) and return its first event's text."""
    response = app.test_client().get(f"/plans/feed/{token}.ics", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    event = next(iter(Calendar.from_ical(response.data).walk("VEVENT")))
    return str(event["DESCRIPTION"])


@pytest.mark.parametrize(
    ("language", "status", "repeats"),
    [
        ("fi", "Tila: Käynnissä", "Toistuu: 6 kuukauden välein"),
        ("sv", "Status: Pågår", "Upprepas: med 6 månaders mellanrum"),
        (None, "Status: In progress", "Repeats: every 6 months"),
    ],
)
def test_the_calendar_feed_is_written_in_its_members_language(
    app, plans, language, status, repeats
):
    source, _ = plans
    member = db.session.scalar(select(User).where(User.email == "plan@example.org"))
    member.language = language
    db.session.commit()
    text = _description(app, feed_token(source, member))
    assert status in text and repeats in text
    if language:
        assert translated(language, "Status: %(status)s").split(":")[0] in status


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (None, "kerran"),
        ("FREQ=WEEKLY", "joka viikko"),
        ("FREQ=MONTHLY;INTERVAL=6", "6 kuukauden välein"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "viikoittain maanantaisin ja torstaisin"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "kuukausittain viimeisenä perjantaina"),
        ("FREQ=MONTHLY;BYDAY=1MO", "kuukausittain ensimmäisenä maanantaina"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "kuukausittain 15. päivänä"),
        ("FREQ=YEARLY;BYMONTH=3,9", "vuosittain maaliskuussa ja syyskuussa"),
        ("FREQ=WEEKLY;COUNT=4", "joka viikko, 4 kertaa"),
        ("FREQ=MONTHLY;UNTIL=20270630", "joka kuukausi, 30.6.2027 asti"),
    ],
)
def test_a_rule_is_said_in_finnish(app, catalogues, rule, words):
    with app.test_request_context(), force_locale("fi_FI"):
        assert describe(rule) == words


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY;INTERVAL=3", "FREQ=YEARLY;INTERVAL=2"],
)
@pytest.mark.parametrize("locale", ["fi_FI", "sv_FI"])
def test_finnish_and_swedish_words_of_a_rule_read_back_as_the_rule(app, catalogues, rule, locale):
    with app.test_request_context():
        with force_locale(locale):
            words = describe(rule)
        assert words != describe(rule)  # not the English words
        assert rule_from_words(words) == rule
        assert rule_from_words(words.upper()) == rule


def test_the_plan_page_says_repeats_and_statuses_in_finnish(client, plans):
    source, _ = plans
    page = client.get(f"/plans/{source.id}", headers=FINNISH).get_data(as_text=True)
    assert "toistuu: 6 kuukauden välein" in page
    assert "Käynnissä" in page and "Hybridi" in page
    assert "in progress" not in page.lower()


def test_the_plan_page_names_months_in_finnish_as_headings(client, plans):
    source, _ = plans
    url = f"/plans/{source.id}?group=month"
    page = client.get(url, headers=FINNISH).get_data(as_text=True)
    assert "<h3>maaliskuu 2027 <" in page and "<h3>syyskuu 2027 <" in page
    assert "<h3>March 2027 <" in client.get(url).get_data(as_text=True)
