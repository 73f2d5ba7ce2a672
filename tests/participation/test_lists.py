"""Participant lists: the organiser's page and exports, and the participants' own list."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from app.core.extensions import db
from app.participation import exports, services
from tests.participation.conftest import sign_in, translated

EVIL = '=HYPERLINK("http://evil.example","x")'
XSS = "<img src=x onerror=alert(1)>"


def _csv(response) -> list[list[str]]:
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # the mark Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_organiser_sees_the_participants_with_their_days(hosted, client):
    lodz = hosted.participants[0]
    services.mark_attendance(lodz, date(2026, 5, 6), True, "t", hosted.event.created_at)
    db.session.commit()
    sign_in(client, hosted)
    page = client.get(hosted.url("/participants"))
    assert page.status_code == 200
    text = page.data.decode()
    for name in ("Łucja Łódź-Ærø", "Ελένη Παπαδοπούλου", "陈静"):
        assert name in text
    assert "Wanda Waiting" not in text
    assert "Poland" in text and "Greece" in text and "China" in text
    assert "1 of 3" in text
    assert f"/participants/{lodz.id}/certificate.pdf" in text
    assert f"/participants/{hosted.participants[1].id}/certificate.pdf" not in text


def test_the_csv_export_lists_participants_under_english_headers(hosted, client):
    lodz = hosted.participants[0]
    lodz.current_role = EVIL
    services.mark_attendance(lodz, date(2026, 5, 7), True, "t", hosted.event.created_at)
    db.session.commit()
    sign_in(client, hosted)
    response = client.get(hosted.url("/participants.csv"))
    rows = _csv(response)
    assert rows[0] == exports.headers()
    assert rows[0][:5] == ["Name", "Email", "Institution", "Country", "Track"]
    assert len(rows) == 4
    by_name = {row[0]: row for row in rows[1:]}
    row = by_name["Łucja Łódź-Ærø"]
    assert row[1:5] == ["lodz@uni.example", "University of PL", "Poland", lodz.track.title]
    assert row[5] == "'" + EVIL  # a formula stays text
    assert row[7:9] == ["1", "2026-05-07"]
    assert by_name["陈静"][9] == "no"
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_exports_are_headed_in_the_readers_language(hosted, client, catalogues):
    sign_in(client, hosted)
    for language in ("fi", "sv"):
        response = client.get(
            hosted.url("/participants.csv"), headers={"Accept-Language": language}
        )
        header = _csv(response)[0]
        assert header[0] == translated(language, "Name")
        assert header[7] == translated(language, "Days attended")
        workbook = load_workbook(
            io.BytesIO(
                client.get(
                    hosted.url("/participants.xlsx"), headers={"Accept-Language": language}
                ).data
            )
        )
        sheet = workbook.active
        assert sheet.title == translated(language, "Participants")
        assert [c.value for c in sheet[1]][:1] == [translated(language, "Name")]


def test_the_xlsx_export_keeps_formulas_as_text(hosted, client):
    hosted.participants[0].name = EVIL
    db.session.commit()
    sign_in(client, hosted)
    response = client.get(hosted.url("/participants.xlsx"))
    assert response.content_type.startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == exports.headers()
    names = {sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)}
    assert EVIL in names
    cell = next(c for c in sheet["A"] if c.value == EVIL)
    assert cell.data_type == "s" and cell.quotePrefix


def test_exports_answer_by_role(hosted, client):
    for kind in ("csv", "xlsx"):
        assert client.get(hosted.url(f"/participants.{kind}")).status_code == 302
    sign_in(client, hosted, "outsider")
    for kind in ("csv", "xlsx"):
        assert client.get(hosted.url(f"/participants.{kind}")).status_code == 404
    assert client.get(hosted.url("/participants")).status_code == 404
    client.post("/logout")
    sign_in(client, hosted, "planner")
    assert client.get(hosted.url("/participants.csv")).status_code == 403


def test_the_directory_shows_consenting_participants_to_participants_only(hosted, client):
    lodz, eleni, chen = hosted.participants
    waiting = hosted.people["waiting"]
    url = f"/applications/{hosted.tokens[lodz.id]}/participants"
    assert client.get(url).status_code == 404  # not shared yet
    sign_in(client, hosted)
    shared = client.post(hosted.url("/participants/shared"), data={"shared": "1"})
    assert shared.status_code == 302
    told = client.get(hosted.url("/participants")).data.decode()
    assert "every participant can now see those who agreed to be on it" in told
    client.post("/logout")
    assert hosted.event.list_shared
    page = client.get(url)
    assert page.status_code == 200
    text = page.data.decode()
    assert lodz.name in text and eleni.name in text
    assert chen.name not in text  # did not agree
    assert waiting.name not in text  # agreed, but has no place
    assert lodz.email not in text  # names, institutions, countries and tracks only
    # The token of someone without a place, and a made-up one, see nothing.
    assert client.get(f"/applications/{hosted.tokens[waiting.id]}/participants").status_code == 404
    assert client.get("/applications/made-up-token/participants").status_code == 404
    # A participant who did not agree still sees the list, and is told why they are not on it.
    unlisted = client.get(f"/applications/{hosted.tokens[chen.id]}/participants")
    assert unlisted.status_code == 200
    assert "You are not on this list" in unlisted.data.decode()
    assert "You are not on this list" not in text


def test_the_organiser_stops_sharing(hosted, client):
    hosted.event.list_shared = True
    db.session.commit()
    sign_in(client, hosted)
    client.post(hosted.url("/participants/shared"), data={"shared": "0"})
    assert not hosted.event.list_shared
    token = hosted.tokens[hosted.participants[0].id]
    assert client.get(f"/applications/{token}/participants").status_code == 404


def test_only_an_organiser_shares_the_list(hosted, client):
    sign_in(client, hosted, "planner")
    assert client.post(hosted.url("/participants/shared"), data={"shared": "1"}).status_code == 403
    client.post("/logout")
    sign_in(client, hosted, "outsider")
    assert client.post(hosted.url("/participants/shared"), data={"shared": "1"}).status_code == 404
    assert not hosted.event.list_shared


def test_names_on_the_lists_are_escaped(hosted, client):
    hosted.event.list_shared = True
    hosted.participants[0].name = XSS
    hosted.participants[1].institution_name = "<script>alert(2)</script>"
    db.session.commit()
    sign_in(client, hosted)
    pages = [client.get(hosted.url("/participants")).data]
    client.post("/logout")
    pages.append(
        client.get(f"/applications/{hosted.tokens[hosted.participants[0].id]}/participants").data
    )
    for page in pages:
        assert b"<img src=x" not in page and b"<script>alert(2)" not in page
        assert b"&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_xlsx_writes_days_as_the_reader_writes_them(hosted, client, catalogues):
    lodz = hosted.participants[0]
    services.mark_attendance(lodz, date(2026, 5, 6), True, "t", hosted.event.created_at)
    services.mark_attendance(lodz, date(2026, 5, 8), True, "t", hosted.event.created_at)
    db.session.commit()
    sign_in(client, hosted)
    response = client.get(hosted.url("/participants.xlsx"), headers={"Accept-Language": "fi"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == lodz.email)
    assert row[3] == "Puola"  # the country in Finnish
    assert row[7] == 2 and row[8] == "6.5.2026; 8.5.2026"
    assert row[9] == translated("fi", "yes")
