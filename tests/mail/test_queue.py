"""Mail through the job queue: real consumers on real storage, a real SMTP server.

A delivery refused for now is retried by the queue and arrives once; the same delivery run
many times, by two consumers, sends one email; an invitation's calendar arrives as invite.ics;
and the queue works the same on Redis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import update

from app import create_app
from app.core.extensions import db, utcnow
from app.core.jobs import consuming, queue
from app.mail import services, tasks
from app.mail.models import MailStatus, OutboxMessage
from tests.accounts.smtp import _Collector, free_port, smtp_server
from tests.accounts.test_shared_throttle import redis_url  # noqa: F401 - a fixture
from tests.conftest import make_config
from tests.mail.test_outbox import forgot, messages, wait_for

CALENDAR = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Staff Capacity Planner//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "UID:meeting-1@planner.example.org",
        "DTSTAMP:20270301T090000Z",
        "DTSTART:20270310T120000Z",
        "DTEND:20270310T130000Z",
        "SUMMARY:Preparatory online meeting",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


class _Busy(_Collector):
    """A server that answers "try again later" to the first `refusals` recipients."""

    def __init__(self, refusals: int) -> None:
        super().__init__(None)
        self.refusals = refusals

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 busy, try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@contextmanager
def busy_server(refusals: int) -> Iterator[tuple[int, list[EmailMessage]]]:
    """Run an SMTP server that refuses for now, then accepts; yield port and messages."""
    collector = _Busy(refusals)
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector.messages
    finally:
        controller.stop()


@pytest.fixture
def queue_app(app: Flask, migrated_database: str, tmp_path: Path) -> Callable[..., Flask]:
    """Return a factory of apps with a mail server and a real queue (a SQLite file here)."""

    def make(port: int, **config: object) -> Flask:
        return create_app(
            make_config(
                migrated_database,
                **{
                    "MAIL_SERVER": "127.0.0.1",
                    "MAIL_PORT": port,
                    "MAIL_TIMEOUT": 2,
                    "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
                    "JOBS_POLL_SECONDS": 0.1,
                    **config,
                },
            )
        )

    return make


def idle(app: Flask) -> bool:
    """Tell whether the app's queue holds no task, waiting or scheduled."""
    return queue(app).pending_count() == 0 and queue(app).scheduled_count() == 0


def test_a_delivery_the_server_refuses_for_now_is_retried_and_arrives_once(queue_app, make_user):
    make_user("ana@example.org")
    with busy_server(refusals=1) as (port, received):
        app = queue_app(port, MAIL_RETRY_SECONDS=1)
        forgot(app, "ana@example.org")
        with consuming(app):
            assert wait_for(lambda: messages()[0].status == MailStatus.SENT, timeout=20)
            assert wait_for(lambda: idle(app))
    message = messages()[0]
    assert message.attempts == 2 and message.last_error is None
    assert len(received) == 1 and received[0]["To"] == "ana@example.org"


def test_the_same_delivery_run_many_times_by_two_consumers_sends_one_email(queue_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        first, second = queue_app(port), queue_app(port)  # two machines on one queue
        forgot(first, "ana@example.org")  # enqueues one delivery after its commit
        message_id = messages()[0].id
        with first.app_context():
            for _ in range(5):  # and duplicates: a retry, a double enqueue, a sweep
                tasks.deliver_message(message_id)
        assert queue(first).pending_count() == 6
        with consuming(first, workers=3), consuming(second, workers=3):
            assert wait_for(lambda: messages()[0].status == MailStatus.SENT)
            assert wait_for(lambda: idle(first))
    assert len(received) == 1
    assert messages()[0].attempts == 1


def test_a_message_already_sent_is_not_sent_by_a_later_run(queue_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = queue_app(port)
        forgot(app, "ana@example.org")
        with consuming(app):
            assert wait_for(lambda: len(received) == 1 and idle(app))
        with app.app_context():
            assert tasks.deliver_message.call_local(messages()[0].id) is None
            tasks.deliver_message(messages()[0].id)
        with consuming(app):
            assert wait_for(lambda: idle(app))
    assert len(received) == 1


def test_an_invitation_carries_its_calendar_as_invite_ics(queue_app):
    with smtp_server() as (port, received):
        app = queue_app(port)
        with app.test_request_context():
            services.queue_mail(
                "ana@example.org",
                "Preparatory meeting",
                "Join us online.",
                language="en",
                calendar=CALENDAR,
            )
            db.session.commit()
        with consuming(app):
            assert wait_for(lambda: len(received) == 1)
    email = received[0]
    assert email.get_content_type() == "multipart/mixed"
    assert email["Content-Language"] == "en"
    body = email.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Join us online."
    [invite] = list(email.iter_attachments())
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_filename() == "invite.ics"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_content().replace("\r\n", "\n") == CALENDAR.replace("\r\n", "\n")


def test_a_message_sent_again_after_its_record_was_lost_keeps_its_message_id(queue_app, make_user):
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = queue_app(port, JOBS_URL="memory://")  # nothing consumes: the test delivers
        forgot(app, "ana@example.org")
        assert services.run_pass(app) == {MailStatus.SENT: 1}
        with app.app_context():
            # As if the process died between the server's acceptance and the record of it,
            # and the claim's lease ran out: the one window where a message goes out twice.
            db.session.execute(
                update(OutboxMessage).values(
                    status=MailStatus.PENDING, next_attempt_at=utcnow() - timedelta(seconds=1)
                )
            )
            db.session.commit()
        assert services.run_pass(app) == {MailStatus.SENT: 1}
    # Mail systems that keep one copy per Message-ID see one message.
    assert len(received) == 2
    assert received[0]["Message-ID"] == received[1]["Message-ID"]
    assert received[0]["Message-ID"].startswith(f"<outbox.{messages()[0].id}.")


def test_mail_goes_through_a_queue_on_redis(queue_app, make_user, redis_url):  # noqa: F811
    make_user("ana@example.org")
    with smtp_server() as (port, received):
        app = queue_app(port, JOBS_URL=redis_url)
        assert queue(app).description.startswith("Redis redis://127.0.0.1:")
        forgot(app, "ana@example.org")
        assert queue(app).pending_count() == 1  # in Redis, for any machine's consumer
        with consuming(app):
            assert wait_for(lambda: len(received) == 1 and idle(app))
    assert messages()[0].status == MailStatus.SENT


def test_a_worker_without_a_mail_server_leaves_the_message_to_one_with_it(
    queue_app, make_user, migrated_database
):
    make_user("ana@example.org")
    web = queue_app(free_port(), JOBS_URL="memory://")
    forgot(web, "ana@example.org")
    worker = create_app(make_config(migrated_database, JOBS_URL="memory://"))
    with worker.app_context():
        assert tasks.deliver_message.call_local(messages()[0].id) is None
    message = messages()[0]
    assert message.status == MailStatus.PENDING and message.attempts == 0
