"""A track's questions in Finnish and Swedish: the organiser writes them, an applicant reads
them in the page's language (else the main text), and an answer is stored as the main
language's choice, so that it counts the same whatever language it was given in."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import Answer, Application
from app.core.extensions import db
from tests.applications.conftest import form_of
from tests.conftest import login
from tests.events.factories import DURING, make_applicant


def translate(call) -> None:
    call.one.prompt_fi = "Verkostosi"
    call.one.choices_fi = ["Una Europa -allianssi", "UNICA-verkosto"]
    call.several.prompt_fi = "Aiheet"
    call.several.help_fi = "Valitse kaikki sopivat."
    call.several.choices_fi = ["Vihreä liikkuvuus", "Osallisuus", "Digitaalisuus"]
    call.several.prompt_sv = "Ämnen"  # Swedish choices left out: the main ones stand in
    db.session.commit()


def page_in(client, call, token, language: str) -> str:
    """Return the form showing the first track's questions, in a language."""
    response = client.post(
        f"/applications/{token}",
        data={"track": str(call.first.id), "based_on": "", "show": "y"},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_finnish_applicant_reads_the_finnish_question_and_choices(client, call):
    translate(call)
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        finnish = page_in(client, call, token, "fi")
        english = page_in(client, call, token, "en")
        swedish = page_in(client, call, token, "sv")
    assert "Verkostosi" in finnish and "UNICA-verkosto" in finnish
    assert "Vihreä liikkuvuus" in finnish and "Valitse kaikki sopivat." in finnish
    # The value sent is the main language's choice, whatever is shown.
    assert 'value="UNICA"' in finnish and 'value="Green mobility"' in finnish
    assert "Your network" not in finnish
    assert "Your network" in english and "UNICA-verkosto" not in english
    # A question without its Finnish text is asked in the main language.
    assert "Your mobility role in one line" in finnish
    assert "Ämnen" in swedish and "Green mobility" in swedish and "Vihreä" not in swedish


def test_a_finnish_answer_counts_the_same_as_an_english_one(client, call, make_user):
    translate(call)
    _, english_token = make_applicant(call.event, "en@uni.example")
    _, finnish_token = make_applicant(call.event, "fi@uni.example")
    organiser = make_user(
        "organiser@helsinki.fi", institution=call.event.institution, role="event_organiser"
    )
    with freeze_time(DURING):
        for token, language in ((english_token, "en"), (finnish_token, "fi")):
            response = client.post(
                f"/applications/{token}",
                data=form_of(call),
                headers={"Accept-Language": language},
            )
            assert response.status_code == 302
        db.session.expire_all()
        by_language = {
            a.application.language: a.value
            for a in db.session.scalars(select(Answer).where(Answer.question_id == call.several.id))
        }
        assert by_language == {"en": ["Inclusion", "Digital"], "fi": ["Inclusion", "Digital"]}
        one = set(db.session.scalars(select(Answer.value).where(Answer.question_id == call.one.id)))
        assert one == {"UNICA"}

        login(client, organiser.email)
        pages = [
            client.get(
                f"/institutions/helsinki/events/{call.event.id}/review/{application.id}"
            ).get_data(as_text=True)
            for application in db.session.scalars(select(Application).order_by(Application.id))
        ]
        finnish_pages = [
            client.get(
                f"/institutions/helsinki/events/{call.event.id}/review/{application.id}",
                headers={"Accept-Language": "fi"},
            ).get_data(as_text=True)
            for application in db.session.scalars(select(Application).order_by(Application.id))
        ]
    for page in pages:
        assert "Inclusion, Digital" in page and "Osallisuus" not in page
        assert "Your network" in page
    # A reviewer reading in Finnish reads both answers in Finnish, whoever wrote them.
    for page in finnish_pages:
        assert "Osallisuus, Digitaalisuus" in page and "Inclusion, Digital" not in page
        assert "Verkostosi" in page


def test_the_organiser_writes_the_translations_and_bounds_are_refused(client, call, make_user):
    organiser = make_user(
        "organiser@helsinki.fi", institution=call.event.institution, role="event_organiser"
    )
    url = (
        f"/institutions/helsinki/events/{call.event.id}/tracks/{call.first.id}"
        f"/questions/{call.one.id}/edit"
    )
    data = {
        "kind": "one_choice",
        "prompt": "Your network",
        "help": "",
        "choices": "Una Europa\nUNICA",
        "prompt_fi": "Verkostosi",
        "help_fi": "",
        "choices_fi": "Una Europa -allianssi",  # one of two
        "prompt_sv": "x" * 501,
        "help_sv": "",
        "choices_sv": "",
    }
    with freeze_time(DURING):
        login(client, organiser.email)
        response = client.post(url, data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "give as many translated choices as choices (2)" in page.lower()
        assert "Question in Swedish" in page and "500" in page
        db.session.expire_all()
        assert call.one.prompt_fi == "" and call.one.choices_fi == []

        data.update(choices_fi="Una Europa -allianssi\nUNICA-verkosto", prompt_sv="Ditt nätverk")
        assert client.post(url, data=data).status_code == 302
        db.session.expire_all()
    assert call.one.choices_fi == ["Una Europa -allianssi", "UNICA-verkosto"]
    assert (call.one.prompt_fi, call.one.prompt_sv) == ("Verkostosi", "Ditt nätverk")
    assert call.one.choices == ["Una Europa", "UNICA"]


def test_after_the_window_the_applicant_reads_what_they_sent_in_their_language(client, call):
    from tests.events.factories import CLOSES

    translate(call)
    _, token = make_applicant(call.event, "fi@uni.example")
    with freeze_time(DURING):
        sent = client.post(f"/applications/{token}", data=form_of(call))
        assert sent.status_code == 302
    with freeze_time(CLOSES + timedelta(days=1)):
        page = client.get(f"/applications/{token}", headers={"Accept-Language": "fi"})
    text = page.get_data(as_text=True)
    assert "Verkostosi" in text and "UNICA-verkosto" in text
    assert "Osallisuus, Digitaalisuus" in text and "Your network" not in text
