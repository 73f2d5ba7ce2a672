"""A gunicorn worker killed with SIGKILL in the middle of an import: all or nothing, 20 times."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.planner.models import Activity
from tests.conftest import PASSWORD, wait_until

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500
KILLS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gunicorn(app, migrated_database):
    """gunicorn with one worker on the test database, on 127.0.0.1; stopped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database,
        "SECRET_KEY": "killed-import-test-secret-0123456789",
        "APP_ENV": "development",
        "PYTHONPATH": str(ROOT),
        # Twenty imports in a row, on purpose: not the person the import limit is for.
        "FLASK_IMPORT_LIMIT_PER_USER": "1000 per minute",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "1",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gunicorn on {base} exited with {process.returncode}")
        try:
            return requests.get(f"{base}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(healthy, f"gunicorn's /healthz on {base}", timeout=30)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _token(session: requests.Session, url: str) -> str:
    # After a kill this waits for gunicorn's fresh worker to boot: seconds on a busy machine.
    page = session.get(url, timeout=60).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_killed_import_leaves_all_or_nothing(gunicorn, two_institutions):
    base, master = gunicorn
    people, ids = two_institutions
    session = requests.Session()
    session.post(
        f"{base}/login",
        data={
            "email": people["planner"].email,
            "password": PASSWORD,
            "csrf_token": _token(session, f"{base}/login"),
        },
        timeout=10,
    )
    csv = "title,budget_planned\n" + "".join(f"Activity {n},{n}\n" for n in range(ROWS))
    url = f"{base}/plans/{ids['plan']}/import"

    def post(token: str) -> None:
        session.post(
            url,
            data={"csrf_token": token},
            files={"file": ("activities.csv", csv.encode(), "text/csv")},
            timeout=60,
        )

    # How long an import takes here, so that the kills fall before, during and after it.
    start = time.perf_counter()
    post(_token(session, url))
    duration = time.perf_counter() - start
    db.session.rollback()  # a new transaction: see what the server committed
    before = db.session.scalar(select(func.count()).select_from(Activity))

    def kill(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    rng = random.Random(4)
    outcomes = []
    for _ in range(KILLS):
        token = _token(session, url)  # also waits for a fresh worker to answer
        workers = _workers(master)
        killer = threading.Timer(rng.uniform(0, duration * 1.5), kill, [workers])
        killer.start()
        # The worker may die under the request: the connection then breaks.
        with contextlib.suppress(
            requests.ConnectionError, requests.exceptions.ChunkedEncodingError
        ):
            post(token)
        killer.join()
        db.session.rollback()  # a new transaction: see what the server committed
        added = db.session.scalar(select(func.count()).select_from(Activity)) - before
        assert added % ROWS == 0, f"a partial import: {added} rows"
        before += added
        outcomes.append(added // ROWS)
    # Some kills came before an import could finish, some after.
    assert 0 in outcomes and 1 in outcomes, outcomes
