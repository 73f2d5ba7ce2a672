"""One-line fields outside the planner and the institutions refuse control characters too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import ApiToken
from app.core.extensions import db
from app.practices import services as practices
from app.practices.models import Practice
from tests.conftest import login
from tests.practices.test_curation import form_data

BAD = ["Two\nlines", "CR\r\nLF", "Nul\x00here", "Tab\there", "Bell\x07"]


@pytest.mark.parametrize("bad", BAD)
def test_a_sheet_title_or_name_is_one_line(client, make_user, make_practice, bad):
    make_user("curator@example.org", is_curator=True)
    practice = make_practice()
    login(client, "curator@example.org")
    sheet = practices.sheet_from_practice(practice)
    for field, value in [("title", f"Title {bad}"), ("activity_types-0-name", f"Case {bad}")]:
        data = {**form_data(sheet, practice.version), field: value, "save": "Save"}
        response = client.post(f"/practices/{practice.slug}/edit", data=data)
        assert response.status_code == 400, field
        assert "single line" in response.get_data(as_text=True), field
    new = sheet.model_copy(update={"slug": "another-sheet", "title": f"New {bad}"})
    assert client.post("/practices/new", data={**form_data(new), "save": "Save"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Practice)) == 1


@pytest.mark.parametrize("bad", BAD)
def test_an_api_token_name_is_one_line(client, make_user, bad):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    response = client.post("/account/tokens", data={"name": f"Script {bad}", "days": "90"})
    assert response.status_code in (200, 400)
    assert "single line" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("bad", BAD)
def test_a_sheets_revision_note_is_one_line(client, make_user, make_practice, bad):
    make_user("curator@example.org", is_curator=True)
    practice = make_practice()
    login(client, "curator@example.org")
    sheet = practices.sheet_from_practice(practice)
    data = {**form_data(sheet, practice.version), "note": f"Fixed {bad}", "save": "Save"}
    response = client.post(f"/practices/{practice.slug}/edit", data=data)
    assert response.status_code == 400
    assert "single line" in response.get_data(as_text=True)
