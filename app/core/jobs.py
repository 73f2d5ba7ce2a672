"""The background job queue (Huey): emails and scheduled work run here, not in a request.

SKELETON written by the lead so that features can declare their tasks; helper h1 makes it
whole (storage from configuration: embedded SQLite by default, Redis when JOBS_URL says so;
an app context around every task; the consumer command; `make run` starting it).
"""

from __future__ import annotations

from huey import MemoryHuey, crontab

# Bound to its real storage by init_app; features decorate their functions with these.
jobs = MemoryHuey("staff-capacity-planner", utc=True)
task = jobs.task
periodic_task = jobs.periodic_task

__all__ = ["crontab", "jobs", "periodic_task", "task"]
