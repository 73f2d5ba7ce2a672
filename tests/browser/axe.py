"""Accessibility checks with axe-core, run inside the page under test.

tests/browser/vendor/axe.min.js is axe-core 4.14.1 from the npm registry (MPL-2.0), unchanged:
`npm pack axe-core@4.14.1` and copy package/axe.min.js. It is evaluated through Playwright,
so the page's Content-Security-Policy stays exactly as users get it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# WCAG 2.1 level A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Exceptions, each with its reason: rule id -> why it does not apply here.
EXCEPTIONS: dict[str, str] = {}


def axe_source() -> str:
    """Return the pinned axe-core, refusing a file that is not the one pinned."""
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE} is not the pinned axe-core 4.14.1 ({digest})"
    return data.decode("utf-8")


def violations(page) -> list[str]:
    """Run axe on the page as it is now; return each WCAG 2.1 AA violation, readably."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        TAGS,
    )
    return [
        f"{v['id']}: {v['help']} at {', '.join(v['nodes'][:5])}"
        for v in result
        if v["id"] not in EXCEPTIONS
    ]


def address(url: str) -> str:
    """A page's address without its fragment: the same document, however it is scrolled."""
    return url.split("#", 1)[0]


def audit(page) -> None:
    """Check the page as it is now (its charts drawn) with axe; mark its address as checked.

    The `journey` fixture of tests/browser/conftest.py fails a test that loaded a page it did
    not check, so every page a journey visits is audited.
    """
    if page.locator("[data-figure]").count():
        page.locator(".chart svg.main-svg").first.wait_for()
    problems = violations(page)
    checked = getattr(page, "audited", None)
    if checked is not None:
        checked.add(address(page.url))
    assert problems == [], f"axe found on {page.url}: {problems}"
