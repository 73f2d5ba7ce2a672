"""Importing activities: checked first, all or nothing, every problem by row and column."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.institutions.models import Unit
from app.planner import exports
from app.planner.models import Activity, Plan
from app.planner.services import create_plan
from tests.conftest import login


@pytest.fixture
def plans(client, make_institution, make_user, make_practice):
    institution = make_institution("uni-a")
    institution.units.append(Unit(name="International Office", kind="international-office"))
    make_user("plan@example.org", institution=institution, role="planner")
    make_practice()
    source = create_plan(
        institution, title="Source", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    target = create_plan(
        institution, title="Target", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    db.session.commit()
    login(client, "plan@example.org")
    return source, target


def upload(client, plan, name, data):
    return client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(plan) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Activity).where(Activity.plan_id == plan.id)
    )


def _fields(activity: Activity) -> tuple:
    return (
        activity.title,
        activity.phase,
        activity.format,
        activity.host,
        activity.start_date,
        activity.end_date,
        activity.recurrence,
        activity.status,
        activity.budget_planned,
        activity.budget_actual,
        activity.effort_planned,
        activity.effort_actual,
        activity.target_groups,
        activity.mobility_stages,
        activity.partners,
        activity.unit_ids,
        activity.responsible,
        activity.notes,
        activity.evaluation,
        activity.practice_id,
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_plan_gives_the_same_activities(client, plans, kind):
    source, target = plans
    client.post(
        "/practices/peer-learning-circle/adopt", data={"plan_id": source.id, "phases": ["setup"]}
    )
    adopted = db.session.scalar(select(Activity).where(Activity.plan_id == source.id))
    client.post(
        f"/plans/{source.id}/activities/{adopted.id}/edit",
        data={
            "title": '=Tricky, "quoted" title',
            "format": "hybrid",
            "host": "University B",
            "start_date": "2027-03-01",
            "end_date": "2027-03-02",
            "recurrence": "FREQ=MONTHLY;INTERVAL=6",
            "budget_planned": "1234.50",
            "budget_actual": "99.90",
            "effort_planned": "3.5",
            "status": "planned",
            "partners": "University B\n-Minus partner",
            "responsible": "+Ana",
            "notes": "Line one\nline two",
            "version": str(adopted.version),
        },
    )
    db.session.add(Activity(plan=source, title="Undated idea", target_groups=["students"]))
    db.session.commit()
    exported = client.get(f"/plans/{source.id}/export.{kind}").data
    response = upload(client, target, f"plan.{kind}", exported)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    before = sorted(_fields(a) for a in db.session.get(Plan, source.id).activities)
    after = sorted(_fields(a) for a in db.session.get(Plan, target.id).activities)
    assert after == before


def test_the_import_page_says_what_each_column_takes(client, plans):
    from app.planner.exports import COLUMNS
    from app.planner.imports import column_help

    _, target = plans
    assert tuple(column_help()) == COLUMNS
    page = client.get(f"/plans/{target.id}/import").get_data(as_text=True)
    assert "is <strong>added</strong> to the plan" in page
    assert "FREQ=MONTHLY;INTERVAL=6 is twice a year" in page
    assert "One of: Idea, Planned, In progress, Done, Cancelled" in page


def test_a_file_separated_by_semicolons_is_read_as_excel_writes_it_in_finland(client, plans):
    # Excel in Finnish or Swedish saves "CSV" with semicolons and decimal commas.
    _, target = plans
    response = upload(
        client, target, "plan.csv", b"title;status;budget_planned\nStaff week;planned;1234,50\n"
    )
    assert response.status_code == 302
    assert count(target) == 1
    activity = db.session.scalar(select(Activity).filter_by(plan_id=target.id))
    assert activity.budget_planned == Decimal("1234.50") and activity.status == "planned"


def test_bad_rows_import_nothing_and_every_problem_is_listed(client, plans):
    _, target = plans
    csv_text = (
        "title,format,start_date,end_date,budget_planned,status,target_groups,recurrence,practice,units\n"
        "Good row,online,2027-01-01,2027-01-02,10,planned,students,,,International Office\n"
        ",on-site,2027-01-01,,,,,,,\n"
        "Bad format,by pigeon,2027-02-30,2027-01-01,-5,finished,aliens,FREQ=SOMETIMES,no-such,Kitchen\n"
    )
    response = upload(client, target, "plan.csv", csv_text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported." in page
    for problem in [
        "row 3, column Title: missing",
        "row 4, column Format: &#39;by pigeon&#39; is not one of on-site, online, hybrid",
        "row 4, column Starts: &#39;2027-02-30&#39; is not a date",
        "row 4, column Budget planned (€): must not be negative",
        "row 4, column Status: &#39;finished&#39; is not one of",
        "row 4, column Target groups: unknown value &#39;aliens&#39;",
        "row 4, column Repeats:",
        "row 4, column Practice: no practice sheet &#39;no-such&#39;",
        "row 4, column Units: the institution has no unit &#39;Kitchen&#39;",
    ]:
        assert problem in page, problem
    assert count(target) == 0


def test_unknown_columns_are_named(client, plans):
    _, target = plans
    response = upload(client, target, "plan.csv", b"title,colour\nA,blue\n")
    assert "header: unknown column(s) colour" in response.get_data(as_text=True)


def test_non_utf8_csv_is_refused_with_its_line(client, plans):
    _, target = plans
    response = upload(client, target, "plan.csv", "title\nCaf\u00e9\n".encode("latin-1"))
    assert response.status_code == 400
    assert "line 2: the file is not UTF-8" in response.get_data(as_text=True)
    assert count(target) == 0


def test_wrong_type_and_oversized_files_are_refused(client, plans):
    _, target = plans
    wrong = upload(client, target, "plan.pdf", b"%PDF-1.4")
    assert wrong.status_code == 400 and "Choose a .csv or .xlsx file." in wrong.get_data(
        as_text=True
    )
    big = upload(client, target, "plan.csv", b"title\n" + b"x" * (3 * 1024 * 1024))
    assert big.status_code == 400 and "larger than 2 MB" in big.get_data(as_text=True)
    huge = upload(client, target, "plan.csv", b"x" * (33 * 1024 * 1024))
    assert huge.status_code == 413
    assert "larger than 32 MB altogether, so nothing was saved" in huge.get_data(as_text=True)
    assert count(target) == 0


def test_an_xlsx_zip_bomb_is_refused_before_it_is_opened(client, plans):
    _, target = plans
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    response = upload(client, target, "bomb.xlsx", buffer.getvalue())
    assert response.status_code == 400
    assert "unpacks to more than 50 MB" in response.get_data(as_text=True)


def test_not_a_workbook_is_refused(client, plans):
    _, target = plans
    response = upload(client, target, "plan.xlsx", b"not a zip at all")
    assert "not an XLSX workbook" in response.get_data(as_text=True)


def test_columns_of_the_form_are_those_of_the_export(client, plans):
    source, _ = plans
    page = client.get(f"/plans/{source.id}/import").get_data(as_text=True)
    listed = re.findall(r"<dt>[^<]+ <code>(\w+)</code></dt>", page)
    assert tuple(listed) == exports.COLUMNS


def test_an_amount_with_an_ambiguous_comma_is_a_listed_problem_not_a_guess(client, plans):
    # A new user's file: "25,000" had been read as €25.00, without a word.
    _, target = plans
    csv_text = 'title,budget_planned,effort_planned\nWorkshop,"25,000","1,5"\n'
    response = upload(client, target, "plan.csv", csv_text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 2, column Budget planned (€): &#39;25,000&#39; could be 25000 or 25" in page
    assert count(target) == 0
    fixed = 'title,budget_planned,effort_planned\nWorkshop,"25,000.00","1,5"\n'
    assert upload(client, target, "plan.csv", fixed.encode()).status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.plan_id == target.id))
    assert (activity.budget_planned, activity.effort_planned) == (Decimal(25000), Decimal("1.5"))
