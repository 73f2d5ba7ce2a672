"""Processor time of processes, for the benches that say where a run's time went."""

from __future__ import annotations

import psutil


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """Return the processor time the processes have used so far (those gone count nothing)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def database_processes() -> list[psutil.Process]:
    """Return this machine's PostgreSQL server processes (none on SQLite): every database's,
    so a bench that counts them wants nothing else on the server."""
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
