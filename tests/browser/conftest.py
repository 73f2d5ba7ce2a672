"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def live_server(server, catalogue) -> str:
    """The threaded server of tests/conftest.py, serving the shipped catalogue."""
    return server


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    messages: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and CSP violations; fails the test on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Chromium logs most CSP refusals to the console, but not all: report every one.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
    )
    problems = PageProblems()
    page.on("console", lambda m: m.type == "error" and problems.messages.append(m.text))
    page.on("pageerror", lambda e: problems.messages.append(str(e)))
    page.problems = problems
    page.loaded = []  # every document the page loaded, for the journey fixture
    page.on("load", lambda loaded: page.loaded.append(loaded.url))
    yield page
    context.close()
    assert problems.messages == [], problems.messages


@pytest.fixture
def journey(page):
    """The page of a user journey: each page it loads must be checked by axe (axe.audit)."""
    from tests.browser.axe import address

    page.audited = set()
    yield page
    loaded = {address(url) for url in page.loaded if not url.startswith("about:")}
    assert sorted(loaded - page.audited) == [], "pages the journey left without an axe check"


def sign_in(page, base: str, email: str, *, landing: str = r"/practices$") -> None:
    """Sign in through the form, then wait for the page it lands on; audit both on the way."""
    from tests.browser.axe import audit
    from tests.conftest import PASSWORD

    if not re.search(r"/login(\?|$)", page.url):
        page.goto(f"{base}/login")
    audit(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(landing))
    audit(page)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/ (ignored by git): the page, or what shows."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
