"""Certificates of attendance: a PDF in the participant's language, in any script, only to
those present on a day."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from app.core.extensions import db
from app.participation import certificates, services
from tests.participation.conftest import sign_in, translated

ISSUED = datetime(2026, 5, 8, 15, 0, tzinfo=UTC)


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _attend(application, *days: date) -> None:
    for day in days:
        services.mark_attendance(application, day, True, "t", ISSUED)
    db.session.commit()


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_certificate_names_the_participant_in_any_script(hosted, index):
    application = hosted.participants[index]
    _attend(application, date(2026, 5, 6), date(2026, 5, 8))
    days = services.days_attended(application)
    text = " ".join(_text(certificates.certificate_pdf(application, days, ISSUED)).split())
    assert application.name in text
    assert "International Staff Training Days 2026" in text
    assert "University of Helsinki" in text
    assert application.institution_name in text
    assert application.track.title in text
    assert "Ritva Rehtori" in text and "Head of International Affairs" in text
    assert "Helsinki" in text


def test_the_certificate_lists_the_days_attended_in_english(hosted):
    application = hosted.participants[0]
    _attend(application, date(2026, 5, 6), date(2026, 5, 8))
    text = " ".join(
        _text(
            certificates.certificate_pdf(application, services.days_attended(application), ISSUED)
        ).split()
    )
    assert "Certificate of attendance" in text
    assert "Days attended: 2 of 3" in text
    assert "Wednesday, 6 May 2026" in text and "Friday, 8 May 2026" in text
    assert "Thursday, 7 May 2026" not in text
    assert "from 6 May 2026 to 8 May 2026" in text


def test_the_certificate_is_in_the_participants_language(hosted, catalogues):
    application = hosted.participants[1]  # applied in Finnish
    _attend(application, date(2026, 5, 7))
    text = " ".join(
        _text(
            certificates.certificate_pdf(application, services.days_attended(application), ISSUED)
        ).split()
    )
    assert translated("fi", "Certificate of attendance") in text
    assert "torstai 7. toukokuuta 2026" in text


def test_a_participant_downloads_their_certificate_once_present(hosted, client):
    application = hosted.participants[2]
    url = f"/applications/{hosted.tokens[application.id]}/certificate.pdf"
    refused = client.get(url)
    assert refused.status_code == 404
    assert b"once you were present" in refused.data
    _attend(application, date(2026, 5, 6))
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert "陈静" in _text(response.data)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" in disposition


def test_no_certificate_for_others(hosted, client):
    waiting = hosted.people["waiting"]
    _attend(hosted.participants[0], date(2026, 5, 6))
    assert (
        client.get(f"/applications/{hosted.tokens[waiting.id]}/certificate.pdf").status_code == 404
    )
    assert client.get("/applications/not-a-token/certificate.pdf").status_code == 404


def test_the_organiser_downloads_any_participants_certificate(hosted, client):
    lodz, eleni, _chen = hosted.participants
    _attend(lodz, date(2026, 5, 6))
    url = hosted.url(f"/participants/{lodz.id}/certificate.pdf")
    assert client.get(url).status_code == 302
    sign_in(client, hosted, "outsider")
    assert client.get(url).status_code == 404
    client.post("/logout")
    sign_in(client, hosted, "planner")
    assert client.get(url).status_code == 403
    client.post("/logout")
    sign_in(client, hosted)
    response = client.get(url)
    assert response.status_code == 200 and lodz.name in _text(response.data)
    assert client.get(hosted.url(f"/participants/{eleni.id}/certificate.pdf")).status_code == 404
    waiting = hosted.people["waiting"]
    assert client.get(hosted.url(f"/participants/{waiting.id}/certificate.pdf")).status_code == 404


def test_text_that_is_not_one_line_or_is_markup_prints_as_text(hosted):
    application = hosted.participants[0]
    application.name = "<b>Ann</b>\r\nLee\x00"
    hosted.event.signatory_name = ""
    hosted.event.place = ""
    _attend(application, date(2026, 5, 6))
    text = _text(certificates.certificate_pdf(application, [date(2026, 5, 6)], ISSUED))
    assert "<b>Ann</b> Lee" in text
    assert "Ritva" not in text
