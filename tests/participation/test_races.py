"""Marks and answers sent at the same instant, through a real threaded server (several real
connections): one attendance row per person and day, one feedback per participant."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlalchemy import func, select

from app.core.extensions import db, utcnow
from app.participation.models import Attendance, Feedback
from tests.conftest import PASSWORD

CLIENTS = 6


def _at_once(calls: list) -> list[int]:
    barrier = threading.Barrier(len(calls))

    def go(call) -> int:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(go, calls))


def test_the_same_mark_at_once_leaves_one_row(server, hosted):
    sessions = []
    for _ in range(CLIENTS):
        session = requests.Session()
        signed = session.post(
            f"{server}/login",
            data={"email": "organiser@a.example", "password": PASSWORD},
            allow_redirects=False,
        )
        assert signed.status_code == 302
        sessions.append(session)
    url = f"{server}{hosted.url(f'/checkin/2026-05-06/{hosted.participants[0].id}')}"
    statuses = _at_once(
        [
            lambda s=s: s.post(url, data={"present": "1"}, allow_redirects=False).status_code
            for s in sessions
        ]
    )
    assert set(statuses) == {302}, statuses
    db.session.rollback()  # read what the server committed
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_the_same_feedback_sent_at_once_is_one_feedback(server, hosted):
    # An event that ended yesterday, so that feedback is open now.
    today = hosted.event.local(utcnow()).date()
    hosted.event.starts_on = today - timedelta(days=3)
    hosted.event.ends_on = today - timedelta(days=1)
    db.session.commit()
    application = hosted.participants[0]
    url = f"{server}/applications/{hosted.tokens[application.id]}/feedback"
    statuses = _at_once(
        [
            lambda n=n: (
                requests.post(
                    url,
                    data={"overall": str(1 + n % 5), "track_rating": "3", "comments": f"try {n}"},
                    allow_redirects=False,
                    timeout=60,
                ).status_code
            )
            for n in range(CLIENTS)
        ]
    )
    assert set(statuses) == {302}, statuses
    db.session.rollback()  # read what the server committed
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1
    assert db.session.scalar(select(Feedback.comments)).startswith("try ")
