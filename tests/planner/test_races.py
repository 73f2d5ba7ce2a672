"""Concurrent edits through a real threaded server: no lost update, no "database is locked"."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from app.accounts.services import create_api_token
from app.core.extensions import db
from app.planner.models import Activity

EDITS = 100
CLIENTS = 16


def _call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_hundred_racing_edits_of_one_activity_lose_nothing(server, two_institutions):
    people, ids = two_institutions
    _, token = create_api_token(people["planner"], "race", 1)
    db.session.commit()
    url = f"{server}/api/v1/plans/{ids['plan']}/activities/{ids['activity']}"
    statuses: list[int] = []
    lock = threading.Lock()

    def add_one(_: int) -> int:
        """Read, add one to the budget, save with the version read; on a conflict, again."""
        for attempt in range(1, 1000):
            status, current = _call("GET", url, token)
            assert status == 200, current
            status, body = _call(
                "PATCH",
                url,
                token,
                {"version": current["version"], "budget_planned": current["budget_planned"] + 1},
            )
            with lock:
                statuses.append(status)
            if status == 200:
                return attempt
            assert status == 409, body
        raise AssertionError("never got through")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        attempts = list(pool.map(add_one, range(EDITS)))

    db.session.expire_all()
    activity = db.session.get(Activity, ids["activity"])
    assert activity.budget_planned == Decimal(EDITS)  # every edit counted once
    assert activity.version == EDITS + 1
    assert set(statuses) <= {200, 409} and statuses.count(200) == EDITS
    # The races were real: some saves were refused and retried.
    assert sum(attempts) > EDITS
