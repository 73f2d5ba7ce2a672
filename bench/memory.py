"""Memory per gunicorn worker, at start and under a steady load: does it stay flat?

    python bench/memory.py [--seconds 600] [--interval 10] [--database-url URL]

Fills a fresh database with bench/scale_bench.py's small data set and the shipped catalogue
(bench/load/run.py's preparation), starts gunicorn on 127.0.0.1 with the repository's
gunicorn.conf.py, signs a manager in, then drives wrk against the catalogue and a plan page
for the given time while it samples each worker's resident memory (RSS, from ps) every
interval. Prints the samples, each worker's RSS after start-up, after the first interval of
load and at the end, and whether the growth over the load stays within --tolerance-mb.
Everything it starts, it stops.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "load"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import run as load  # noqa: E402 - bench/load/run.py, found through the path above


def worker_pids(master: int) -> list[int]:
    """Return the ids of the gunicorn master's worker processes."""
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return sorted(int(pid) for pid in out.split())


def rss_mb(pids: list[int]) -> dict[int, float]:
    """Return each process's resident memory in MB (ps reports KiB)."""
    if not pids:
        return {}
    out = subprocess.run(
        ["ps", "-o", "pid=,rss=", "-p", ",".join(map(str, pids))],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {int(pid): int(rss) / 1024 for pid, rss in (line.split() for line in out.splitlines())}


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the login form and return the session cookie's value."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/login",
        data={"email": email, "password": password, "csrf_token": token},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code in (302, 303), response.status_code
    return session.cookies["session"]


def drive(
    base: str, seconds: int, cookie: str, plan: str, connections: int
) -> list[subprocess.Popen]:
    """Start wrk against the catalogue and a signed-in plan page, with its connections each."""
    common = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    return [
        subprocess.Popen([*common, base + "/practices"], stdout=subprocess.PIPE, text=True),
        subprocess.Popen(
            [*common, "-H", f"Cookie: session={cookie}", f"{base}/plans/{plan}"],
            stdout=subprocess.PIPE,
            text=True,
        ),
    ]


def requests_done(report: str) -> int:
    """Return the number of requests a wrk report counts."""
    found = re.search(r"(\d+) requests in", report)
    return int(found.group(1)) if found else 0


def summary(report: str) -> str:
    """Return the throughput, median latency and any non-2xx/3xx answers of a wrk report."""
    found = [
        re.search(pattern, report)
        for pattern in (
            r"Requests/sec:\s*(\S+)",
            r"50%\s+(\S+)",
            r"Non-2xx or 3xx responses: (\d+)",
        )
    ]
    rate, median, errors = (match.group(1) if match else "0" for match in found)
    return f"{rate} req/s, p50 {median}, {errors} non-2xx/3xx answers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600, help="length of the load")
    parser.add_argument("--interval", type=int, default=10, help="seconds between samples")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--tolerance-mb", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=2, help="wrk's, per page")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="memory-"))
    url = args.database_url or f"sqlite:///{work / 'memory.db'}"
    prepared = load.prepare(url, "small")
    port = load._port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "memory-bench-secret-0123456789abcdef",
        "APP_ENV": "development",  # plain http on 127.0.0.1: cookies without Secure
        "PUBLIC_BASE_URL": base,
        "FLASK_RATELIMIT_ENABLED": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_CONTROL_SOCKET": "",
        "PYTHONPATH": str(ROOT),
    }
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    loaders: list[subprocess.Popen] = []
    try:
        for _ in range(300):
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        time.sleep(2)
        pids = worker_pids(master.pid)
        started = rss_mb(pids)
        print(f"{len(pids)} workers; RSS after start-up (MB):", _row(started))
        cookie = sign_in(base, prepared["LOAD_EMAIL"], prepared["LOAD_PASSWORD"])
        plan = prepared["LOAD_PLANS"].split(",")[0]
        loaders = drive(base, args.seconds, cookie, plan, args.connections)
        samples: list[dict[int, float]] = []
        begun = time.monotonic()
        while any(loader.poll() is None for loader in loaders):
            time.sleep(args.interval)
            sample = rss_mb(pids)
            if sample:
                samples.append(sample)
                print(f"{time.monotonic() - begun:6.0f} s  RSS (MB): {_row(sample)}", flush=True)
        reports = [loader.stdout.read() for loader in loaders if loader.stdout]
        for page, text in zip(("/practices", f"/plans/{plan}"), reports, strict=True):
            print(f"\n{page}: {summary(text)}")
        total = sum(map(requests_done, reports))
        report(started, samples, total, args)
    finally:
        for loader in loaders:
            if loader.poll() is None:
                loader.kill()
        load.stop(master)
        shutil.rmtree(work, ignore_errors=True)


def _row(sample: dict[int, float]) -> str:
    return "  ".join(f"{sample[pid]:6.1f}" for pid in sorted(sample))


def report(started: dict[int, float], samples: list[dict[int, float]], total: int, args) -> None:
    """Print RSS at start-up, after the first interval and at the end, and judge the growth."""
    if len(samples) < 2:
        print("too few samples: give --seconds at least twice --interval")
        return
    warm, last = samples[0], samples[-1]
    growth = max(last[pid] - warm[pid] for pid in last if pid in warm)
    print(f"\n{total:,} requests in {args.seconds} s")
    print(f"{'worker':>8}{'start MB':>10}{'warm MB':>10}{'end MB':>10}")
    for pid in sorted(last):
        print(f"{pid:>8}{started.get(pid, 0):>10.1f}{warm.get(pid, 0):>10.1f}{last[pid]:>10.1f}")
    verdict = "flat" if growth <= args.tolerance_mb else "GROWING"
    print(
        f"largest growth after the first {args.interval} s of load: {growth:.1f} MB "
        f"({verdict}, tolerance {args.tolerance_mb} MB)"
    )


if __name__ == "__main__":
    main()
