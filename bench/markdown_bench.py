"""Time the rendering of sheet bodies of adversarial shapes at the body size limit.

    python bench/markdown_bench.py [--limit SECONDS]

Every shape of tests/core/test_markdown.py, filled to BODY_MAX_CHARS, is rendered and
sanitised three times; the best CPU time of each is printed. Exits 1 when any takes longer
than --limit (default 1 s, the most a request may spend rendering a body).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.markdown import render_markdown  # noqa: E402
from app.practices.schemas import BODY_MAX_CHARS  # noqa: E402
from tests.core.test_markdown import SHAPES  # noqa: E402


def main() -> int:
    """Render every shape at the size limit and report the slowest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=1.0)
    limit = parser.parse_args().limit
    worst = 0.0
    for name, unit in SHAPES.items():
        text = (unit * (BODY_MAX_CHARS // len(unit) + 1))[:BODY_MAX_CHARS]
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            render_markdown(text)
            best = min(best, time.process_time() - start)
        worst = max(worst, best)
        print(f"{name:<16} {best:6.3f} s")
    print(f"slowest: {worst:.3f} s for {BODY_MAX_CHARS:,} characters (limit {limit} s)")
    return 0 if worst <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
