"""Throughput of each page against the framework's floor, under the same gunicorn and load.

    python bench/perf.py [--scale small|large|both] [--database-url URL] [--seconds 10]
                         [--connections 16] [--workers 2] [--markdown] [--keep DIR]

For each scale it fills a fresh database (SQLite in a temporary folder, or the PostgreSQL
database --database-url names, emptied first), starts the app under gunicorn on 127.0.0.1 and
drives each page with wrk for a fixed time, signed in where the page needs it. Then a bare Flask
page (bench/load/bare.py, a one-line page) is served by gunicorn with the same settings and
driven the same way: that is the floor. Prints one table: page, requests per second, share of the
floor's throughput, median latency and its ratio to the floor's, and responses that were not
2xx/3xx or failed (they must be 0).

Scales: "small" is the shipped catalogue and one institution; "large" is 1,000 institutions,
100,000 activities, 1,000,000 values (bench/scale_bench.py) and 10,000 sheets (the shipped ones
and variants of them, bench/sync_bench.py). Everything it starts, it stops.

--keep DIR keeps each scale's SQLite database in DIR/<scale> and uses it again on the next run
with the same DIR, so that the large data set (about ten minutes to build) can be built while
the machine is busy and driven when it is idle.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

PASSWORD = "perf-bench-password-long-enough"  # a throwaway database's account
EMAIL = "manager@perf.example"
SHEETS_AT_LARGE = 10_000
SHEET = "sending-staff-on-job-shadowing"
# Sign-in and wrk send the same browser name: Flask-Login marks a session whose browser
# changed as not fresh, which writes the cookie again on every request of a fixed cookie.
USER_AGENT = "perf-bench"

from load.run import serve, stop  # noqa: E402 - bench/ is on the path only now


@dataclass
class Row:
    page: str
    rps: float
    p50_ms: float
    failed: int


def _empty(url: str) -> None:
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


def catalogue_folder(scale: str, work: Path) -> Path:
    """Return the folder of sheets to sync: the shipped one, or 10,000 sheets at large scale."""
    if scale == "small":
        return ROOT / "practices"
    import sync_bench

    folder = work / "practices"
    shutil.copytree(ROOT / "practices", folder)
    shipped = sum(1 for path in folder.glob("*.md") if path.name.count(".") == 1)
    sync_bench.generate(folder, SHEETS_AT_LARGE - shipped)
    return folder


def prepare(url: str, scale: str, folder: Path) -> dict[str, str]:
    """Fill the database; return the addresses of the signed-in pages."""
    import scale_bench
    from sqlalchemy import select

    from app import create_app
    from app.accounts.services import create_user, set_role
    from app.core.extensions import db
    from app.institutions.models import Institution
    from app.planner.models import Plan

    _empty(url)
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "perf",
            "SQLALCHEMY_DATABASE_URI": url,
            "PRACTICES_DIR": str(folder),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        start = time.perf_counter()
        counts = scale_bench.generate(scale_bench.SCALES[scale])
        institution = db.session.scalar(select(Institution).where(Institution.slug == "inst-0"))
        assert institution is not None
        user = create_user(EMAIL, PASSWORD)
        set_role(user, institution, "manager", by="perf")
        plan = db.session.scalar(
            select(Plan.id).where(Plan.institution_id == institution.id).order_by(Plan.id)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["practices", "sync", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    print(
        f"  {scale}: data in {time.perf_counter() - start:.0f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items())
    )
    return {"plan": str(plan), "institution": "inst-0"}


def sign_in(base: str) -> str:
    """Sign in as the bench's manager; return the Cookie header of the session."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the sign-in page"
    answer = session.post(
        base + "/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.status_code
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def drive(url: str, seconds: int, connections: int, cookie: str | None = None) -> Row:
    """Drive one address with wrk; return its throughput, median latency and failures."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    check = requests.get(url, headers=headers, timeout=60)
    assert check.status_code == 200, (url, check.status_code)
    # wrk sends the same cookie every time: a page that writes it again would be measured
    # writing it on every request, which a browser keeping the new cookie does not do.
    assert "Set-Cookie" not in check.headers, (url, "writes the session cookie")
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", out)
    assert p50 is not None, out
    failed = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?timeout (\d+)"):
        found = re.search(pattern, out)
        failed += int(found.group(1)) if found else 0
    return Row("", rps, float(p50.group(1)) * UNITS[p50.group(2)], failed)


def pages(names: dict[str, str]) -> list[tuple[str, str, bool]]:
    """The pages of the table: label, address, whether it is read signed in."""
    plan, institution = names["plan"], names["institution"]
    return [
        ("/practices (anonymous)", "/practices", False),
        ("/practices?q=job+shadowing", "/practices?q=job+shadowing", False),
        (
            "/practices?category=networking&setup_cost=1",
            "/practices?category=networking&setup_cost=1",
            False,
        ),
        ("/practices/<slug>", f"/practices/{SHEET}", False),
        ("/api/v1/practices", "/api/v1/practices", False),
        ("/institutions", "/institutions", False),
        ("/plans/<id> (signed in)", f"/plans/{plan}", True),
        ("/plans/<id>/dashboard", f"/plans/{plan}/dashboard", True),
        ("/plans/<id>/indicators", f"/plans/{plan}/indicators", True),
        ("/institutions/<slug>/overview", f"/institutions/{institution}/overview", True),
    ]


def run_scale(scale: str, url: str, args: argparse.Namespace, work: Path) -> list[Row]:
    kept = work / "names.json"
    if args.keep and kept.exists():
        names = json.loads(kept.read_text())
        print(f"  {scale}: data kept in {work}")
    else:
        if args.keep:  # a build that did not finish: start again from nothing
            shutil.rmtree(work)
            work.mkdir(parents=True)
        names = prepare(url, scale, catalogue_folder(scale, work))
        if args.keep:
            kept.write_text(json.dumps(names))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "perf-bench-secret-0123456789abcdef",
        "APP_ENV": "development",  # plain http on 127.0.0.1: cookies without Secure
        "FLASK_RATELIMIT_ENABLED": "false",  # every request comes from one address
        "PYTHONPATH": str(ROOT),
    }
    server, base = serve("wsgi:app", env, args.workers)
    rows = []
    try:
        cookie = sign_in(base)
        for label, path, signed_in in pages(names):
            row = drive(base + path, args.seconds, args.connections, cookie if signed_in else None)
            row.page = label
            rows.append(row)
            print(f"  {label:<46}{row.rps:9.0f} req/s", flush=True)
    finally:
        stop(server)
    return rows


def floor(args: argparse.Namespace) -> Row:
    """Serve and drive the bare Flask page under the same settings."""
    env = {**os.environ, "PYTHONPATH": f"{BENCH / 'load'}:{ROOT}"}
    server, base = serve("bare:app", env, args.workers)
    try:
        row = drive(base + "/", args.seconds, args.connections)
    finally:
        stop(server)
    row.page = "bare Flask page (the floor)"
    return row


def table(found: dict[str, list[Row]], bare: Row, markdown: bool) -> str:
    """Write the results as one table, a Markdown one if asked."""
    head = ["page", "scale", "req/s", "share of the floor", "p50 ms", "p50 / floor's", "failed"]
    body = [
        [bare.page, "", f"{bare.rps:.0f}", "1.00", f"{bare.p50_ms:.1f}", "1.0", str(bare.failed)]
    ]
    for scale, rows in found.items():
        body += [
            [
                row.page,
                scale,
                f"{row.rps:.0f}",
                f"{row.rps / bare.rps:.2f}",
                f"{row.p50_ms:.1f}",
                f"{row.p50_ms / bare.p50_ms:.1f}",
                str(row.failed),
            ]
            for row in rows
        ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [head, *body]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large", "both"], default="both")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--keep", type=Path, help="keep the SQLite data here and use it again (not with a URL)"
    )
    args = parser.parse_args()
    if args.keep and args.database_url:
        raise SystemExit("--keep keeps SQLite data; a --database-url database is emptied")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    scales = ["small", "large"] if args.scale == "both" else [args.scale]
    database = args.database_url.split("@")[-1] if args.database_url else "SQLite"
    print(
        f"{database}; gunicorn with {args.workers} sync workers; wrk with {args.connections} "
        f"connections, {args.seconds} s per page"
    )
    found: dict[str, list[Row]] = {}
    for scale in scales:
        if args.keep:
            work = args.keep / scale
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(tempfile.mkdtemp(prefix=f"perf-{scale}-"))
        try:
            url = args.database_url or f"sqlite:///{work / 'perf.db'}"
            found[scale] = run_scale(scale, url, args, work)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    bare = floor(args)
    print()
    print(table(found, bare, args.markdown))
    failed = sum(row.failed for rows in found.values() for row in rows)
    if failed:
        raise SystemExit(f"{failed} responses failed")


if __name__ == "__main__":
    main()
