"""The activity import is bounded: malformed and hostile files, size, repetition, any cell."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.extensions import db
from app.planner.exports import COLUMNS
from app.planner.imports import MAX_ACTIVITIES
from app.planner.models import Activity
from app.planner.services import create_plan
from tests.conftest import login
from tests.core.test_spreadsheets import MALFORMED


@pytest.fixture
def plan(client, make_institution, make_user):
    institution = make_institution("uni-a")
    make_user("plan@example.org", institution=institution, role="planner")
    plan = create_plan(
        institution, title="Plan", period_start=date(2027, 1, 1), period_end=date(2027, 12, 31)
    )
    db.session.commit()
    login(client, "plan@example.org")
    return plan


def upload(client, plan, name: str, raw: bytes):
    return client.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


@pytest.mark.parametrize(
    ("name", "raw", "says"), list(MALFORMED.values()), ids=list(MALFORMED.keys())
)
def test_a_malformed_file_lists_its_problem_and_imports_nothing(client, plan, name, raw, says):
    response = upload(client, plan, name, raw)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported." in page or "file:" in page
    assert says.replace("'", "&#39;") in page
    assert stored() == 0


def test_a_file_of_more_activities_than_the_cap_is_refused_whole(client, plan):
    raw = "title\n" + "".join(f"Activity {n}\n" for n in range(MAX_ACTIVITIES + 1))
    response = upload(client, plan, "plan.csv", raw.encode())
    assert response.status_code == 400
    assert f"more than {MAX_ACTIVITIES} activities" in response.get_data(as_text=True)
    assert stored() == 0


def test_repeated_imports_are_limited_per_person(client, plan, app):
    limit = int(app.config["IMPORT_LIMIT_PER_USER"].split()[0])
    answers = [
        upload(client, plan, "plan.csv", b"title\nWorkshop\n").status_code for _ in range(limit + 1)
    ]
    assert answers[:limit] == [302] * limit
    assert answers[-1] == 429
    assert stored() == limit


# Values people might type in each column, good and bad, including the awkward ones.
CELL = st.text(max_size=40) | st.sampled_from(
    [
        "",
        "2027-03-01",
        "2027-02-30",
        "9999-12-31",
        "NaN",
        "Infinity",
        "1e400",
        "-1",
        "1 500,50",
        "twice a year",
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=MONTHLY;COUNT=99999999999999999999",
        "FREQ=YEARLY;UNTIL=99991231",
        "FREQ=WEEKLY;INTERVAL=0",
        "IN PROGRESS",
        "x" * 300,
        "a\nb",
        "\x00",
        "students;aliens",
        "=1+1",
    ]
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.dictionaries(st.sampled_from(COLUMNS), CELL), min_size=1, max_size=4))
def test_any_cells_give_an_import_or_the_problem_list(client, plan, app, rows):
    app.config["IMPORT_LIMIT_PER_USER"] = "100000 per minute"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["title", *[c for c in COLUMNS if c != "title"]])
    writer.writeheader()
    writer.writerows(rows)
    before = stored()
    response = upload(client, plan, "plan.csv", buffer.getvalue().encode())
    assert response.status_code in (302, 400), response.get_data(as_text=True)[-1000:]
    if response.status_code == 400:
        assert stored() == before  # all or nothing
