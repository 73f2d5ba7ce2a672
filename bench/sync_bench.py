"""Time `practices sync` of many generated sheets, and the catalogue pages at that size.

    python bench/sync_bench.py [--count 10000] [--database-url URL] [--distinct-bodies]

Sheets are made from the shipped ones (new slugs, titles, levels and categories), each with the
Finnish and Swedish translations its shipped sheet has (the same changes), written to a
temporary folder, and synced into a fresh database (SQLite in a temporary folder unless
--database-url points elsewhere; that database is emptied first). Prints seconds per step
(elapsed, and processor time of the bench and its reader processes, and on PostgreSQL of the
database server's processes) and the latency and query count of the catalogue pages. Variants
share their shipped sheet's body, and a sync renders
each distinct body once: --distinct-bodies gives each file its own, to time the rendering.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from processor_time import cpu_seconds, database_processes  # noqa: E402

from app import create_app  # noqa: E402
from app.core.extensions import db  # noqa: E402
from app.core.vocabularies import load_vocabularies  # noqa: E402
from app.practices.files import read_folder, render_sheet  # noqa: E402


def generate(folder: Path, count: int, seed: int = 7, distinct_bodies: bool = False) -> None:
    """Write `count` valid sheets derived from the shipped ones into `folder`.

    Variants of a shipped sheet share its body unless `distinct_bodies`: then each body ends
    with its own sentence, so that no rendering is shared (as in a real catalogue).
    """
    vocab = load_vocabularies(ROOT / "data" / "vocabularies.yml")
    files = read_folder(ROOT / "practices", vocab, 1 << 20)
    templates = [f.sheet for f in files if not f.is_translation]
    translations = {
        (f.sheet.slug, f.language): f.sheet for f in files if f.is_translation and f.sheet
    }
    rng = random.Random(seed)
    categories = vocab.keys("categories")
    for number in range(count):
        base = templates[number % len(templates)]
        setup = base.setup.model_copy(
            update={"cost": rng.randint(1, 3), "effort": rng.randint(1, 3)}
        )
        sheet = base.model_copy(
            update={
                "slug": f"{base.slug}-{number}",
                "title": f"{base.title} (variant {number})",
                "body": f"{base.body}\n\nVariant {number}." if distinct_bodies else base.body,
                "categories": rng.sample(categories, 2),
                "setup": setup,
                "related": [],
            }
        )
        (folder / f"{sheet.slug}.md").write_text(render_sheet(sheet), encoding="utf-8")
        for language in ("fi", "sv"):
            translated = translations.get((base.slug, language))
            if translated is not None:
                copy = translated.model_copy(
                    update={
                        "slug": sheet.slug,
                        "title": f"{translated.title} ({number})",
                        "body": (
                            f"{translated.body}\n\n{number}."
                            if distinct_bodies
                            else translated.body
                        ),
                        "categories": sheet.categories,
                        "setup": translated.setup.model_copy(
                            update={"cost": setup.cost, "effort": setup.effort}
                        ),
                        "related": [],
                    }
                )
                name = f"{sheet.slug}.{language}.md"
                (folder / name).write_text(render_sheet(copy), encoding="utf-8")


def _cpu_seconds() -> float:
    """Return the processor time of this process and its finished children (the readers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _database_cpu() -> dict[int, float]:
    """Return the processor time of each PostgreSQL server process of this machine."""
    return {process.pid: cpu_seconds([process]) for process in database_processes()}


def timed(label: str, action):
    """Run an action; print its elapsed time and its processor time (on a machine shared
    with other work, the second moves less), and the database server's on PostgreSQL."""
    start, cpu, server = time.perf_counter(), _cpu_seconds(), _database_cpu()
    result = action()
    elapsed, spent = time.perf_counter() - start, _cpu_seconds() - cpu
    after = _database_cpu()
    line = f"{label:<48} {elapsed:8.2f} s  (cpu {spent:6.2f} s"
    if after:
        # A server process gone during the step (a closed connection) counts nothing.
        used = sum(seconds - server.get(pid, 0.0) for pid, seconds in after.items())
        line += f", database server {used:6.2f} s"
    print(line + ")")
    return result


def measure_pages(app, paths: list[str], repeats: int = 5) -> None:
    """Print the median latency and the number of SQL statements of each page."""
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            # Queries, not the BEGIN that starts each SQLite transaction.
            lambda *a: None if a[2].startswith("BEGIN") else statements.append(a[2]),
        )
    for path in paths:
        timings = []
        for _ in range(repeats):
            statements.clear()
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
        print(
            f"GET {path:<58} {statistics.median(timings) * 1000:8.1f} ms  {len(statements):3d} queries"
        )


def empty_database(url: str, work: Path) -> str:
    """Return the database to fill: `url` emptied (PostgreSQL), or SQLite in `work`."""
    if not url:
        return f"sqlite:///{work / 'bench.db'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--distinct-bodies",
        action="store_true",
        help="Give every generated sheet and translation a body of its own (no shared renders).",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    url = empty_database(args.database_url, work)
    folder = work / "sheets"
    folder.mkdir()
    print(f"{args.count} sheets, database {url.split('@')[-1]}")
    timed(
        f"generate {args.count} files",
        lambda: generate(folder, args.count, distinct_bodies=args.distinct_bodies),
    )
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "VOCABULARY_FILE": str(ROOT / "data" / "vocabularies.yml"),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        timed("migrate an empty database", upgrade)
    runner = app.test_cli_runner()
    command = ["practices", "sync", "--dir", str(folder)]
    check = timed("validate only (sync --check)", lambda: runner.invoke(args=[*command, "--check"]))
    assert check.exit_code == 0, check.output
    first = timed("first sync (all created)", lambda: runner.invoke(args=command))
    assert first.exit_code == 0, first.output
    print("   ", first.output.strip().splitlines()[-1])
    again = timed("second sync (nothing changed)", lambda: runner.invoke(args=command))
    assert "unchanged" in again.output, again.output
    own, child = (
        resource.getrusage(who).ru_maxrss // 1024
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(f"peak memory: {own} MB here, {child} MB in the largest reader process")
    measure_pages(
        app,
        [
            "/practices",
            "/practices?category=networking&setup_cost=1",
            "/practices?q=job+shadowing",
            "/practices?q=workshops&target_group=administrative-staff&page=3",
            # Words of the Finnish and Swedish translations (stemmed on PostgreSQL).
            "/practices?q=korkeakoulujen+henkil%C3%B6st%C3%B6",
            "/practices?q=l%C3%A4ros%C3%A4ten&page=2",
            f"/practices/{sorted(folder.glob('*.md'))[0].name.split('.')[0]}",
            "/api/v1/practices?q=mentoring&per_page=50",
        ],
    )


if __name__ == "__main__":
    main()
