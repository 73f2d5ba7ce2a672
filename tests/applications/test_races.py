"""Two first submissions of one applicant at the same instant, through a real threaded
server: one application is stored, the other request is told so (both databases)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from app.applications.models import Answer, Application
from app.core.extensions import db, utcnow
from tests.applications.conftest import form_of
from tests.events.factories import make_applicant

CLIENTS = 6


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(url: str, data: dict) -> tuple[int, str]:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_simultaneous_first_submissions_store_one_application(server, call):
    # The server's threads run on the real clock: open the window around it.
    call.event.opens_at = utcnow() - timedelta(days=1)
    call.event.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    _, token = make_applicant(call.event)
    url = f"{server}/applications/{token}"
    start = threading.Barrier(CLIENTS)
    forms = [form_of(call, name=f"Window {n}") for n in range(CLIENTS)]

    def submit(n: int) -> tuple[int, str]:
        start.wait()
        return _post(url, forms[n])

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(submit, range(CLIENTS)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [409] * (CLIENTS - 1), statuses
    for status, page in results:
        if status == 409:
            assert "sent or changed meanwhile" in page
    db.session.rollback()  # a fresh read (SQLite keeps a transaction's first snapshot)
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1
    (application,) = db.session.scalars(select(Application))
    assert application.version == 1
    # The winner's answers, once each.
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 5
