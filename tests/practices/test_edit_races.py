"""Curators saving the same version of a sheet at once: one save wins, the others see a conflict."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.practices import services
from app.practices.models import Practice, PracticeRevision
from tests.conftest import PASSWORD
from tests.practices.test_curation import form_data

CURATORS = 8


def test_racing_saves_of_one_version_keep_exactly_one(server, make_practice, make_user):
    practice = make_practice()
    sheet = services.sheet_from_practice(practice)
    make_user("curator@example.org", is_curator=True)
    signed_in = requests.Session()
    response = signed_in.post(
        f"{server}/login",
        data={"email": "curator@example.org", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    start = threading.Barrier(CURATORS)

    def save(number: int) -> int:
        """Each curator opened version 1 and saves a different summary."""
        session = requests.Session()
        session.cookies.update(signed_in.cookies)
        body = {**form_data(sheet, 1, summary=f"Summary number {number}."), "save": "Save"}
        start.wait(timeout=30)
        return session.post(
            f"{server}/practices/{sheet.slug}/edit", data=body, allow_redirects=False, timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=CURATORS) as pool:
        statuses = sorted(pool.map(save, range(CURATORS)))

    assert statuses == [302] + [409] * (CURATORS - 1)
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    revisions = db.session.scalar(
        select(func.count())
        .select_from(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id)
    )
    assert saved.version == 2 and revisions == 1  # the one save; make_practice keeps none
    assert saved.summary.startswith("Summary number ")
