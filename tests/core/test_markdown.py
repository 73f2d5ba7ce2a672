"""User Markdown is rendered and sanitised: no script, handler or unsafe URL survives."""

from __future__ import annotations

import pytest

from app.core.markdown import markdown_to_text, render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "![x](javascript:alert(1))",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<form action='javascript:alert(1)'><button>x</button></form>",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload):
    html = str(render_markdown(f"Text before.\n\n{payload}\n\nText after.")).lower()
    for marker in (
        "<script",
        "onerror",
        "onload",
        "ontoggle",
        "javascript:",
        "data:text",
        "<iframe",
        "<svg",
        "style=",
        "<form",
    ):
        assert marker not in html, (payload, html)
    assert "text after." in html


def test_ordinary_markdown_keeps_its_structure():
    html = str(
        render_markdown("## Steps\n\n1. One\n2. Two\n\n[Site](https://example.org) **bold**")
    )
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<li>Two</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<strong>bold</strong>" in html


def test_plain_text_keeps_words_and_drops_syntax():
    assert markdown_to_text("## Title\n\n- one & two") == "Title.\n\none & two"
    assert markdown_to_text("## Why?\n\nBecause") == "Why?\nBecause"  # ends as it did
