"""Crawl every GET route of the URL map, in the fully populated world, as every kind of caller.

Each GET rule is filled with every object of the world it can name (every plan, activity,
indicator, evidence file, approval, sheet, revision, token…), and then the pages' own links
are followed, so query strings (windows, groupings, filters, CSV names) are visited too.
Templates run with StrictUndefined, so a name a template uses but nobody passes fails here.
No page may answer 5xx to anybody; the status each caller should get is the access matrix's
business (tests/test_access_matrix.py), not this crawl's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from jinja2 import StrictUndefined
from werkzeug.routing import Rule

from tests.conftest import PASSWORD
from tests.world import World, build_world

CALLERS = (
    "anonymous",
    "viewer",
    "planner",
    "manager",
    "organiser",
    "reviewer",
    "curator",
    "admin",
    "outsider",
)
# Callers whose pages' links are followed too; the others visit the URL map's routes only.
SPIDERS = ("anonymous", "viewer", "manager", "admin")
MAX_FOLLOWED = 400  # links followed per spidering caller, so the crawl stays bounded


class _Links(HTMLParser):
    """Collect the href of every link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _links(page: str, base: str) -> Iterator[str]:
    parser = _Links()
    parser.feed(page)
    for href in parser.links:
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "localhost"):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def _values(rule: Rule, world: World, app: Flask) -> list[dict[str, Any]] | None:
    """Return every filling of a rule's placeholders from the world, or None if one is unknown."""
    names = set(rule.arguments)
    endpoint = rule.endpoint
    fillings: list[dict[str, Any]] = [{}]

    def each(options: list[dict[str, Any]]) -> None:
        nonlocal fillings
        fillings = [{**f, **o} for f in fillings for o in options]

    plan_keys = {
        "activity_id",
        "indicator_id",
        "evidence_id",
        "approval_id",
        "proposed_id",
        "sending_id",
    }
    pairs = {
        "activity_id": world.activities,
        "indicator_id": world.indicators,
        "evidence_id": world.evidence,
        "approval_id": world.approvals,
        "proposed_id": world.proposed,
        "sending_id": world.sendings,
    }
    inner = names & plan_keys
    if inner:
        (key,) = inner
        each([{"plan_id": plan, key: value} for plan, value in pairs[key]])
    elif "plan_id" in names:
        each([{"plan_id": plan} for plan in world.plans])
    if "question_id" in names:
        each([{"event_id": e, "track_id": t, "question_id": q} for e, t, q in world.questions])
    elif "track_id" in names:
        each([{"event_id": e, "track_id": t} for e, t in world.tracks])
    elif "event_id" in names:
        each([{"event_id": event} for event in [*world.events, 999_999]])
    if "slug" in names:
        if endpoint.startswith(("practices", "practices_api")) or endpoint == "planner.adopt":
            each([{"slug": slug} for slug in [*world.practices, "no-such-sheet"]])
        else:
            each([{"slug": slug} for slug in (world.slug, world.other_slug, "no-such-place")])
    if "number" in names:
        each([{"number": number} for _, number in world.revisions] + [{"number": 999}])
    if "token" in names:
        secret = {
            "accounts.reset_password": world.secrets["reset"],
            "accounts.accept_invitation": world.secrets["invitation"],
        }.get(endpoint)
        tokens = [*world.feeds] if endpoint == "planner.feed" else [secret]
        if rule.rule.startswith("/applications/"):  # an applicant's secret link
            tokens = world.application_links
        if rule.rule.startswith("/visits/"):  # a visitor's secret link
            tokens = world.visit_links
        each([{"token": token} for token in [*tokens, "not-a-token"] if token])
    # An event's parts go with their event; the event alone, with every event of the world.
    if "question_id" in names:
        each([{"event_id": e, "track_id": t, "question_id": q} for e, t, q in world.questions])
    elif "track_id" in names:
        each([{"event_id": e, "track_id": t} for e, t in world.tracks])
    elif "criterion_id" in names:
        each([{"event_id": e, "criterion_id": c} for e, c in world.criteria])
    elif "member_id" in names:
        each([{"event_id": e, "member_id": m} for e, m in world.members])
    elif "application_id" in names and "day" in names:
        each(
            [
                {"event_id": e, "day": d, "application_id": a}
                for e, d in world.days
                for _, a in world.applications[:2]
            ]
        )
    elif "application_id" in names:
        each([{"event_id": e, "application_id": a} for e, a in world.applications])
    elif "day" in names:
        each([{"event_id": e, "day": d} for e, d in [*world.days, (world.events[0], "1999-01-01")]])
    elif "event_id" in names:
        each([{"event_id": event} for event in [*world.events, 999999]])
    if "series_id" in names:
        each([{"series_id": series} for series in [*world.series, 999_999]])
    if "user_id" in names:
        each([{"user_id": person.id} for person in world.people.values()])
    if "unit_id" in names:
        each([{"unit_id": unit} for unit in [*world.visit_units, 999_999]])
    if "request_id" in names:
        each([{"request_id": visit} for visit in [*world.visits, 999_999]])
    if "kind" in names and "row_id" in names:
        each([{"kind": kind, "row_id": row} for kind, rows in world.parts.items() for row in rows])
    elif "kind" in names:
        converter = rule._converters["kind"]
        each([{"kind": kind} for kind in sorted(converter.items)])
    if "invitation_id" in names:
        each([{"invitation_id": invitation} for invitation in world.invitations])
    if "name" in names:
        each([{"name": "no-such-chart"}])  # the real names are reached by following links
    if "version" in names:
        each([{"version": "0.0.0"}])
    if "filename" in names:
        each([{"filename": name} for name in ("style.css", "app.js", "no-such-file.css")])
    known = {"plan_id", "slug", "number", "token", "user_id", "kind", "name", "version"}
    known |= {"row_id", "invitation_id", "event_id", "track_id", "question_id", "criterion_id"}
    known |= {"member_id", "application_id", "day", "unit_id", "request_id", "series_id"}
    if names - known - plan_keys - {"filename"}:
        return None
    return fillings


def _seed_urls(app: Flask, world: World) -> tuple[list[str], list[str]]:
    """Return the URLs of every GET rule filled from the world, and the rules left unfilled."""
    urls: list[str] = []
    unfilled: list[str] = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        fillings = _values(rule, world, app)
        if fillings is None:
            unfilled.append(rule.rule)
            continue
        for values in fillings:
            urls.append(adapter.build(rule.endpoint, values))
    # Query strings the pages take, besides those their links carry.
    for plan in world.plans:
        urls += [
            f"/plans/{plan}?group=month",
            f"/plans/{plan}?group=status&page=2",
            f"/plans/{plan}?page=99999",
        ]
    for plan, window in world.windows:
        urls.append(f"/plans/{plan}/values?window={window}")
    urls += [
        f"/plans/{world.plans[0]}/values?window=9999-Q4",
        f"/plans/{world.plans[0]}/values?window=nonsense",
        "/practices?q=staff+training&sort=title&page=2",
        "/practices?q=%EE%80%80%EE%80%81",
        "/practices?per_page=100&page=3",
        f"/practices/compare?slugs={','.join(world.practices[:4])}",
        f"/practices/compare?slugs={world.practices[0]}",
        "/api/v1/practices?q=visit&per_page=100",
        f"/api/v1/plans?institution={world.slug}",
        "/api/v1/events?window=open&topic=kieli&per_page=100",
        f"/api/v1/events?institution={world.slug}&window=closed",
        # The public listing's filters and feeds, good and bad values.
        "/events?network=net&state=open&format=online&language=fi&sort=newest&per_page=50",
        "/events?topic=ty%C3%B6hyvinvointi&target_group=staff&start=2026-01-01&end=2026-12-31",
        "/events?country=Finland&state=closing&sort=starting&page=2",
        "/events?network=nowhere&start=2026-13-01&page=0&per_page=9999&state=x",
        "/events/feed.ics?network=net&state=soon",
        "/events/feed.atom?country=Finland&topic=%EE%80%80",
        "/events/feed.atom?format=nonsense",
    ]
    return sorted(set(urls)), sorted(unfilled)


@pytest.fixture
def world(app: Flask, runner) -> World:
    """The fully populated world, with templates that fail on any undefined name."""
    app.jinja_env.undefined = StrictUndefined
    # Forms render their CSRF field as they do in production (the suite turns CSRF off).
    app.config["WTF_CSRF_ENABLED"] = True
    return build_world(app, runner)


def _sign_in(client, email: str) -> int:
    """Sign in through the real form, CSRF token included; return the status."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the sign-in form has no CSRF field"
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    return response.status_code


def test_every_get_route_can_be_filled_from_the_world(app, world):
    _, unfilled = _seed_urls(app, world)
    assert unfilled == [], f"teach tests/test_crawl.py _values() these placeholders: {unfilled}"


@pytest.mark.parametrize("caller", CALLERS)
def test_no_page_answers_a_server_error_to_anybody(app, world, caller):
    client = app.test_client()
    if caller != "anonymous":
        assert _sign_in(client, world.people[caller].email) == 302, f"{caller} could not sign in"
    seeds, _ = _seed_urls(app, world)
    queue = list(seeds)
    seen = set(queue)
    followed = 0
    failures: list[str] = []
    visited = 0
    while queue:
        url = queue.pop(0)
        response = client.get(url)
        visited += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url}")
            continue
        if caller not in SPIDERS or response.status_code != 200:
            continue
        if response.mimetype != "text/html":
            continue
        for link in _links(response.get_data(as_text=True), url):
            if link in seen or followed >= MAX_FOLLOWED or re.search(r"/logout|/static/", link):
                continue
            seen.add(link)
            followed += 1
            queue.append(link)
    assert failures == [], f"{caller} got server errors:\n" + "\n".join(failures)
    assert visited >= len(seeds)
