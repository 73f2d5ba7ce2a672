"""One source of rules: the activity form, the import and the API refuse the same bad values.

Each case is sent through the three doors into the same plan; each must answer 400 with a
message at the field (or column) and store nothing. Run on SQLite and on PostgreSQL, where a
value the model's column cannot hold used to reach the database as a DataError (a 500).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from markupsafe import escape
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from app.core.extensions import db
from app.planner.exports import LABELS
from app.planner.forms import EDITED_FIELDS
from app.planner.models import Activity, Plan
from app.planner.services import create_plan
from tests.conftest import login

TOO_MANY_PARTNERS = [f"Partner {n}" for n in range(101)]

# (case, schema field, value as typed in a form or a file, value in JSON, what each says).
CASES = [
    ("long title", "title", "t" * 201, "t" * 201, "200"),
    ("title with a newline", "title", "Two\nlines", "Two\nlines", "single line"),
    ("title with NUL", "title", "Nul\x00here", "Nul\x00here", "single line"),
    ("long host", "host", "h" * 300, "h" * 300, "200"),
    ("host with CRLF", "host", "Uni\r\nB", "Uni\r\nB", "single line"),
    ("long responsible", "responsible", "r" * 201, "r" * 201, "200"),
    ("long notes", "notes", "n" * 10_001, "n" * 10_001, "10000"),
    ("notes with a control character", "notes", "bell\x07", "bell\x07", "control characters"),
    ("long evaluation", "evaluation", "e" * 10_001, "e" * 10_001, "10000"),
    ("bad format", "format", "by-pigeon", "by-pigeon", "not one of"),
    ("bad status", "status", "finished", "finished", "not one of"),
    ("impossible date", "start_date", "2027-02-30", "2027-02-30", "date"),
    ("far date", "end_date", "9999-12-31", "9999-12-31", "2100-12-31"),
    ("early date", "start_date", "1999-12-31", "1999-12-31", "2000-01-01"),
    ("date far from the plan", "start_date", "2031-06-01", "2031-06-01", "within a year"),
    ("infinite budget", "budget_planned", "Infinity", "Infinity", "number"),
    ("NaN budget", "budget_planned", "NaN", "NaN", "number"),
    ("signalling NaN", "budget_actual", "sNaN", "sNaN", "number"),
    ("huge budget", "budget_planned", "1e400", "1e400", ""),
    ("large budget", "budget_planned", "1E+20", 1e20, ""),
    ("negative days", "effort_planned", "-5", -5, "negative|at least 0"),
    ("too precise days", "effort_actual", "1.25", "1.25", "decimal place"),
    (
        "rule that never occurs",
        "recurrence",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
        "no day",
    ),
    ("unreadable rule", "recurrence", "FREQ=HOURLY", "FREQ=HOURLY", "FREQ"),
    (
        "53rd Monday of a month",
        "recurrence",
        "FREQ=MONTHLY;BYDAY=53MO",
        "FREQ=MONTHLY;BYDAY=53MO",
        "BYDAY",
    ),
    (
        "99th Monday of a year",
        "recurrence",
        "FREQ=YEARLY;BYDAY=99MO",
        "FREQ=YEARLY;BYDAY=99MO",
        "BYDAY",
    ),
    ("too many partners", "partners", TOO_MANY_PARTNERS, TOO_MANY_PARTNERS, "100"),
]
# Where the form takes a field of the schema under another name.
FORM_FIELD = {"host": "other_host", "partners": "other_partners"}


@pytest.fixture
def plan(client, make_institution, make_user) -> Plan:
    institution = make_institution("uni-a")
    make_user("plan@example.org", institution=institution, role="planner")
    plan = create_plan(
        institution, title="Plan", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    db.session.commit()
    login(client, "plan@example.org")
    return plan


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


def _typed(value: object) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value)


def _matches(fragments: str, text: str) -> bool:
    return any(fragment.lower() in text.lower() for fragment in fragments.split("|"))


def _cells(field: str, value: object) -> dict[str, str]:
    cells = {"title": "Workshop", field: "; ".join(value) if isinstance(value, list) else value}
    if field == "recurrence":
        cells["start_date"] = "2027-03-01"
    return cells


@pytest.mark.parametrize(
    ("field", "typed", "says"), [(c[1], c[2], c[4]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_activity_form_refuses_it(client, plan, field, typed, says):
    data = {"title": "Workshop", "format": "on-site", "status": "idea"}
    data.update({k: _typed(v) for k, v in _cells(field, typed).items()})
    name = FORM_FIELD.get(field, field)
    data[name] = _typed(typed)
    response = client.post(f"/plans/{plan.id}/activities/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-2000:]
    assert f'id="{name}-error"' in page
    error = page.split(f'id="{name}-error">', 1)[1].split("</p>", 1)[0]
    assert _matches(says, error), error
    assert _stored() == 0


@pytest.mark.parametrize(
    ("field", "typed", "says"), [(c[1], c[2], c[4]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_import_refuses_it(client, plan, field, typed, says):
    cells = _cells(field, typed)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(cells))
    writer.writeheader()
    writer.writerow(cells)
    response = client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(buffer.getvalue().encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-2000:]
    assert "Nothing was imported." in page
    # A problem names the column as the export heads it, in the reader's language.
    header = escape(str(LABELS[field]))
    problem = page.split(f"row 2, column {header}: ", 1)[1].split("</li>", 1)[0]
    assert _matches(says, problem), problem
    assert _stored() == 0


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [(c[1], c[3], c[4]) for c in CASES if c[3] is not None],
    ids=[c[0] for c in CASES if c[3] is not None],
)
def test_the_api_refuses_it(client, plan, field, value, says):
    body = {"title": "Workshop", field: value}
    if field == "recurrence":
        body["start_date"] = "2027-03-01"
    response = client.post(f"/api/v1/plans/{plan.id}/activities", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    fields = response.get_json()["error"]["fields"]
    message = next(text for where, text in fields.items() if where.split(".")[0] == field)
    assert _matches(says, message), message
    assert _stored() == 0


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_the_api_refuses_non_finite_json_numbers(client, plan, token):
    # Python's JSON reader takes NaN and Infinity, which no JSON writer can give back.
    response = client.post(
        f"/api/v1/plans/{plan.id}/activities",
        data='{"title": "Workshop", "budget_planned": ' + token + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "budget_planned" in response.get_json()["error"]["fields"]
    assert _stored() == 0


def test_a_rule_that_never_occurs_in_a_json_patch_is_refused(client, plan):
    created = client.post(
        f"/api/v1/plans/{plan.id}/activities",
        json={"title": "Workshop", "start_date": "2027-03-01"},
    ).get_json()
    response = client.patch(
        f"/api/v1/plans/{plan.id}/activities/{created['id']}",
        json={"version": created["version"], "recurrence": "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31"},
    )
    assert response.status_code == 400
    assert "no day" in response.get_json()["error"]["fields"]["recurrence"]


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("2027-01-01", "9999-12-31", "2100-12-31"),
        ("1900-01-01", "1900-12-31", "2000-01-01"),
        ("2027-01-01", "2037-01-01", "10 years"),
        ("2027-12-31", "2027-01-01", "ends before it starts"),
    ],
)
def test_a_plan_period_is_bounded_in_the_form_and_the_api(client, plan, start, end, says):
    before = db.session.scalar(select(func.count()).select_from(Plan))
    page = client.post(
        "/institutions/uni-a/plans/new",
        data={"title": "Long", "period_start": start, "period_end": end},
    ).get_data(as_text=True)
    assert says in page
    api = client.post(
        "/api/v1/plans",
        json={"institution": "uni-a", "title": "Long", "period_start": start, "period_end": end},
    )
    assert api.status_code == 400
    assert says in json.dumps(api.get_json()["error"]["fields"])
    patch = client.patch(
        f"/api/v1/plans/{plan.id}",
        json={"version": plan.version, "period_start": start, "period_end": end},
    )
    assert patch.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Plan)) == before


def test_the_import_reads_words_and_capitals(client, plan):
    csv_text = (
        "title,status,format,start_date,recurrence\n"
        "A,Planned,Online,2027-01-04,twice a year\n"
        "B,IN PROGRESS,HYBRID,2027-01-04,Every 2 weeks\n"
        "C,in progress,on-site,2027-01-04,MONTHLY\n"
        "D,Done,,2027-01-04,weekly\n"
        "E,cancelled,,2027-01-04,Yearly\n"
    )
    response = client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(csv_text.encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    stored = {
        a.title: (a.status, a.format, a.recurrence) for a in db.session.scalars(select(Activity))
    }
    assert stored == {
        "A": ("planned", "online", "FREQ=MONTHLY;INTERVAL=6"),
        "B": ("in_progress", "hybrid", "FREQ=WEEKLY;INTERVAL=2"),
        "C": ("in_progress", "on-site", "FREQ=MONTHLY"),
        "D": ("done", "on-site", "FREQ=WEEKLY"),
        "E": ("cancelled", "on-site", "FREQ=YEARLY"),
    }


@pytest.mark.parametrize("version", [None, "", "abc", "1.0", "-1", "9" * 30])
def test_the_editors_refuse_a_save_without_a_readable_version(client, plan, version):
    activity = Activity(plan=plan, title="Kept")
    db.session.add(activity)
    db.session.commit()
    typed = {"title": "Typed", "format": "on-site", "status": "idea"}
    if version is not None:
        typed["version"] = version
    response = client.post(f"/plans/{plan.id}/activities/{activity.id}/edit", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "without the version it edits" in page and 'value="Typed"' in page
    plan_form = {"title": "Typed plan", "period_start": "2027-01-01", "period_end": "2027-12-31"}
    if version is not None:
        plan_form["version"] = version
    response = client.post(f"/plans/{plan.id}/edit", data={**plan_form, "status": "draft"})
    assert response.status_code == 400
    assert "without the version it edits" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "Kept"
    assert db.session.get(Plan, plan.id).title == "Plan"


def test_a_huge_plan_id_in_the_adopt_form_is_no_plan(client, plan, make_practice):
    make_practice()
    for plan_id in ["9" * 30, "2147483648", "-1", "1e5", ""]:
        response = client.post(
            "/practices/peer-learning-circle/adopt", data={"plan_id": plan_id, "phases": ["setup"]}
        )
        assert response.status_code == 302, plan_id
    assert _stored() == 0


@pytest.mark.parametrize(
    ("phases", "says"), [([], "Choose at least one phase"), (["launch"], "setup|delivery")]
)
def test_the_adopt_form_and_the_api_refuse_the_same_phases(
    client, plan, make_practice, phases, says
):
    make_practice()
    page = client.post(
        "/practices/peer-learning-circle/adopt",
        data={"plan_id": plan.id, "phases": phases},
        follow_redirects=True,
    )
    assert _matches(says, page.get_data(as_text=True)), page.get_data(as_text=True)[:2000]
    api = client.post(
        f"/api/v1/plans/{plan.id}/adoptions",
        json={"practice": "peer-learning-circle", "phases": phases},
    )
    assert api.status_code == 400
    fields = api.get_json()["error"]["fields"]
    assert _matches(
        says, next(text for where, text in fields.items() if where.startswith("phases"))
    )
    assert _stored() == 0


def test_a_copy_that_would_end_after_2100_is_refused(client, plan):
    before = db.session.scalar(select(func.count()).select_from(Plan))
    response = client.post(
        f"/plans/{plan.id}/copy", data={"title": "Far copy", "period_start": "2100-06-01"}
    )
    assert response.status_code == 200
    assert "The copy would end on 2101-05-31, after 2100-12-31" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Plan)) == before


def test_the_activity_form_lists_a_bad_title_and_reversed_dates_at_once(client, plan):
    response = client.post(
        f"/plans/{plan.id}/activities/new",
        data={
            "title": "x" * 250,
            "format": "on-site",
            "status": "idea",
            "start_date": "2027-05-08",
            "end_date": "2027-05-06",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # Both problems at their fields in the one answer.
    assert 'id="title-error">Use at most 200 characters.' in page
    assert 'id="end_date-error">' in page
    assert "before" in page.split('id="end_date-error">', 1)[1].split("</p>", 1)[0]
    assert _stored() == 0


def test_a_unit_posted_many_times_is_kept_once(client, plan):
    from app.institutions.models import Unit

    unit = Unit(name="International office", kind="international-office")
    plan.institution.units.append(unit)
    db.session.commit()
    response = client.post(
        f"/plans/{plan.id}/activities/new",
        data={
            "title": "Workshop",
            "format": "on-site",
            "status": "idea",
            "units": [unit.id] * 5000,
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Activity)).unit_ids == [unit.id]


WORDS = [
    ("every 6 months", "FREQ=MONTHLY;INTERVAL=6"),
    ("Twice a year", "FREQ=MONTHLY;INTERVAL=6"),
    ("every other week", "FREQ=WEEKLY;INTERVAL=2"),
    ("MONTHLY", "FREQ=MONTHLY"),
]


@pytest.mark.parametrize(("words", "rule"), WORDS)
def test_the_form_the_import_and_the_api_all_read_recurrence_in_words(client, plan, words, rule):
    # A new user's finding: the import read "every 6 months", the API refused it.
    form = client.post(
        f"/plans/{plan.id}/activities/new",
        data={
            "title": "By form",
            "format": "on-site",
            "status": "idea",
            "start_date": "2027-03-01",
            "recurrence": words,
        },
    )
    assert form.status_code == 302, form.get_data(as_text=True)[-1500:]
    csv_text = f"title,start_date,recurrence\nBy import,2027-03-01,{words}\n"
    imported = client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(csv_text.encode()), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302, imported.get_data(as_text=True)[-1500:]
    api = client.post(
        f"/api/v1/plans/{plan.id}/activities",
        json={"title": "By API", "start_date": "2027-03-01", "recurrence": words},
    )
    assert api.status_code == 201, api.get_data(as_text=True)
    assert api.get_json()["recurrence"] == rule
    stored = set(db.session.scalars(select(Activity.recurrence)))
    assert stored == {rule}


# The same verdict at every door: each case is typed into the activity form, a CSV row, an
# XLSX row and a JSON body; all four accept it and store the same activity, or all four refuse
# it, blaming the same field. (case, the activity's fields as typed, None or the field refused)
EDGES = [
    ("plain", {}, None),
    ("host with spaces around", {"host": "  Uni B  "}, None),
    ("host of 200 characters", {"host": "h" * 200}, None),
    ("host of 201 characters", {"host": "h" * 201}, "host"),
    ("non-ASCII host", {"host": "Università di Bologna – Ufficio"}, None),
    ("host with a tab", {"host": "Uni\tB"}, "host"),
    ("title of 200 characters", {"title": "t" * 200}, None),
    ("title with spaces around", {"title": "  Workshop  "}, None),
    ("title of spaces only", {"title": "   "}, "title"),
    ("partners named twice", {"partners": ["Uni B", "Uni C", "Uni B"]}, None),
    ("partners with spaces around", {"partners": [" Uni B ", "Uni C "]}, None),
    ("partner of 201 characters", {"partners": ["p" * 201]}, "partners"),
    ("one-day activity", {"start_date": "2027-03-01", "end_date": "2027-03-01"}, None),
    ("end before start", {"start_date": "2027-03-02", "end_date": "2027-03-01"}, "end_date"),
    ("repeating without a start", {"recurrence": "FREQ=MONTHLY"}, "start_date"),
    ("repeating in words", {"start_date": "2027-03-01", "recurrence": "every 6 months"}, None),
    ("first day of the margin", {"start_date": "2025-12-31"}, None),
    ("a day before the margin", {"start_date": "2025-12-30"}, "start_date"),
    ("largest budget", {"budget_planned": "9999999999.99"}, None),
    ("budget past the column", {"budget_planned": "10000000000"}, "budget_planned"),
    ("half a person-day", {"effort_planned": "0.5", "effort_actual": "0.5"}, None),
    ("budget to a tenth of a cent", {"budget_planned": "1.255"}, "budget_planned"),
    ("negative spending", {"budget_actual": "-1"}, "budget_actual"),
    ("every format and status", {"format": "hybrid", "status": "in_progress"}, None),
    ("responsible with a tab", {"responsible": "Ann\tLee"}, "responsible"),
    ("notes with tabs and lines", {"notes": "one\ttwo\nthree"}, None),
    ("evaluation with a bell", {"evaluation": "ring\x07"}, "evaluation"),
]
# How a door tells what it stored: every field the activity form sets.
STORED = sorted(EDITED_FIELDS)


def _by_form(client, plan, typed: dict[str, object]) -> tuple[bool, set[str]]:
    data: dict[str, object] = {"title": "Workshop", "format": "on-site", "status": "idea"}
    for name, value in typed.items():
        data[FORM_FIELD.get(name, name)] = "\n".join(value) if isinstance(value, list) else value
    response = client.post(f"/plans/{plan.id}/activities/new", data=data)
    page = response.get_data(as_text=True)
    refused = {
        next((k for k, v in FORM_FIELD.items() if v == name), name)
        for name in re.findall(r'id="([a-z_]+)-error"', page)
    }
    return response.status_code == 302, refused


def _file(kind: str, typed: dict[str, object]) -> bytes:
    cells = {"title": "Workshop"}
    cells.update({k: "; ".join(v) if isinstance(v, list) else str(v) for k, v in typed.items()})
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(cells))
        writer.writeheader()
        writer.writerow(cells)
        return buffer.getvalue().encode()
    book = Workbook()
    book.active.append(list(cells))
    book.active.append(list(cells.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _by_import(kind: str):
    def door(client, plan, typed: dict[str, object]) -> tuple[bool, set[str]]:
        response = client.post(
            f"/plans/{plan.id}/import",
            data={"file": (io.BytesIO(_file(kind, typed)), f"plan.{kind}")},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        # Problems name columns by their headers: read back which field each blames.
        fields = {str(escape(str(label))): name for name, label in LABELS.items()}
        blamed = re.findall(r"row 2, column (.+?): ", page)
        return response.status_code == 302, {fields.get(h, h) for h in blamed}

    return door


def _by_api(client, plan, typed: dict[str, object]) -> tuple[bool, set[str]]:
    response = client.post(
        f"/api/v1/plans/{plan.id}/activities", json={"title": "Workshop", **typed}
    )
    if response.status_code == 201:
        return True, set()
    return False, {where.split(".")[0] for where in response.get_json()["error"]["fields"]}


DOORS = {
    "form": _by_form,
    "csv": _by_import("csv"),
    "xlsx": _by_import("xlsx"),
    "api": _by_api,
}


@pytest.mark.parametrize(("typed", "refused"), [c[1:] for c in EDGES], ids=[c[0] for c in EDGES])
def test_every_door_gives_the_same_verdict_and_stores_the_same(client, plan, typed, refused):
    verdicts, stored = {}, {}
    # A character no XLSX cell can hold is a case for the other doors only.
    doors = {
        door: send
        for door, send in DOORS.items()
        if door != "xlsx" or not ILLEGAL_CHARACTERS_RE.search("".join(map(_typed, typed.values())))
    }
    for door, send in doors.items():
        accepted, blamed = send(client, plan, typed)
        verdicts[door] = (accepted, blamed)
        activity = db.session.scalar(select(Activity))
        if activity is not None:
            stored[door] = tuple(getattr(activity, name) for name in STORED)
            db.session.delete(activity)
            db.session.commit()
    expected = (True, set()) if refused is None else (False, {refused})
    assert verdicts == dict.fromkeys(doors, expected)
    assert stored == (dict.fromkeys(doors, stored["form"]) if refused is None else {})


def test_the_forms_hint_the_schema_limits_to_the_browser(client, plan):
    page = client.get(f"/plans/{plan.id}/activities/new").get_data(as_text=True)
    tags = {name: re.search(rf'<[^>]* name="{name}"[^>]*>', page).group(0) for name in HINTED}
    for name, hints in HINTED.items():
        for hint in hints:
            assert hint in tags[name], (name, tags[name])
    assert "required" not in tags["notes"]


# The form field, and what its tag says: the schema's maxLength and required, and nothing more.
HINTED = {
    "title": ('maxlength="200"', "required"),
    "other_host": ('maxlength="200"',),
    "responsible": ('maxlength="200"',),
    "notes": ('maxlength="10000"',),
    "evaluation": ('maxlength="10000"',),
}


def test_a_patch_may_null_only_what_can_be_empty(client, plan):
    activity = client.post(
        f"/api/v1/plans/{plan.id}/activities", json={"title": "Workshop", "host": "Uni B"}
    ).get_json()
    url = f"/api/v1/plans/{plan.id}/activities/{activity['id']}"
    refused = client.patch(url, json={"version": 1, "title": None, "status": None, "host": None})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["fields"] == {
        "title": "may not be null",
        "status": "may not be null",
    }
    cleared = client.patch(url, json={"version": 1, "host": None, "end_date": None})
    assert cleared.status_code == 200 and cleared.get_json()["host"] is None
    response = client.patch(f"/api/v1/plans/{plan.id}", json={"version": 1, "period_end": None})
    assert response.get_json()["error"]["fields"] == {"period_end": "may not be null"}
