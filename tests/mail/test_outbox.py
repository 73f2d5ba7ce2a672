"""The outbox: mail leaves after the commit, by the job queue, whatever the mail server does.

Every test talks to a real SMTP endpoint on 127.0.0.1 (tests/accounts/smtp.py): a working
server, one that refuses, one that never answers, or a closed port. Apps made with `queue=`
enqueue on real storage (a SQLite file of the test) for a real consumer the test starts;
`NO_WORKER` apps enqueue where nothing runs, so the test delivers with `run_pass`, step by
step; the others run the queue inline (immediate mode), the message sent at the commit.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from app import create_app
from app.core.extensions import db, utcnow
from app.core.jobs import consuming
from app.mail import services
from app.mail.models import MailKind, MailStatus, OutboxMessage
from tests.accounts.smtp import free_port, silent_server, smtp_server
from tests.conftest import PASSWORD, login, make_config

FLASH = "If an account uses this address, a link to reset its password is on its way."
# A queue nothing consumes: the messages wait for the test's own delivery passes.
NO_WORKER = {"JOBS_URL": "memory://"}


@pytest.fixture
def mail_app(app: Flask, migrated_database: str, tmp_path: Path) -> Callable[..., Flask]:
    """Return a factory of apps with a mail server; `queue=True` gives it a real queue file."""

    def make(port: int, queue: bool = False, **config: object) -> Flask:
        if queue:
            config.setdefault("JOBS_URL", f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
            config.setdefault("JOBS_POLL_SECONDS", 0.1)
        return create_app(
            make_config(
                migrated_database,
                **{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 2, **config},
            )
        )

    return make


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> bool:
    """Wait until condition() holds; return whether it did in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def messages() -> list[OutboxMessage]:
    db.session.rollback()  # see what the other app contexts committed
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def forgot(app: Flask, email: str, address: str = "127.0.0.1") -> tuple[int, str, str]:
    """Ask for a reset; return the status, the redirect and the page it leads to."""
    client = app.test_client()
    response = client.post(
        "/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address}
    )
    page = client.get("/login").get_data(as_text=True) if response.status_code == 302 else ""
    # Each browser has a CSRF token of its own (the language switcher's form on every page).
    page = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)
    return response.status_code, response.headers.get("Location", ""), page


def test_a_reset_reaches_the_mail_server_after_the_answer(mail_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = mail_app(port, queue=True)
        status, location, page = forgot(app, "ana@example.org")
        assert (status, location) == (302, "/login") and FLASH in page
        assert received == []  # the request only queued it
        with consuming(app):
            assert wait_for(lambda: len(received) == 1)
    email = received[0]
    assert email["To"] == "ana@example.org" and email["Subject"] == "Reset your password"
    assert f"{app.config['PUBLIC_BASE_URL']}/password/reset/" in email.get_content()
    assert wait_for(lambda: messages()[0].status == MailStatus.SENT)
    message = messages()[0]
    assert message.attempts == 1 and message.sent_at is not None and message.last_error is None


def test_with_the_mail_server_down_known_and_unknown_addresses_get_the_same_answer(
    mail_app, make_user
):
    make_user("ana@example.org")
    app = mail_app(free_port(), **NO_WORKER)
    known = forgot(app, "ana@example.org")
    unknown = forgot(app, "nobody@example.org")
    assert known == unknown
    assert known[0] == 302 and FLASH in known[2]
    # The message waits in the outbox; a delivery pass fails and schedules a retry.
    assert [m.status for m in messages()] == [MailStatus.PENDING]
    assert services.run_pass(app) == {MailStatus.PENDING: 1}
    message = messages()[0]
    assert message.attempts == 1 and "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at is not None


def test_a_hanging_mail_server_does_not_slow_the_answer(mail_app, make_user):
    make_user("ana@example.org")
    with silent_server() as port:
        # The server would hold a sender for the whole 10 s timeout: an answer that waited for
        # it would take that long, far beyond the bound below. The bound leaves room for a
        # loaded machine (the suite's other worker, the database on the same two cores), and
        # the scheduled tasks are off, as they would compete for this process's time.
        app = mail_app(port, queue=True, MAIL_TIMEOUT=10)
        timings = {}
        with consuming(app, periodic=False):
            for email in ("ana@example.org", "nobody@example.org"):
                client = app.test_client()
                started = time.monotonic()
                response = client.post("/password/forgot", data={"email": email})
                timings[email] = time.monotonic() - started
                assert response.status_code == 302
            assert wait_for(lambda: messages()[0].attempts == 1)  # the sender is talking to it
            started = time.monotonic()
            response = app.test_client().post(
                "/password/forgot", data={"email": "nobody@example.org"}
            )
            timings["while sending"] = time.monotonic() - started
            assert response.status_code == 302
    assert max(timings.values()) < 5, timings


def test_a_failed_delivery_is_tried_again_later_and_then_sent(mail_app, make_user):
    make_user("ana@example.org")
    down = mail_app(free_port(), **NO_WORKER, MAIL_RETRY_SECONDS=60)
    forgot(down, "ana@example.org")
    assert services.run_pass(down) == {MailStatus.PENDING: 1}
    with smtp_server() as (port, received):
        up = mail_app(port, **NO_WORKER)
        assert services.run_pass(up) == {}  # the retry is not due yet
        with freeze_time(utcnow() + timedelta(seconds=61)):
            assert services.run_pass(up) == {MailStatus.SENT: 1}
    assert len(received) == 1
    assert messages()[0].attempts == 2


def test_the_delay_between_attempts_doubles(app):
    delays = [services.retry_delay(n, {"MAIL_RETRY_SECONDS": 60}) for n in (1, 2, 3, 20)]
    assert delays == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=6),
    ]


def test_delivery_gives_up_after_the_last_attempt(mail_app, make_user):
    make_user("ana@example.org")
    app = mail_app(free_port(), **NO_WORKER, MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_SECONDS=0)
    forgot(app, "ana@example.org")
    assert services.run_pass(app) == {MailStatus.PENDING: 1}
    assert services.run_pass(app) == {MailStatus.FAILED: 1}
    assert services.run_pass(app) == {}
    assert messages()[0].status == MailStatus.FAILED


def test_a_permanent_refusal_is_not_tried_again(mail_app, make_user):
    make_user("ana@example.org")
    with smtp_server(refuse="550 no such user here") as (port, received):
        app = mail_app(port, **NO_WORKER)
        forgot(app, "ana@example.org")
        assert services.run_pass(app) == {MailStatus.FAILED: 1}
    assert received == []
    assert "550" in messages()[0].last_error


def test_a_delivery_that_died_after_its_claim_is_tried_again_when_its_lease_ends(
    mail_app, make_user
):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = mail_app(port, **NO_WORKER)
        forgot(app, "ana@example.org")
        message_id = messages()[0].id
        with app.app_context():
            # A worker claims the message, then its process is killed before it sends.
            assert services._claim(message_id, utcnow())
        assert services.run_pass(app) == {}  # another worker leaves it during the lease
        assert received == []
        with freeze_time(utcnow() + services.LEASE + timedelta(seconds=1)):
            assert services.run_pass(app) == {MailStatus.SENT: 1}
    assert len(received) == 1


def test_the_periodic_sweep_sends_a_message_an_earlier_process_left_pending(mail_app, make_user):
    make_user("ana@example.org")
    down = mail_app(free_port(), **NO_WORKER)
    forgot(down, "ana@example.org")
    with down.app_context():
        # Claimed by a worker of a process that then died; its lease has run out since.
        assert services._claim(messages()[0].id, utcnow())
        db.session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    with smtp_server() as (port, received):
        app = mail_app(port, queue=True)
        with consuming(app):  # nothing was enqueued for it: the scheduler's sweep finds it
            assert wait_for(lambda: len(received) == 1)
            # The server has the message a moment before the worker records it as sent.
            assert wait_for(lambda: messages()[0].status == MailStatus.SENT)
    assert len(received) == 1 and messages()[0].attempts == 2


def test_two_workers_send_each_message_once(mail_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = mail_app(port, **NO_WORKER, PASSWORD_RESETS_PER_HOUR=100)
        for _ in range(6):
            forgot(app, "ana@example.org")
        workers = [threading.Thread(target=services.run_pass, args=(app,)) for _ in range(3)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(30)
    assert len(received) == 6
    assert {m.status for m in messages()} == {MailStatus.SENT}


def test_the_command_sends_what_is_due(mail_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = mail_app(port, **NO_WORKER)
        forgot(app, "ana@example.org")
        with app.app_context():  # the command runs in the app with the mail server
            result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 sent"
    assert len(received) == 1


def test_the_command_says_when_there_is_no_mail_server(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "MAIL_SERVER is not set" in result.output


# --- what a message may carry in its headers ---------------------------------------------------


def test_a_line_break_in_an_institution_name_cannot_add_headers(
    mail_app, make_user, make_institution
):
    institution = make_institution("uni-a", name="Uni A\r\nBcc: victim@evil.example\r\nX-Evil: 1")
    make_user("boss@example.org", institution=institution, role="manager")
    with smtp_server() as (port, received):
        app = mail_app(port)
        client = app.test_client()
        client.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
        response = client.post(
            "/institutions/uni-a/invitations", data={"email": "new@example.org", "role": "viewer"}
        )
        assert response.status_code == 302
        assert wait_for(lambda: len(received) == 1)
    email = received[0]
    assert email["Subject"] == "Invitation to Uni A Bcc: victim@evil.example X-Evil: 1"
    assert email["Bcc"] is None and email["X-Evil"] is None
    assert email["To"] == "new@example.org"


@given(st.text(max_size=400))
def test_any_subject_becomes_one_header_line(text):
    subject = services.single_line("Invitation to " + text)
    assert len(subject) <= services.SUBJECT_MAX
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", subject)
    email = EmailMessage()
    email["Subject"] = subject  # the email library refuses a line break with ValueError
    assert "\n" not in str(email["Subject"])


def test_an_address_that_is_not_one_line_is_never_sent(mail_app):
    app = mail_app(free_port(), **NO_WORKER)
    with app.test_request_context():
        message = services.queue_mail("a@example.org\r\nBcc: b@example.org", "Hi", "Body")
        db.session.commit()
        assert message.status == MailStatus.FAILED
    assert services.run_pass(app) == {}


# --- limits and logs -----------------------------------------------------------------------------


def test_resets_are_capped_per_account_whatever_address_asks(app, make_user):
    make_user("ana@example.org")
    answers = {forgot(app, "ana@example.org", f"10.0.0.{n}") for n in range(5)}
    assert len(answers) == 1  # the same answer, also once the cap is reached
    count = select(func.count()).where(OutboxMessage.kind == MailKind.PASSWORD_RESET)
    assert db.session.scalar(count) == app.config["PASSWORD_RESETS_PER_HOUR"] == 3
    with freeze_time(utcnow() + timedelta(minutes=61)):
        forgot(app, "ana@example.org", "10.0.0.9")
    assert db.session.scalar(count) == 4


def test_no_log_record_holds_a_token_or_a_body(mail_app, make_user, make_institution, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = mail_app(port)
        forgot(app, "ana@example.org")
        client = app.test_client()
        client.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
        client.post(
            "/institutions/uni-a/invitations", data={"email": "new@example.org", "role": "viewer"}
        )
        assert wait_for(lambda: len(received) == 2)
        link = re.search(r"https?://\S+/password/reset/(\S+)", received[0].get_content())
        new = {"password": "a brand new sentence", "confirm": "a brand new sentence"}
        assert (
            app.test_client().post(f"/password/reset/{link.group(1)}", data=new).status_code == 302
        )
    down = mail_app(free_port(), **NO_WORKER)
    forgot(down, "boss@example.org")
    services.run_pass(down)  # a failed delivery is logged too
    tokens = [link.group(1)] + [
        re.search(r"/invitations/(\S+)", email.get_content()).group(1) for email in received[1:]
    ]
    # Everything logged in this process but by the test's SMTP server (aiosmtpd's "mail.log"),
    # which stands for the world outside and prints what it receives.
    logged = "\n".join(
        record.getMessage() + (record.exc_text or "")
        for record in caplog.records
        if not record.name.startswith("mail.log")
    )
    assert "mail" in logged and "ana@example.org" in logged  # the log was captured
    for token in tokens:
        assert token not in logged
    assert "Someone asked to reset" not in logged and "invites you" not in logged


def test_the_outbox_shows_the_calendar_file_an_email_carries(client, make_user):
    make_user("admin@example.org", is_admin=True)
    db.session.add(
        OutboxMessage(
            recipient="aino@uni.example",
            subject="Preparatory online meeting",
            body="The invitation is attached as a calendar file.",
            calendar="BEGIN:VCALENDAR\r\nDTSTART:20261210T120000Z\r\nEND:VCALENDAR\r\n",
            delivery="outbox",
        )
    )
    db.session.commit()
    login(client, "admin@example.org")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Attached calendar file (invite.ics)" in page
    assert "DTSTART:20261210T120000Z" in page
