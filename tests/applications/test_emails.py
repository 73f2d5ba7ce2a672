"""The applicant's emails, through a real SMTP server: each in the language the applicant
asked or applied in, whatever the language of the request that sends it, with links from the
configured address and times in the event's time zone.

The Finnish and Swedish words asserted are those of this package's part files (read with
Babel), so the tests check that an email is written in the translation, not which words the
translator chose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import get_babel
from sqlalchemy import select

from app import create_app
from app.applications.models import Application
from app.core.extensions import db, utcnow
from app.mail import services as mail
from tests.accounts.smtp import smtp_server
from tests.applications.conftest import form_of
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]
PARTS = ROOT / "i18n-parts"
CATALOGUES = ROOT / "app" / "translations"


def _catalogue(language: str) -> Path:
    part = PARTS / f"h3.{language}.po"
    return part if part.exists() else CATALOGUES / language / "LC_MESSAGES" / "messages.po"


def words(language: str, msgid: str, **values: object) -> str:
    """Return a message as the catalogue translates it, with its placeholders filled."""
    with _catalogue(language).open("rb") as source:
        message = read_po(source, locale=language).get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no {language} translation"
    assert message.string != msgid
    return message.string % values if values else message.string


def _read_parts(app: Flask, folder: Path) -> None:
    """Let the app read this package's part files over the merged catalogues."""
    directories = [str(CATALOGUES)]
    for language in ("fi", "sv"):
        part = PARTS / f"h3.{language}.po"
        if part.exists():
            target = folder / language / "LC_MESSAGES"
            target.mkdir(parents=True, exist_ok=True)
            with part.open("rb") as source, (target / "messages.mo").open("wb") as mo:
                write_mo(mo, read_po(source, locale=language))
    directories.append(str(folder))
    get_babel(app).translation_directories = directories


@pytest.fixture
def smtp_app(app: Flask, migrated_database: str, tmp_path: Path) -> Iterator:
    """Return a factory of apps that deliver through an SMTP server and read the parts."""
    made: list[Flask] = []
    cache = get_babel(app).instance.domain_instance.cache

    def make(port: int) -> Flask:
        made.append(
            create_app(
                make_config(
                    migrated_database,
                    MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=port,
                    MAIL_WORKER="off",
                    PUBLIC_BASE_URL="https://planner.example.org",
                )
            )
        )
        _read_parts(made[-1], tmp_path)
        cache.clear()
        return made[-1]

    yield make
    cache.clear()
    for made_app in made:
        mail.worker(made_app).stop()


def deliver(app: Flask, received: list[EmailMessage], count: int = 1) -> list[EmailMessage]:
    """Send what is due now and return what the server received."""
    assert mail.run_pass(app) == {"sent": count}
    assert len(received) == count
    return list(received)


@pytest.fixture
def open_call(call):
    """The call with its window open around the real clock (SMTP runs on it)."""
    call.event.opens_at = utcnow() - timedelta(days=1)
    call.event.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    return call


def _link(body: str) -> str:
    found = re.search(r"https://planner\.example\.org/applications/([A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def test_the_link_is_mailed_in_the_language_of_the_page_it_was_asked_from(smtp_app, open_call):
    event = open_call.event
    with smtp_server() as (port, received):
        app = smtp_app(port)
        app.test_client().post(
            f"/events/{event.id}/apply",
            data={"email": "aino@uni.example"},
            headers={"Accept-Language": "fi", "Host": "evil.example"},
        )
        (email,) = deliver(app, received)
    body = email.get_content()
    assert email["To"] == "aino@uni.example"
    assert email["Subject"] == words("fi", "Your link to apply to %(event)s", event=event.title)
    assert words("fi", "To apply, or to see or change your application, open this link:") in body
    assert email["Content-Language"] == "fi"
    _link(body)
    assert "evil.example" not in body
    # The close in Helsinki time, as Finnish writes it ("Itä-Euroopan ...").
    assert "Itä-Euroopan" in body


def test_confirmations_follow_the_language_applied_in_not_the_requests(smtp_app, open_call):
    from tests.events.factories import make_applicant

    _, token = make_applicant(open_call.event, "sven@uni.example", language="fi")
    with smtp_server() as (port, received):
        app = smtp_app(port)
        client = app.test_client()
        sent = client.post(
            f"/applications/{token}", data=form_of(open_call), headers={"Accept-Language": "sv"}
        )
        assert sent.status_code == 302
        (confirmation,) = deliver(app, received)
        received.clear()
        # Withdrawn from an English page: the email stays in Swedish, the language applied in.
        client.post(
            f"/applications/{token}",
            data={"action": "withdraw-confirmed"},
            headers={"Accept-Language": "en"},
        )
        (withdrawn,) = deliver(app, received)
    title = open_call.event.title
    assert confirmation["Subject"] == words(
        "sv", "Your application to %(event)s is received", event=title
    )
    assert _link(confirmation.get_content()) == token
    assert withdrawn["Subject"] == words(
        "sv", "Your application to %(event)s is withdrawn", event=title
    )
    assert words("sv", "Your application to %(event)s is withdrawn.", event=title) in (
        withdrawn.get_content()
    )
    db.session.rollback()  # read afresh what the other app's requests committed
    assert db.session.scalar(select(Application)).language == "sv"


def test_without_a_mail_server_the_emails_stay_in_the_outbox_in_english(client, open_call):
    from app.mail.models import OutboxMessage

    client.post(f"/events/{open_call.event.id}/apply", data={"email": "en@uni.example"})
    (message,) = db.session.scalars(select(OutboxMessage))
    assert message.language == "en"
    assert message.subject == f"Your link to apply to {open_call.event.title}"
    assert "http://127.0.0.1:5000/applications/" in message.body
