"""What one answer from the store costs in Python, without gunicorn, sockets or wrk around it.

    python bench/hit_cost.py [--requests 3000] [--rounds 3] [--profile PAGE]

Fills a fresh SQLite database in a temporary folder as bench/perf.py does at the small scale,
makes the app as gunicorn would (APP_ENV=development, rate limits off), signs the bench's
manager in, then calls the WSGI app itself in a loop: the catalogue's list and a sheet for a
visitor without a cookie, the plan page and its dashboard for the manager, and the bare Flask
page of bench/load/bare.py (the floor). Prints the processor time per request of each, the
best of the rounds (`time.process_time`, steadier than the wall clock on a shared machine).
`--profile PAGE` then prints cProfile's 40 costliest functions of that page (a label of the
table). Everything it makes is removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "load"))

import perf  # noqa: E402 - bench/ is on the path only now

USER_AGENT = perf.USER_AGENT


def environ(path: str, cookie: str | None) -> dict[str, Any]:
    """Return a WSGI environ of a GET as a browser on 127.0.0.1 sends it."""
    address, _, query = path.partition("?")
    found = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": address,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": USER_AGENT,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if cookie:
        found["HTTP_COOKIE"] = cookie
    return found


def per_request(app: Callable[..., Any], path: str, cookie: str | None, count: int) -> float:
    """Return the processor time of one request, in microseconds, over `count` of them."""
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
        statuses.append(status)

    begin = time.process_time()
    for _ in range(count):
        body = app(environ(path, cookie), start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()
    spent = time.process_time() - begin
    assert all(status.startswith("200") for status in statuses), (path, set(statuses))
    return spent / count * 1e6


def sign_in(app: Any) -> str:
    """Sign the bench's manager in; return the Cookie header a browser would send after."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the sign-in page"
    answer = client.post(
        "/login",
        data={"email": perf.EMAIL, "password": perf.PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 302, answer.status_code
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hit-cost-"))
    try:
        url = f"sqlite:///{work / 'hit.db'}"
        names = perf.prepare(url, "small", perf.catalogue_folder("small", work))
        os.environ.update(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "hit-cost-secret-0123456789abcdef",
                "APP_ENV": "development",
                "FLASK_RATELIMIT_ENABLED": "false",
            }
        )
        import bare

        from app import create_app

        app = create_app()
        cookie = sign_in(app)
        plan = names["plan"]
        pages = [
            ("bare Flask page (the floor)", bare.app, "/", None),
            ("/practices (anonymous)", app, "/practices", None),
            (f"/practices/{perf.SHEET}", app, f"/practices/{perf.SHEET}", None),
            ("/plans/<id> (signed in)", app, f"/plans/{plan}", cookie),
            ("/plans/<id>/dashboard", app, f"/plans/{plan}/dashboard", cookie),
        ]
        print(f"processor time per request, best of {args.rounds} rounds of {args.requests}")
        for label, wsgi, path, sent in pages:
            per_request(wsgi, path, sent, 50)  # the first answers render and store the page
            best = min(per_request(wsgi, path, sent, args.requests) for _ in range(args.rounds))
            print(f"  {label:<40}{best:8.0f} µs")
        chosen = [page for page in pages if page[0] == args.profile]
        if chosen:
            _label, wsgi, path, sent = chosen[0]
            profile = cProfile.Profile()
            profile.enable()
            per_request(wsgi, path, sent, args.requests)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
