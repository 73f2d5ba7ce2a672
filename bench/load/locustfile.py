"""What 50 users do at once: browse and search the catalogue, read dashboards, edit activities.

Run by bench/load/run.py, which passes the plan ids and API tokens in the environment.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, constant, task

PLANS = [int(n) for n in os.environ["LOAD_PLANS"].split(",")]
ACTIVITIES = [int(n) for n in os.environ["LOAD_ACTIVITIES"].split(",")]
TOKEN = os.environ["LOAD_TOKEN"]
EMAIL = os.environ["LOAD_EMAIL"]
PASSWORD = os.environ["LOAD_PASSWORD"]
SEARCHES = ["job shadowing", "workshops", "study visit", "mentoring", "welcome", "training"]


class Visitor(HttpUser):
    """An international office manager browsing the catalogue, not signed in."""

    weight = 3
    wait_time = constant(0)

    @task(3)
    def catalogue(self) -> None:
        self.client.get("/practices", name="/practices")

    @task(3)
    def search(self) -> None:
        self.client.get(f"/practices?q={random.choice(SEARCHES)}", name="/practices?q=")

    @task(2)
    def filtered(self) -> None:
        self.client.get("/practices?category=networking&setup_cost=1", name="/practices?filters")

    @task(2)
    def sheet(self) -> None:
        self.client.get("/practices/sending-staff-on-job-shadowing", name="/practices/<slug>")


class Manager(HttpUser):
    """A manager reading plans and dashboards, signed in."""

    weight = 2
    wait_time = constant(0)

    def on_start(self) -> None:
        page = self.client.get("/login", name="/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        self.client.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
            name="/login (POST)",
        )

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"/plans/{random.choice(PLANS)}/dashboard", name="/plans/<id>/dashboard")

    @task(2)
    def plan(self) -> None:
        self.client.get(f"/plans/{random.choice(PLANS)}", name="/plans/<id>")

    @task(1)
    def indicators(self) -> None:
        self.client.get(f"/plans/{random.choice(PLANS)}/indicators", name="/plans/<id>/indicators")


class Planner(HttpUser):
    """A script editing activities through the API: read, change, save; a 409 is retried."""

    weight = 1
    wait_time = constant(0)

    @task
    def edit(self) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        plan = PLANS[0]
        activity = random.choice(ACTIVITIES)
        url = f"/api/v1/plans/{plan}/activities/{activity}"
        current = self.client.get(url, headers=headers, name="/api/v1/…/activities/<id>").json()
        with self.client.patch(
            url,
            json={"version": current["version"], "effort_planned": current["effort_planned"] + 1},
            headers=headers,
            name="/api/v1/…/activities/<id> (PATCH)",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 409):  # a lost race is an answer, not an error
                response.success()
