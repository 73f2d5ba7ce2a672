"""Plan exports: one row per occurrence, every field, and no cell that becomes a formula."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from app.core.extensions import db
from app.core.spreadsheets import FORMULA_STARTS
from app.planner import exports
from app.planner.models import Activity, ChecklistItem
from app.planner.services import create_plan
from tests.conftest import login

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _rows(text: str) -> list[dict[str, str]]:
    """Read an export's CSV by column name: its headers are in the reader's language."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    names = [exports.column_named(header) for header in next(reader)]
    return [dict(zip(names, row, strict=True)) for row in reader]


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
    assert response.headers["Content-Disposition"] == 'attachment; filename="plan-2027.csv"'
    text = response.get_data(as_text=True)
    # The byte order mark first, so that Excel reads the UTF-8 rightly.
    assert text.startswith("\ufeffActivity id,Occurrence starts,Occurrence ends,Title,Practice,")
    rows = _rows(text)
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
    rows = list(_rows(client.get(f"/plans/{plan.id}/export.csv").get_data(as_text=True)))
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), value
    payload_row = next(r for r in rows if r["title"].startswith("'="))
    assert payload_row["notes"] == "'+1+1"


def test_xlsx_reads_back_without_formula_cells(client, plan):
    response = client.get(f"/plans/{plan.id}/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Activities"]
    assert [c.value for c in sheet[1]] == [exports.LABELS[c] for c in exports.COLUMNS]
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
    from app.accounts.services import get_user_by_email
    from app.planner.services import feed_token

    viewer = get_user_by_email("viewer@example.org")  # an address is a member's own
    response = client.get(f"/plans/feed/{feed_token(plan, viewer)}.ics")
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
    assert "- **When:** 1 Feb 2027 – 2 Feb 2027, 1 Aug 2027 – 2 Aug 2027" in text
    assert "| Budget | €250.50 | €0.00 |" in text
    assert "- **Repeats:** every 6 months" in text and "FREQ=" not in text
    assert "- **Budget:** €250.50 planned" in text


def test_exports_say_the_recurrence_in_words(client, plan):
    rows = list(_rows(client.get(f"/plans/{plan.id}/export.csv").get_data(as_text=True)))
    assert {r["recurrence"] for r in rows if r["title"] == "Twice a year"} == {"every 6 months"}
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{plan.id}/export.xlsx").data)).active
    column = {name: i + 1 for i, name in enumerate(exports.COLUMNS)}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value == "Twice a year")
    assert sheet.cell(row, column["recurrence"]).value == "every 6 months"


def test_xlsx_is_laid_out_for_people(client, plan):
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{plan.id}/export.xlsx").data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(1, 1).font.bold
    column = {name: i + 1 for i, name in enumerate(exports.COLUMNS)}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value == "Twice a year")
    assert sheet.cell(row, column["budget_planned"]).number_format == exports.MONEY_FORMAT
    assert sheet.cell(row, column["effort_planned"]).number_format == exports.DAYS_FORMAT
    assert sheet.cell(row, column["start_date"]).number_format == exports.DATE_FORMAT
    assert sheet.cell(row, column["budget_planned"]).value == 250.5
    widths = [sheet.column_dimensions[letter].width for letter in ("A", "D", "V")]
    assert widths == [13, 40, 50]  # the id, the title, the notes


@pytest.mark.parametrize(
    ("title", "start", "end", "disposition"),
    [
        (
            "International week plan",
            date(2027, 1, 1),
            date(2027, 12, 31),
            'attachment; filename="international-week-plan-2027.{kind}"',
        ),
        (
            "International week plan 2027",
            date(2027, 1, 1),
            date(2027, 12, 31),
            'attachment; filename="international-week-plan-2027.{kind}"',
        ),
        (
            "Academic year",
            date(2027, 9, 1),
            date(2028, 8, 31),
            'attachment; filename="academic-year-2027-2028.{kind}"',
        ),
        (
            "Semaine d'accueil à Zürich",
            date(2027, 1, 1),
            date(2027, 12, 31),
            'attachment; filename="semaine-d-accueil-a-zurich-2027.{kind}"; '
            "filename*=UTF-8''semaine-d-accueil-%C3%A0-z%C3%BCrich-2027.{kind}",
        ),
        (
            '"; evil="\r\n../../x',
            date(2027, 1, 1),
            date(2027, 12, 31),
            'attachment; filename="evil-x-2027.{kind}"',
        ),
        ("東京", date(2027, 1, 1), date(2027, 12, 31), None),
    ],
)
def test_downloads_are_named_after_the_plan(client, plan, title, start, end, disposition):
    plan.title, plan.period_start, plan.period_end = title, start, end
    db.session.commit()
    for kind in ("csv", "xlsx", "md", "ics"):
        response = client.get(f"/plans/{plan.id}/export.{kind}")
        assert response.status_code == 200
        header = response.headers["Content-Disposition"]
        if disposition is None:  # nothing ASCII in the title: the fallback says "plan"
            assert header == (
                f'attachment; filename="plan-2027.{kind}"; '
                f"filename*=UTF-8''%E6%9D%B1%E4%BA%AC-2027.{kind}"
            )
        else:
            assert header == disposition.format(kind=kind)


CONTROLS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]] + ["\u2028", "\r\n"]
TEXT_FIELDS = ("title", "host", "responsible", "notes", "evaluation")


@pytest.fixture
def controlled(plan):
    """Every text of the plan, its institution, its units and its activities holds every
    control character."""
    from app.institutions.models import Unit

    # PostgreSQL stores no NUL in text (SQLite does, so an export meets it there).
    stored = [c for c in CONTROLS if c != "\x00" or db.engine.dialect.name == "sqlite"]
    junk = "A" + "".join(stored) + "Z"
    plan.title = f"Plan{junk}"
    plan.goals_text = junk
    plan.institution.name = f"Uni{junk}"
    plan.institution.units.append(Unit(name=f"Unit{junk}", kind="international-office"))
    db.session.flush()
    for activity in plan.activities:
        for name in TEXT_FIELDS:
            setattr(activity, name, f"{name}{junk}")
        activity.partners = [f"Partner{junk}"]
        activity.checklist.append(ChecklistItem(text=f"Point{junk}"))
        activity.unit_ids = [plan.institution.units[-1].id]
        activity.start_date = activity.start_date or date(2027, 5, 1)
    db.session.commit()
    return plan


def test_xlsx_export_survives_every_control_character(client, controlled):
    response = client.get(f"/plans/{controlled.id}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    texts = [c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    titles = [t for t in texts if t.startswith("title")]
    assert titles and all(t.startswith("titleA") and t.endswith("Z") for t in titles)
    for text in texts:
        assert not any(ch in text for ch in map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, 0x0E]))


def test_csv_and_markdown_survive_every_control_character(client, controlled):
    response = client.get(f"/plans/{controlled.id}/export.csv")
    assert response.status_code == 200
    rows = list(_rows(response.get_data(as_text=True)))
    assert {r["title"][:6] for r in rows} <= {"titleA", "'title"} and rows
    assert all("\x00" not in value for row in rows for value in row.values())
    text = client.get(f"/plans/{controlled.id}/export.md").get_data(as_text=True)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    # Each title is one heading line: a line break in it cannot start a new paragraph.
    assert headings[0].startswith("# PlanA") and headings[0].endswith("Z")
    assert all(line.endswith("Z") for line in headings[1:])
    points = [line for line in text.splitlines() if line.startswith("- [ ] Point")]
    assert len(points) == 2 and all(line.endswith("Z") for line in points)
    assert not any(ch in text for ch in map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, 0x7F]))


def test_calendar_survives_every_control_character(client, controlled):
    from icalendar import Calendar

    response = client.get(f"/plans/{controlled.id}/export.ics")
    assert response.status_code == 200
    body = response.data
    # No control character in any value; lines end with CRLF and nothing else.
    for line in body.split(b"\r\n"):
        assert not any(b < 0x20 and b != 0x09 for b in line), line
    calendar = Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]).startswith("PlanA")
    for event in calendar.walk("VEVENT"):
        assert str(event["summary"]).startswith("titleA")
        assert str(event["location"]).startswith(("hostA", "UniA"))


def test_calendar_events_say_what_where_and_link_to_the_plan(client, plan, app):
    from icalendar import Calendar

    calendar = Calendar.from_ical(client.get(f"/plans/{plan.id}/export.ics").data)
    event = next(e for e in calendar.walk("VEVENT") if str(e["summary"]) == "Twice a year")
    link = f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/plans/{plan.id}"
    assert str(event["url"]) == link
    assert str(event["location"]) == plan.institution.name  # hosted at home
    description = str(event["description"])
    assert "Repeats: every 6 months" in description and "Partners: University B" in description
    assert description.endswith(f"Plan: Plan\n{link}")
    # The link comes from the configuration, never from the Host the caller sent.
    other = client.get(f"/plans/{plan.id}/export.ics", headers={"Host": "evil.example"})
    assert b"evil.example" not in other.data


def test_the_plan_page_offers_every_download(client, plan):
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    for kind in ("csv", "xlsx", "md", "ics"):
        assert f'href="/plans/{plan.id}/export.{kind}"' in page


@pytest.mark.parametrize(
    ("rule", "cell"),
    [
        ("FREQ=WEEKLY", "every week"),
        ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
        ("FREQ=YEARLY", "every year"),
        # Words an import would not read back as this rule: the rule itself.
        ("FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;BYMONTHDAY=15"),
    ],
)
def test_a_rule_is_exported_as_an_import_reads_it(client, plan, rule, cell):
    activity = next(a for a in plan.activities if a.title == "Twice a year")
    activity.recurrence = rule
    db.session.commit()
    rows = list(_rows(client.get(f"/plans/{plan.id}/export.csv").get_data(as_text=True)))
    assert {r["recurrence"] for r in rows if r["title"] == "Twice a year"} == {cell}
    markdown = client.get(f"/plans/{plan.id}/export.md").get_data(as_text=True)
    assert f"- **Repeats:** {exports.describe(rule)}" in markdown  # people read words


MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](http://evil.example/track.png)",
    "<https://evil.example>",
    "\\<b>escaped escape</b>",
    "`code` & &amp; entities",
]


@pytest.mark.parametrize("text", MARKUP)
def test_markdown_export_keeps_peoples_text_literal(client, make_institution, make_user, text):
    from markdown_it import MarkdownIt

    institution = make_institution("uni-m", name=f"Institution {text}")
    make_user("viewer@example.org", institution=institution, role="viewer")
    made = create_plan(
        institution, title=text, period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    made.goals_text = text
    activity = Activity(
        plan=made, title=text, host=text, notes=text, evaluation=text, partners=[text]
    )
    activity.checklist.append(ChecklistItem(text=text))
    db.session.add(activity)
    db.session.commit()
    login(client, "viewer@example.org")
    document = client.get(f"/plans/{made.id}/export.md").get_data(as_text=True)
    # Rendered as a permissive reader would (raw HTML allowed), nobody's text becomes markup.
    html = MarkdownIt("commonmark", {"html": True}).render(document)
    for tag in ("<script", "<img", "<a ", "<code", "<b>"):
        assert tag not in html, f"{tag} from {text!r}"
    # And each field reads back as typed: the title heading is the text itself.
    heading = MarkdownIt("commonmark").parse(document)[1]
    assert "".join(child.content for child in heading.children or []) == text


# Enough activities for several batches of the database and several parts of each file.
MANY = 2_500


@pytest.fixture
def large_plan(plan):
    """The plan with MANY more one-day activities, written in one bulk insert."""
    db.session.execute(
        insert(Activity),
        [
            {"plan_id": plan.id, "title": f"Visit {n}", "start_date": date(2027, 1 + n % 12, 1)}
            for n in range(MANY)
        ],
    )
    db.session.commit()
    return plan


def _parts(response) -> list[bytes]:
    """Return the parts a response handed to the server, as the app yielded them."""
    return [part for part in response.response if part]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "ics"])
def test_exports_of_a_large_plan_are_streamed(client, large_plan, kind):
    response = client.get(f"/plans/{large_plan.id}/export.{kind}")
    assert response.status_code == 200
    # A file held whole would come as one part with its length known in advance.
    assert "Content-Length" not in response.headers
    assert len(_parts(response)) > 2


def test_a_streamed_csv_of_a_large_plan_has_every_row(client, large_plan):
    rows = _rows(client.get(f"/plans/{large_plan.id}/export.csv").get_data(as_text=True))
    # MANY one-day visits, two occurrences of "Twice a year" and the undated one.
    assert len(rows) == MANY + 3
    assert {r["title"] for r in rows} >= {f"Visit {n}" for n in range(MANY)}


def test_a_streamed_xlsx_of_a_large_plan_has_every_row(client, large_plan):
    response = client.get(f"/plans/{large_plan.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Activities"]
    titles = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert len(titles) == MANY + 3 and titles.count("Twice a year") == 2
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:W{MANY + 4}"
    assert sheet["A1"].font.b and sheet["M2"].number_format != "General"


def test_a_streamed_calendar_of_a_large_plan_has_every_event(client, large_plan):
    from icalendar import Calendar

    calendar = Calendar.from_ical(client.get(f"/plans/{large_plan.id}/export.ics").data)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert len(summaries) == MANY + 2  # the undated activity is not in a calendar
    assert len(set(str(e["uid"]) for e in calendar.walk("VEVENT"))) == MANY + 2
