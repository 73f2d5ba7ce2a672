"""Plan exports: one row per occurrence, every field, and no cell that becomes a formula."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.core.extensions import db
from app.core.spreadsheets import FORMULA_STARTS
from app.planner import exports
from app.planner.models import Activity
from app.planner.services import create_plan
from tests.conftest import login

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def plan(client, make_institution, make_user):
    institution = make_institution("uni-a")
    make_user("viewer@example.org", institution=institution, role="viewer")
    made = create_plan(
        institution, title="Plan", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    db.session.add(
        Activity(
            plan=made,
            title="Twice a year",
            start_date=date(2027, 2, 1),
            end_date=date(2027, 2, 2),
            recurrence="FREQ=MONTHLY;INTERVAL=6",
            budget_planned=Decimal("250.50"),
            partners=["University B"],
        )
    )
    db.session.add(
        Activity(
            plan=made,
            title=PAYLOADS[0],
            notes=PAYLOADS[1],
            responsible=PAYLOADS[2],
            partners=[PAYLOADS[3]],
            host=PAYLOADS[4],
            evaluation=PAYLOADS[5],
        )
    )
    db.session.commit()
    login(client, "viewer@example.org")
    return made


def test_csv_has_a_row_per_occurrence_and_every_column(client, plan):
    response = client.get(f"/plans/{plan.id}/export.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="plan-{plan.id}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == exports.COLUMNS
    dated = [r for r in rows if r["title"] == "Twice a year"]
    assert [(r["occurrence_start"], r["occurrence_end"]) for r in dated] == [
        ("2027-02-01", "2027-02-02"),
        ("2027-08-01", "2027-08-02"),
    ]
    assert dated[0]["budget_planned"] == "250.50" and dated[0]["partners"] == "University B"
    # The budget is the activity's: on its first row only, so the column sums to the plan's.
    assert dated[1]["budget_planned"] == "" and dated[1]["partners"] == "University B"
    assert sum(Decimal(r["budget_planned"] or 0) for r in rows) == Decimal("250.50")


def test_csv_cells_never_start_a_formula(client, plan):
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/plans/{plan.id}/export.csv").get_data(as_text=True))
        )
    )
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), value
    payload_row = next(r for r in rows if r["title"].startswith("'="))
    assert payload_row["notes"] == "'+1+1"


def test_xlsx_reads_back_without_formula_cells(client, plan):
    response = client.get(f"/plans/{plan.id}/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Activities"]
    assert [c.value for c in sheet[1]] == list(exports.COLUMNS)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                assert cell.data_type == "s" and cell.quotePrefix, cell.value  # text, as typed
    titles = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert titles.count("Twice a year") == 2
    assert PAYLOADS[0] in titles  # shown exactly as typed, without an apostrophe in front


def test_other_institutions_cannot_export(client, plan, make_institution, make_user):
    other = make_institution("uni-b")
    make_user("someone@example.org", institution=other, role="manager")
    client.post("/logout")
    login(client, "someone@example.org")
    assert client.get(f"/plans/{plan.id}/export.csv").status_code == 404


def test_calendar_feed_parses_back_with_every_occurrence(client, plan):
    from icalendar import Calendar

    client.post("/logout")  # calendar apps fetch the secret address without signing in
    response = client.get(f"/plans/feed/{plan.feed_token}.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = [e for e in calendar.walk("VEVENT")]
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == [date(2027, 2, 1), date(2027, 8, 1)]
    first = next(e for e in events if e.decoded("dtstart") == date(2027, 2, 1))
    assert str(first["summary"]) == "Twice a year"
    assert first.decoded("dtend") == date(2027, 2, 3)  # the day after the last day
    assert len({str(e["uid"]) for e in events}) == 2


def test_a_wrong_feed_secret_is_a_404(client, plan):
    assert client.get("/plans/feed/not-the-secret.ics").status_code == 404


def test_markdown_export_reads_as_a_document(client, plan):
    response = client.get(f"/plans/{plan.id}/export.md")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/markdown"
    assert text.startswith("# Plan\n")
    assert "## Twice a year" in text
    assert "- **When:** 2027-02-01 – 2027-02-02, 2027-08-01 – 2027-08-02" in text
    assert "| Budget (€) | 250.50 | 0 |" in text
    assert "- **Repeats:** FREQ=MONTHLY;INTERVAL=6" in text
    assert "- **Budget (€):** 250.50 planned" in text
