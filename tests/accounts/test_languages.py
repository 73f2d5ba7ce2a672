"""The language people read: saved on the account, chosen with the switcher, or the browser's;
and emails in their recipient's language, through a real SMTP server.

The Finnish and Swedish words asserted are those of the catalogues (this package's part files
while they exist, else the merged catalogues), read with Babel, so the tests check that a page
or an email is written in the translation and not which words a translator chose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import get_babel
from sqlalchemy import select

from app import create_app
from app.accounts.models import Invitation, User
from app.core.extensions import db
from app.mail import services as mail
from tests.accounts.smtp import smtp_server
from tests.catalogues import catalogue_path
from tests.conftest import PASSWORD, login, make_config

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "app" / "translations"


def _catalogue(language: str) -> Path:
    """The .po this package's translations are in: its part file, or the merged catalogue."""
    return catalogue_path(language)


def words(language: str, msgid: str, **values: object) -> str:
    """Return a message as the catalogue translates it, with its placeholders filled."""
    with _catalogue(language).open("rb") as source:
        message = read_po(source, locale=language).get(msgid)
    if message is None:  # i18n-parts/h2 is now another helper's part: the merged catalogue
        merged = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
        with merged.open("rb") as source:
            message = read_po(source, locale=language).get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no {language} translation"
    assert message.string != msgid, f"{msgid!r} reads the same in {language}"
    return message.string % values if values else message.string


def _read_catalogues(app: Flask, folder: Path) -> None:
    """Let the app read the part files (compiled into folder) over the merged catalogues."""
    directories = [str(CATALOGUES)]
    parts = [catalogue_path(language) for language in ("fi", "sv")]
    for part in (p for p in parts if p.exists()):
        language = part.parent.parent.name
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with part.open("rb") as source, (target / "messages.mo").open("wb") as mo:
            write_mo(mo, read_po(source, locale=language))
    if any(p.exists() for p in parts):
        directories.append(str(folder))  # later directories win
    get_babel(app).translation_directories = directories


@pytest.fixture
def translated(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The test app, reading this package's Finnish and Swedish."""
    _read_catalogues(app, tmp_path)
    # The loaded catalogues are cached per process, whichever app loaded them.
    cache = get_babel(app).instance.domain_instance.cache
    cache.clear()
    yield app
    cache.clear()


def page(client, path: str, **headers: str) -> str:
    return client.get(path, headers=headers).get_data(as_text=True)


def html_lang(text: str) -> str:
    return re.search(r'<html lang="(\w+)">', text).group(1)


def emailed_link() -> str:
    """Return the path of the link in the newest email of the outbox."""
    return urlsplit(re.search(r"https?://\S+", mail.outbox()[0].body).group(0)).path


def saved_language(email: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(User.language).where(User.email == email))


# --- the preference on the account page ---------------------------------------------------------


def test_the_account_page_offers_the_languages_and_following_the_browser(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    text = page(client, "/account")
    options = re.findall(r'<option (?:selected )?value="(\w*)"', text)
    assert options[-4:] == ["", "en", "fi", "sv"]
    assert '<option selected value="">Follow my browser</option>' in text


def test_a_saved_language_is_used_whatever_the_browser_asks(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org")
    login(client, "ana@example.org")
    response = client.post("/account/language", data={"language": "fi"})
    assert response.status_code == 302 and saved_language("ana@example.org") == "fi"
    text = page(client, "/account", **{"Accept-Language": "sv, en;q=0.5"})
    assert html_lang(text) == "fi"
    assert f"<h1>{words('fi', 'Your account')}</h1>" in text
    assert words("fi", "Your language is saved.") in text
    assert '<option selected value="fi">Suomi</option>' in text


def test_following_the_browser_again_clears_the_saved_language(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org", language="fi")
    login(client, "ana@example.org")
    client.post("/account/language", data={"language": ""})
    assert saved_language("ana@example.org") is None
    assert html_lang(page(client, "/account", **{"Accept-Language": "sv"})) == "sv"
    assert html_lang(page(client, "/account")) == "en"


def test_an_unknown_language_on_the_account_page_is_refused_and_nothing_changes(
    translated, make_user
):
    client = translated.test_client()
    make_user("ana@example.org", name="Ana Ahola", language="sv")
    login(client, "ana@example.org")
    response = client.post("/account/language", data={"language": "de"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert words("sv", "Choose one of the languages offered.") in text
    assert 'value="Ana Ahola"' in text  # the other form still shows what is saved
    assert saved_language("ana@example.org") == "sv"


# --- the switcher ---------------------------------------------------------------------------------


def test_the_switcher_keeps_an_anonymous_visitors_choice_for_the_session(translated):
    client = translated.test_client()
    response = client.post("/language", data={"language": "sv", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    text = page(client, "/login", **{"Accept-Language": "fi"})
    assert html_lang(text) == "sv"
    assert f"<h1>{words('sv', 'Sign in')}</h1>" in text
    # Another browser, without the choice, still follows its own language.
    assert html_lang(page(translated.test_client(), "/login", **{"Accept-Language": "fi"})) == "fi"


def test_the_switcher_saves_a_signed_in_users_choice_on_the_account(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org")
    login(client, "ana@example.org")
    client.post("/language", data={"language": "fi", "next": "/account"})
    assert saved_language("ana@example.org") == "fi"
    # Saved, not only for this session: another browser of the same person reads Finnish.
    other = translated.test_client()
    login(other, "ana@example.org")
    assert html_lang(page(other, "/account", **{"Accept-Language": "en"})) == "fi"


def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org", language="sv")
    login(client, "ana@example.org")
    response = client.post(
        "/language", data={"language": "xx", "next": "/account"}, follow_redirects=True
    )
    assert words("sv", "That language is not available.") in response.get_data(as_text=True)
    assert saved_language("ana@example.org") == "sv"
    anonymous = translated.test_client()
    response = anonymous.post(
        "/language", data={"language": "xx", "next": "/login"}, follow_redirects=True
    )
    assert "That language is not available." in response.get_data(as_text=True)
    with anonymous.session_transaction() as session:
        assert "language" not in session


def test_a_choice_made_before_signing_in_is_kept_on_an_account_without_one(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org")
    client.post("/language", data={"language": "sv", "next": "/login"})
    login(client, "ana@example.org")
    assert saved_language("ana@example.org") == "sv"
    assert html_lang(page(client, "/account", **{"Accept-Language": "fi"})) == "sv"


def test_an_accounts_saved_language_wins_over_a_choice_made_before_signing_in(
    translated, make_user
):
    client = translated.test_client()
    make_user("ana@example.org", language="fi")
    client.post("/language", data={"language": "sv", "next": "/login"})
    login(client, "ana@example.org")
    assert saved_language("ana@example.org") == "fi"
    assert html_lang(page(client, "/account")) == "fi"


def test_signing_out_keeps_the_language_one_was_reading(translated, make_user):
    client = translated.test_client()
    make_user("ana@example.org", language="fi")
    login(client, "ana@example.org")
    response = client.post("/logout", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert html_lang(text) == "fi" and words("fi", "You are signed out.") in text


# --- invitations ----------------------------------------------------------------------------------


def test_the_invitation_form_offers_the_inviters_language_first(
    translated, make_user, make_institution
):
    client = translated.test_client()
    make_user("boss@example.org", institution=make_institution("uni-a"), role="manager")
    login(client, "boss@example.org")
    client.post("/language", data={"language": "sv", "next": "/"})
    text = page(client, "/institutions/uni-a/members")
    assert '<option selected value="sv">Svenska</option>' in text
    assert words("sv", "Language of the invitation") in text


def test_an_invitation_without_a_language_is_in_the_inviters(
    translated, make_user, make_institution
):
    client = translated.test_client()
    make_user("boss@example.org", institution=make_institution("uni-a"), role="manager")
    login(client, "boss@example.org")
    client.post("/language", data={"language": "fi", "next": "/"})
    client.post("/institutions/uni-a/invitations", data={"email": "new@example.org"})
    assert db.session.scalar(select(Invitation.language)) == "fi"


def test_an_invitation_in_an_unknown_language_is_refused(client, make_user, make_institution):
    make_user("boss@example.org", institution=make_institution("uni-a"), role="manager")
    login(client, "boss@example.org")
    response = client.post(
        "/institutions/uni-a/invitations",
        data={"email": "new@example.org", "role": "viewer", "language": "de"},
    )
    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None


def test_a_newcomer_reads_the_invitation_page_and_starts_in_its_language(
    translated, make_user, make_institution
):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    boss = translated.test_client()
    login(boss, "boss@example.org")
    boss.post(
        "/institutions/uni-a/invitations",
        data={"email": "new@example.org", "role": "planner", "language": "fi"},
    )
    link = emailed_link()
    newcomer = translated.test_client()
    text = page(newcomer, link, **{"Accept-Language": "en"})
    assert html_lang(text) == "fi"
    assert words("fi", "Join %(institution)s", institution="Uni A") in text
    assert f"<strong>{words('fi', 'Planner')}</strong>" in text
    newcomer.post(link, data={"name": "Uusi", "password": PASSWORD, "confirm": PASSWORD})
    assert saved_language("new@example.org") == "fi"


def test_a_newcomer_who_switches_on_the_invitation_page_starts_in_that_language(
    translated, make_user, make_institution
):
    institution = make_institution("uni-a")
    boss = make_user("boss@example.org", institution=institution, role="manager")
    from app.accounts import services

    with translated.test_request_context():
        services.invite(institution, "new@example.org", "viewer", boss, "fi")
    db.session.commit()
    link = emailed_link()
    newcomer = translated.test_client()
    page(newcomer, link)
    newcomer.post("/language", data={"language": "sv", "next": link})
    newcomer.post(link, data={"name": "Ny", "password": PASSWORD, "confirm": PASSWORD})
    assert saved_language("new@example.org") == "sv"


# --- emails in the recipient's language, through a real SMTP server ------------------------------


@pytest.fixture
def smtp_app(translated: Flask, migrated_database: str, tmp_path: Path):
    """Return a factory of apps that deliver through an SMTP server and read the catalogues."""
    made: list[Flask] = []

    def make(port: int) -> Flask:
        made.append(
            create_app(
                make_config(
                    migrated_database,
                    MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=port,
                    JOBS_URL="memory://",  # nothing consumes it: deliver() sends
                    PUBLIC_BASE_URL="https://planner.example.org",
                )
            )
        )
        _read_catalogues(made[-1], tmp_path)
        return made[-1]

    return make


def deliver(app: Flask, received: list[EmailMessage]) -> EmailMessage:
    """Send what is due now and return the one email the server received."""
    assert mail.run_pass(app) == {"sent": 1}
    assert len(received) == 1
    return received[0]


def test_a_reset_email_is_in_the_accounts_language_whatever_the_request(smtp_app, make_user):
    make_user("ana@example.org", language="fi")
    with smtp_server() as (port, received):
        app = smtp_app(port)
        client = app.test_client()
        client.post(
            "/password/forgot",
            data={"email": "ana@example.org"},
            headers={"Accept-Language": "sv"},
        )
        email = deliver(app, received)
    body = email.get_content()
    assert email["Subject"] == words("fi", "Reset your password")
    assert words("fi", "To choose a new password, open this link:") in body
    assert words("fi", "Hello,") in body
    # The duration and the time are Babel's, in Finnish: "1 tunti", "klo" or "." in times.
    assert "1 tunti" in body
    assert re.search(r"https://planner\.example\.org/password/reset/\S+", body)


def test_a_reset_email_without_a_saved_language_is_in_the_requests(smtp_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = smtp_app(port)
        app.test_client().post(
            "/password/forgot",
            data={"email": "ana@example.org"},
            headers={"Accept-Language": "sv"},
        )
        email = deliver(app, received)
    assert email["Subject"] == words("sv", "Reset your password")
    assert words("sv", "If it was not you, ignore this email: your password stays as it is.") in (
        email.get_content()
    )
    assert "1 timme" in email.get_content()


def test_an_invitation_email_is_in_the_invitations_language(smtp_app, make_user, make_institution):
    make_user(
        "boss@example.org", name="Pomo", institution=make_institution("uni-a"), role="manager"
    )
    with smtp_server() as (port, received):
        app = smtp_app(port)
        client = app.test_client()
        login(client, "boss@example.org")  # reading English
        client.post(
            "/institutions/uni-a/invitations",
            data={"email": "new@example.org", "role": "planner", "language": "fi"},
        )
        email = deliver(app, received)
    body = email.get_content()
    assert email["To"] == "new@example.org"
    assert email["Subject"] == words("fi", "Invitation to %(institution)s", institution="Uni A")
    role = words("fi", "Planner")
    assert " ".join(
        words(
            "fi",
            "%(inviter)s invites you to join %(institution)s in the Staff Capacity Planner. "
            "Your role will be: %(role)s.",
            inviter="Pomo",
            institution="Uni A",
            role=role,
        ).split()
    ) in " ".join(body.split())
    # The last day, as Babel writes a long date in Finnish ("8. joulukuuta 2026").
    assert re.search(r"\d{1,2}\. \w+kuuta \d{4}:", body)
    assert "https://planner.example.org/invitations/" in body


def test_an_email_says_its_language_to_mail_programs_and_on_the_outbox_page(
    smtp_app, make_user, make_institution
):
    make_user("admin@example.org", is_admin=True, language="en")
    make_user("boss@example.org", institution=make_institution("uni-a"), role="manager")
    with smtp_server() as (port, received):
        app = smtp_app(port)
        client = app.test_client()
        login(client, "boss@example.org")
        client.post(
            "/institutions/uni-a/invitations",
            data={"email": "new@example.org", "role": "viewer", "language": "sv"},
        )
        email = deliver(app, received)
        admin = app.test_client()
        login(admin, "admin@example.org")
        text = page(admin, "/admin/outbox")
    assert email["Content-Language"] == "sv"
    subject = words("sv", "Invitation to %(institution)s", institution="Uni A")
    assert f'<h2 lang="sv">{subject}</h2>' in text
    assert html_lang(text) == "en"  # the page itself is in the administrator's language


@pytest.mark.parametrize("target", ["/language", "/logout", "/no/such/page"])
def test_the_language_switch_never_returns_to_a_page_that_answers_no_get(client, target):
    # The confirmation page's own header switch names /language, which answers POST only.
    answer = client.post("/language", data={"language": "fi", "next": target})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/practices")


def test_signing_in_never_returns_to_a_page_that_answers_no_get(client, make_user):
    make_user("ana@example.org")
    answer = client.post(
        "/login?next=/logout", data={"email": "ana@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/practices")
