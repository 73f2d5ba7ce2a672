"""Time suggesting practices for a plan's gaps over a large catalogue.

    python bench/suggest_bench.py [--count 10000] [--distinct-facets] [--database-url URL]

Generates `count` sheets as bench/sync_bench.py does (variants of the shipped ones: their
stages, groups and goals, with levels of their own), syncs them into a fresh database (SQLite
in a temporary folder unless --database-url is given; that database is emptied first), makes
a plan with no activities and every goal, and times `suggestions.suggest` (reading the
candidates and solving) under a few limits: seconds, practices chosen, gaps closed, and
whether the solver proved its choice the best. `--distinct-facets` gives each sheet random
stages, groups and goals, so that hardly two sheets are alike: the solver's hardest case.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import delete, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_bench import empty_database, generate  # noqa: E402

from app import create_app  # noqa: E402
from app.core.extensions import db  # noqa: E402
from app.core.vocabularies import vocabularies  # noqa: E402

LIMITS = [
    ("3 practices, €20,000", 3, 20_000, None),
    ("5 practices, €30,000, 60 days", 5, 30_000, 60),
    ("10 practices, no money limit", 10, None, None),
]


def shuffle_facets(seed: int = 5) -> None:
    """Give every practice random stages, target groups and goals (1 to 3 of each)."""
    from app.practices.models import Practice, PracticeTerm

    rng = random.Random(seed)
    vocab = vocabularies()
    lists = ("mobility_stages", "target_groups", "goals")
    db.session.execute(delete(PracticeTerm).where(PracticeTerm.vocabulary.in_(lists)))
    rows = []
    for practice_id in db.session.scalars(select(Practice.id)):
        for name in lists:
            for position, key in enumerate(rng.sample(vocab.keys(name), rng.randint(1, 3))):
                rows.append(
                    {
                        "practice_id": practice_id,
                        "vocabulary": name,
                        "key": key,
                        "position": position,
                    }
                )
    db.session.execute(insert(PracticeTerm), rows)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--distinct-facets", action="store_true")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="suggest-bench-"))
    url = empty_database(args.database_url, work)
    folder = work / "sheets"
    folder.mkdir()
    generate(folder, args.count)
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

        upgrade()
        result = app.test_cli_runner().invoke(args=["practices", "sync", "--dir", str(folder)])
        assert result.exit_code == 0, result.output
        if args.distinct_facets:
            shuffle_facets()
        from app.institutions.models import Institution
        from app.planner import services, suggestions

        institution = Institution(
            slug="bench-uni", name="Bench University", country="FI", kind="research-university"
        )
        db.session.add(institution)
        plan = services.create_plan(
            institution,
            title="Bench plan",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
        )
        vocab = vocabularies()
        plan.goals = vocab.keys("goals")
        db.session.commit()
        gaps = services.gaps(plan, vocab)
        weights = suggestions.weights_of(gaps)
        facets = "random facets" if args.distinct_facets else "the shipped sheets' facets"
        print(f"{args.count} sheets ({facets}), {len(weights)} open gaps, {url.split('@')[-1]}")
        print(f"{'limits':<34}{'seconds':>9}{'chosen':>8}{'closed':>8}  proven")
        for label, limit, euros, days in LIMITS:
            started = time.perf_counter()
            found = suggestions.suggest(plan, gaps, vocab, euros=euros, days=days, limit=limit)
            spent = time.perf_counter() - started
            closed = len(weights) - len(found.left_open)
            print(f"{label:<34}{spent:9.2f}{len(found.chosen):8}{closed:8}  {found.proven}")


if __name__ == "__main__":
    main()
