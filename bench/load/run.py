"""Load test: gunicorn (4 workers) serving the large data set to 50 concurrent users for 60 s.

    python bench/load/run.py [--database-url URL] [--scale small|large] [--seconds 60]
                             [--keep DIR]

Fills a fresh database with bench/scale_bench.py's data set (large by default: 1,000
institutions, 100,000 activities, 1,000,000 values; PostgreSQL when --database-url names one,
else SQLite in a temporary folder), starts gunicorn on 127.0.0.1 and runs locust headless:
visitors browse and search the catalogue, managers read plans and dashboards, a script edits
activities through the API. Then the same gunicorn settings serve a bare Flask page (the
framework's floor). Prints requests per second, p50/p95/p99 latency and errors for each page,
and each page's throughput against the floor, then where the processor time of the app's run
went: the app's workers, the database server, the load generator. Everything it starts, it
stops.

--keep DIR keeps the filled database (SQLite in DIR, or the --database-url one) and what the
users need in DIR/env.json, and a later run with the same DIR, scale and URL drives it again
without filling it: the large data set takes about ten minutes to build.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from processor_time import cpu_seconds, database_processes  # noqa: E402

PASSWORD = "load-test-password-long-enough"  # a throwaway database's accounts
WORKERS = 4
USERS = 50


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(url: str, scale: str) -> dict[str, str]:
    """Fill the database and return what the locustfile needs, as environment variables."""
    import scale_bench
    from sqlalchemy import select

    from app.accounts.services import create_api_token, create_user, set_role
    from app.core.extensions import db
    from app.institutions.models import Institution
    from app.planner.models import Activity, Plan

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    from app import create_app

    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        counts = scale_bench.generate(scale_bench.SCALES[scale])
        print("data:", ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        institution = db.session.scalar(select(Institution).where(Institution.slug == "inst-0"))
        user = create_user("manager@load.example", PASSWORD)
        set_role(user, institution, "manager", by="load")
        _, token = create_api_token(user, "load", 1)
        plans = list(
            db.session.scalars(select(Plan.id).where(Plan.institution_id == institution.id))
        )
        activities = list(
            db.session.scalars(select(Activity.id).where(Activity.plan_id == plans[0]).limit(10))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["practices", "sync"])
    assert result.exit_code == 0, result.output
    return {
        "LOAD_PLANS": ",".join(map(str, plans)),
        "LOAD_ACTIVITIES": ",".join(map(str, activities)),
        "LOAD_TOKEN": token,
        "LOAD_EMAIL": "manager@load.example",
        "LOAD_PASSWORD": PASSWORD,
    }


def serve(
    app_spec: str, env: dict[str, str], workers: int = WORKERS
) -> tuple[subprocess.Popen, str]:
    """Start gunicorn with gunicorn.conf.py's settings (sync workers, preloaded) and this many
    workers; return it once it answers."""
    port = _port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        # No access log: a line per request written to this terminal would be measured too.
        env={**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_ACCESS_LOG": ""},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(base + "/", timeout=5)
            return process, base
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def swarm(locustfile: Path, base: str, seconds: int, env: dict[str, str], out: Path) -> list[dict]:
    """Run locust headless and return its per-request statistics."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            "25",
            "-t",
            f"{seconds}s",
            "-H",
            base,
            "--csv",
            str(out),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        timeout=seconds + 120,
    )
    with open(f"{out}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def tree(pid: int) -> list[psutil.Process]:
    """Return a process and its descendants (gunicorn's master and its workers)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scale", choices=["small", "large"], default="large")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--keep", type=Path, help="keep the filled database and use it again")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="load-"))
    data = args.keep or work
    data.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{data / 'load.db'}"
    print(f"database {url.split('@')[-1]}, {args.scale} data, {USERS} users, {args.seconds} s")
    kept = data / "env.json"
    made_for = {"url": url, "scale": args.scale}
    if args.keep and kept.exists() and json.loads(kept.read_text())["made_for"] == made_for:
        load_env = json.loads(kept.read_text())["env"]
        print(f"data kept in {data}")
    else:
        kept.unlink(missing_ok=True)
        (data / "load.db").unlink(missing_ok=True)
        load_env = prepare(url, args.scale)
        if args.keep:
            kept.write_text(json.dumps({"made_for": made_for, "env": load_env}))
    env = {
        **os.environ,
        **load_env,
        "DATABASE_URL": url,
        "SECRET_KEY": "load-test-secret-0123456789abcdef",
        "APP_ENV": "development",  # plain http on 127.0.0.1: cookies without Secure
        "FLASK_RATELIMIT_ENABLED": "false",  # 50 users sign in from one address
        "PYTHONPATH": str(ROOT),
    }
    app_server, base = serve("wsgi:app", env)
    try:
        # Where the two cores' time goes during the run: the app's workers, the database
        # server and the load generator (locust, a child of this process once it is waited).
        app_before = {p.pid: cpu_seconds([p]) for p in tree(app_server.pid)}
        database_before = {p.pid: cpu_seconds([p]) for p in database_processes()}
        locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = swarm(HERE / "locustfile.py", base, args.seconds, env, work / "app")
        locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = {
            "app workers": sum(
                cpu_seconds([p]) - app_before.get(p.pid, 0.0) for p in tree(app_server.pid)
            ),
            "database server": sum(
                cpu_seconds([p]) - database_before.get(p.pid, 0.0) for p in database_processes()
            ),
            "load generator": (locust_after.ru_utime + locust_after.ru_stime)
            - (locust_before.ru_utime + locust_before.ru_stime),
        }
    finally:
        stop(app_server)
    bare_env = {**env, "PYTHONPATH": f"{HERE}:{ROOT}"}
    bare_server, bare_base = serve("bare:app", bare_env)
    try:
        floor = swarm(HERE / "locust_bare.py", bare_base, args.seconds, bare_env, work / "bare")
    finally:
        stop(bare_server)
    floor_rps = float(next(r for r in floor if r["Name"] == "Aggregated")["Requests/s"])
    print()
    print(
        f"{'request':<40}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'of floor':>10}"
    )
    for row in [*stats, *floor]:
        rps = float(row["Requests/s"])
        print(
            f"{row['Name'][:39]:<40}{rps:8.1f}{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}"
            f"{row['Failure Count']:>8}"
            + (f"{rps / floor_rps:10.2f}" if floor_rps else f"{'-':>10}")
        )
    requests_made = int(next(r for r in stats if r["Name"] == "Aggregated")["Request Count"])
    print()
    print(f"processor time of the app's run ({args.seconds} s on {os.cpu_count()} cores):")
    for name, seconds in spent.items():
        per_request = seconds / requests_made * 1000 if requests_made else 0.0
        print(f"  {name:<18}{seconds:8.1f} s{per_request:8.2f} ms a request")
    failures = int(next(r for r in stats if r["Name"] == "Aggregated")["Failure Count"])
    if failures:
        raise SystemExit(f"{failures} requests failed")


if __name__ == "__main__":
    main()
