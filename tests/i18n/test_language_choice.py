"""Which language a page is written in: the account's saved language, then the switcher's
choice this session, then the browser's Accept-Language, then English."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import User
from app.core.extensions import db
from tests.conftest import login


def _language(response) -> str:
    match = re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True))
    assert match, "the page has no <html lang>"
    return match.group(1)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("fi", "fi"),
        ("fi-FI,fi;q=0.9,en;q=0.8", "fi"),
        ("sv-FI,sv;q=0.9", "sv"),
        ("de-DE,de;q=0.9,sv;q=0.5,fi;q=0.4", "sv"),
        ("de, fr", "en"),
        ("en-US,fi;q=0.9", "en"),
    ],
)
def test_a_visitor_reads_the_best_language_the_browser_asks_for(client, header, language):
    headers = {"Accept-Language": header} if header else {}
    assert _language(client.get("/practices", headers=headers)) == language


def test_the_pages_words_follow_the_language(client):
    finnish = client.get("/practices", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    swedish = client.get("/practices", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Kirjaudu sisään" in finnish and "Sign in<" not in finnish
    assert "Logga in" in swedish and "Kirjaudu" not in swedish


def test_the_switcher_beats_the_browser_for_a_visitor(client):
    response = client.post("/language", data={"language": "sv", "next": "/practices?q=visit"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/practices?q=visit")
    assert _language(client.get("/practices", headers={"Accept-Language": "fi"})) == "sv"


def test_the_switcher_goes_back_only_to_this_site(client):
    response = client.post("/language", data={"language": "fi", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_an_unknown_language_is_refused_and_nothing_changes(client):
    client.post("/language", data={"language": "fi"})
    response = client.post("/language", data={"language": "de", "next": "/practices"})
    assert response.status_code == 302
    page = client.get("/practices")
    assert _language(page) == "fi"
    text = page.get_data(as_text=True)
    # Said, in the language still chosen.
    assert 'class="notice notice-error" role="alert"' in text
    assert "That language is not available." not in text


def test_the_saved_language_beats_the_switchers_session_and_the_browser(client, make_user):
    user = make_user("saved@example.org")
    user.language = "sv"
    db.session.commit()
    login(client, "saved@example.org")
    assert _language(client.get("/practices", headers={"Accept-Language": "fi"})) == "sv"


def test_a_signed_in_switch_is_saved_on_the_account(client, make_user):
    make_user("switch@example.org")
    login(client, "switch@example.org")
    client.post("/language", data={"language": "fi", "next": "/practices"})
    assert db.session.scalar(db.select(User.language).filter_by(email="switch@example.org")) == (
        "fi"
    )
    # Another browser of the same person, asking for English, gets Finnish.
    other = client.application.test_client()
    login(other, "switch@example.org")
    assert _language(other.get("/practices", headers={"Accept-Language": "en"})) == "fi"


def test_without_a_saved_language_the_browser_decides_for_a_signed_in_user(client, make_user):
    make_user("browser@example.org")
    login(client, "browser@example.org")
    assert _language(client.get("/practices", headers={"Accept-Language": "sv"})) == "sv"
    assert _language(client.get("/practices")) == "en"


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_error_pages_are_in_the_language_too(client, language):
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert _language(response) == language
    title = {"en": "Not found", "fi": "Ei löytynyt", "sv": "Hittades inte"}[language]
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)


def test_a_practice_adopted_in_finnish_fills_the_plan_in_finnish(
    client, catalogue, make_user, make_institution, make_plan
):
    from app.planner.models import Activity

    institution = make_institution("uni-fi")
    plan = make_plan(institution)
    user = make_user("fi@example.org", institution=institution, role="planner")
    user.language = "fi"
    db.session.commit()
    login(client, "fi@example.org")
    slug = "benchmarking-in-university-networks"
    response = client.post(
        f"/practices/{slug}/adopt", data={"plan_id": plan.id, "phases": ["setup", "delivery"]}
    )
    assert response.status_code == 302
    titles = sorted(db.session.scalars(db.select(Activity.title)))
    finnish = "Vertailukehittäminen ja hyvien käytäntöjen vaihto yliopistoverkostoissa"
    assert titles == [f"Toteutus: {finnish}", f"Valmistelu: {finnish}"]
    activity = db.session.scalar(db.select(Activity).filter_by(phase="setup"))
    assert activity.checklist and all("the " not in item.text for item in activity.checklist)
    assert activity.indicators and all(" of " not in i.name for i in activity.indicators)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f"Valmistelu: {finnish}" in page
