"""What the mixed load's edits cost in Python: the API's read and PATCH of an activity, and a
plan page rendered again after an edit, in-process, on a data set `make load` kept.

    python bench/edit_cost.py --keep DIR [--rounds 30] [--profile LABEL]

DIR is a `bench/load/run.py --keep DIR` folder: its env.json names the database (SQLite in
DIR, or the PostgreSQL URL it was filled in) and the token, account and plans its users use.
SQLite is copied first, so that the kept data stays as the load test left it; on PostgreSQL
the edits change the kept plan's effort figures, as a load run does. Prints the processor
time per request of each (`time.process_time`); "… after an edit" is a PATCH followed by
the page, whose store entry the edit renewed (subtract the PATCH's line for the page alone).
`--profile LABEL` then prints cProfile's 40 costliest functions of that line, and
`--statements LABEL` the SQL one run of it sends through the engine. `--calls` adds a column
of the Python function calls each makes (cProfile's count): the same on a busy machine as on
an idle one, where the processor time is not, so two versions of the code compare by it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cases(reader: FlaskClient, script: FlaskClient, env: dict[str, str]) -> dict[str, Callable]:
    """Return the requests to time, by label."""
    plans = env["LOAD_PLANS"].split(",")
    headers = {"Authorization": f"Bearer {env['LOAD_TOKEN']}"}
    url = f"/api/v1/plans/{plans[0]}/activities/{env['LOAD_ACTIVITIES'].split(',')[0]}"

    def read() -> object:
        return script.get(url, headers=headers)

    def edit() -> object:
        current = script.get(url, headers=headers).get_json()
        body = {"version": current["version"], "effort_planned": current["effort_planned"] + 1}
        return script.patch(url, json=body, headers=headers)

    def after_edit(page: str) -> Callable[[], object]:
        def run() -> object:
            edit()
            return reader.get(page)

        return run

    return {
        "API read of an activity": read,
        "API read and PATCH": edit,
        "dashboard of another plan (stored)": lambda: reader.get(f"/plans/{plans[1]}/dashboard"),
        "plan page after an edit": after_edit(f"/plans/{plans[0]}"),
        "dashboard after an edit": after_edit(f"/plans/{plans[0]}/dashboard"),
        "indicators after an edit": after_edit(f"/plans/{plans[0]}/indicators"),
    }


def calls(run: Callable[[], object], rounds: int = 5) -> int:
    """Return the Python function calls one run makes, the mean of a few."""
    counted = 0
    for _ in range(rounds):
        profile = cProfile.Profile()
        profile.enable()
        run()
        profile.disable()
        counted += pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return counted // rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="a make load --keep folder")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", help="a label of the table")
    parser.add_argument("--statements", help="a label of the table: print one run's SQL")
    parser.add_argument("--calls", action="store_true", help="also count the function calls")
    args = parser.parse_args()
    kept = json.loads((args.keep / "env.json").read_text())
    env, url = kept["env"], kept["made_for"]["url"]
    work = Path(tempfile.mkdtemp(prefix="edit-cost-"))
    try:
        if url.startswith("sqlite"):
            shutil.copy(args.keep / "load.db", work / "load.db")
            url = f"sqlite:///{work / 'load.db'}"
        from app import create_app

        app = create_app(
            {
                "APP_ENV": "development",
                "SECRET_KEY": "edit-cost-secret-0123456789abcdef",
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        reader, script = app.test_client(), app.test_client()
        signed_in = reader.post(
            "/login", data={"email": env["LOAD_EMAIL"], "password": env["LOAD_PASSWORD"]}
        )
        assert signed_in.status_code == 302, signed_in.status_code
        table = cases(reader, script, env)
        for label, run in table.items():
            run()
            run()
            started = time.process_time()
            for _ in range(args.rounds):
                response = run()
            spent = (time.process_time() - started) / args.rounds
            assert response.status_code == 200, (label, response.status_code)  # type: ignore[attr-defined]
            print(
                f"{label:<40}{spent * 1000:8.2f} ms"
                + (f"{calls(run):>10,} calls" if args.calls else "")
            )
        if args.statements:
            from sqlalchemy import event

            from app.core.extensions import db

            sent: list[str] = []

            def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
                sent.append(" ".join(statement.split())[:160])

            with app.app_context():
                engine = db.engine
            event.listen(engine, "before_cursor_execute", note)
            table[args.statements]()
            event.remove(engine, "before_cursor_execute", note)
            print(f"{len(sent)} statements through the engine (the held connection's not counted)")
            print("\n".join(sent))
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.rounds):
                table[args.profile]()
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
