"""With RATELIMIT_STORAGE_URI on Redis, separate processes (gunicorn workers) share the count."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from app import create_app
from tests.conftest import login, make_config, wait_until


@pytest.fixture
def redis_url(tmp_path):
    """Run a real redis-server on a free port of 127.0.0.1 for the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"redis-server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
        except OSError:
            return False
        return True

    try:
        wait_until(answers, f"redis-server on 127.0.0.1:{port}", timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_two_workers_share_the_sign_in_count(migrated_database, make_user, redis_url):
    make_user("ana@example.org")
    config = make_config(
        migrated_database, RATELIMIT_STORAGE_URI=redis_url, LOGIN_LIMIT_PER_ACCOUNT="4 per minute"
    )
    first, second = create_app(config).test_client(), create_app(config).test_client()
    for client in (first, second, first, second):
        assert login(client, "ana@example.org", "wrong password!").status_code == 200
    assert login(first, "ana@example.org").status_code == 429
    assert login(second, "ana@example.org").status_code == 429
