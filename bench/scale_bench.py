"""Latency and query counts of the dashboard and catalogue pages, at small and large scale.

    python bench/scale_bench.py [--scale small|large|both] [--database-url URL]

Large is 1,000 institutions, 4,000 plans, 100,000 activities, 100,000 indicators and
1,000,000 recorded values; small is one institution with the same shape (4 plans, 100
activities, 100 indicators, 1,000 values). The data goes into a fresh database (SQLite in a
temporary folder unless --database-url names one, which is emptied first), written with bulk
inserts; then each page is requested as a site admin and its median latency and number of SQL
statements are printed. The number of statements must not grow with the data.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.core.extensions import db  # noqa: E402

SCALES = {
    # institutions; per institution 4 plans (2024-2027); per plan 25 activities, each with
    # one monthly indicator and 10 values (January to October).
    "small": 1,
    "large": 1_000,
}
PLANS_PER_INSTITUTION = 4
ACTIVITIES_PER_PLAN = 25
VALUES_PER_INDICATOR = 10
BATCH = 20_000
STATUSES = ("idea", "planned", "in_progress", "done", "cancelled")


def _table(name: str):
    return db.metadata.tables[name]


def _insert(rows: list[dict], table: str) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(_table(table)), rows[start : start + BATCH])


def generate(institutions: int, seed: int = 11) -> dict[str, int]:
    """Write the data set with bulk inserts; return how many rows of each kind."""
    rng = random.Random(seed)
    _insert(
        [
            {
                "slug": f"inst-{n}",
                "name": f"Institution {n}",
                "country": "Finland",
                "kind": "research-university",
                "description": "",
            }
            for n in range(institutions)
        ],
        "institutions",
    )
    institution_ids = list(db.session.scalars(select(_table("institutions").c.id)))
    _insert(
        [
            {
                "institution_id": i,
                "title": f"Plan {year}",
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "goals_text": "",
                "goals": [],
                "status": "active",
                "feed_token": f"{i}-{year}-{rng.random()}",
                "version": 1,
            }
            for i in institution_ids
            for year in range(2024, 2024 + PLANS_PER_INSTITUTION)
        ],
        "plans",
    )
    plans = db.session.execute(select(_table("plans").c.id, _table("plans").c.period_start)).all()
    activities = []
    for plan_id, start in plans:
        for n in range(ACTIVITIES_PER_PLAN):
            budget = rng.randint(0, 5000)
            activities.append(
                {
                    "plan_id": plan_id,
                    "title": f"Activity {n}",
                    "format": "on-site",
                    "start_date": date(start.year, 1 + n % 12, 1 + n % 28),
                    "budget_planned": budget,
                    "budget_actual": rng.randint(0, budget),
                    "effort_planned": rng.randint(0, 20),
                    "effort_actual": rng.randint(0, 20),
                    "guidance": {},
                    "target_groups": [],
                    "mobility_stages": [],
                    "unit_ids": [],
                    "other_actors": [],
                    "partners": [],
                    "responsible": "",
                    "status": STATUSES[n % len(STATUSES)],
                    "notes": "",
                    "evaluation": "",
                    "version": 1,
                }
            )
    _insert(activities, "activities")
    activity_rows = db.session.execute(
        select(_table("activities").c.id, _table("activities").c.plan_id)
    ).all()
    _insert(
        [
            {
                "plan_id": plan_id,
                "activity_id": activity_id,
                "name": f"Participants {activity_id}",
                "description": "",
                "unit": "count",
                "direction": "higher",
                "aggregation": "sum",
                "frequency": "monthly",
                "baseline_value": 0,
                "target_value": 120,
                "position": 0,
                "version": 1,
            }
            for activity_id, plan_id in activity_rows
        ],
        "indicators",
    )
    years = dict(plans)
    indicators = db.session.execute(
        select(_table("indicators").c.id, _table("indicators").c.plan_id)
    ).all()
    values = []
    for indicator_id, plan_id in indicators:
        year = years[plan_id].year
        for month in range(1, VALUES_PER_INDICATOR + 1):
            values.append(
                {
                    "indicator_id": indicator_id,
                    "period_key": f"{year}-{month:02d}",
                    "period_start": date(year, month, 1),
                    "period_end": date(year, month, 28),
                    "value": rng.randint(0, 20),
                    "note": "",
                    "recorded_by": "bench",
                    "version": 1,
                }
            )
        if len(values) >= BATCH * 5:
            _insert(values, "measurements")
            values = []
    _insert(values, "measurements")
    db.session.commit()
    # Planner statistics, as autovacuum would gather them a little later on a live server:
    # without them PostgreSQL scans a million values instead of using their index.
    tables = ("institutions", "plans", "activities", "indicators", "measurements")
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {
        name: db.session.scalar(select(func.count()).select_from(_table(name)))
        for name in ("institutions", "plans", "activities", "indicators", "measurements")
    }


def measure(app, paths: list[str], repeats: int = 5) -> list[tuple[str, float, int]]:
    """Return each page's median latency (ms) and SQL statements, signed in as an admin."""
    client = app.test_client()
    login = client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            # Queries, not the BEGIN that starts each SQLite transaction.
            lambda *a: None if a[2].startswith("BEGIN") else statements.append(a[2]),
        )
    results = []
    for path in paths:
        timings, counts = [], []
        for _ in range(repeats):
            statements.clear()
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            counts.append(len(statements))
            assert response.status_code == 200, (path, response.status_code)
        results.append((path, statistics.median(timings) * 1000, max(counts)))
    return results


PASSWORD = "bench-password-long-enough"  # a throwaway bench database's admin


def run(scale: str, url: str) -> list[tuple[str, float, int]]:
    """Fill a fresh database at a scale and measure the pages."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from app.accounts.services import create_user

        upgrade()
        start = time.perf_counter()
        counts = generate(SCALES[scale])
        print(
            f"  generated in {time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
        create_user("admin@bench.example", PASSWORD, is_admin=True)
        db.session.commit()
        plan_id = db.session.scalar(select(func.max(_table("plans").c.id)))
    result = app.test_cli_runner().invoke(args=["practices", "sync"])
    assert result.exit_code == 0, result.output
    return measure(
        app,
        [
            f"/plans/{plan_id}/dashboard",
            f"/plans/{plan_id}/indicators",
            f"/plans/{plan_id}",
            "/institutions/inst-0/overview",
            "/practices",
            "/practices?q=job+shadowing",
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large", "both"], default="both")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    scales = ["small", "large"] if args.scale == "both" else [args.scale]
    found = {}
    for scale in scales:
        url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='scale-')) / 'b.db'}"
        print(f"{scale} scale, database {url.split('@')[-1]}")
        found[scale] = run(scale, url)
    print()
    print(f"{'page':<36}" + "".join(f"{s + ' ms':>12}{s + ' queries':>16}" for s in scales))
    for index, (path, _, _) in enumerate(found[scales[0]]):
        label = path.replace(path.split("/")[2], "<id>") if path.startswith("/plans/") else path
        print(
            f"{label:<36}"
            + "".join(f"{found[s][index][1]:12.1f}{found[s][index][2]:16d}" for s in scales)
        )


if __name__ == "__main__":
    main()
