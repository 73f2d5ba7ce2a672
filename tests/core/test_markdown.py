"""User Markdown is rendered and sanitised: no script, handler or unsafe URL survives, and
rendering takes time in proportion to the text whatever its shape."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.markdown import markdown_to_plain, markdown_to_text, render_markdown
from app.practices.schemas import BODY_MAX_CHARS
from tests.html_safety import unsafe_parts

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
    "[x]: javascript:alert(1)\n\n[click][x]",
    '<http://x.example/" onmouseover="alert(1)>',
    "| a |\n|---|\n| <td style='x' onclick=alert(1)>b |",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload):
    html = str(render_markdown(f"Text before.\n\n{payload}\n\nText after."))
    assert unsafe_parts(html) == [], (payload, html)
    # Kept as text at most: never as a tag or attribute.
    for tag in ("<img", "<iframe", "<div", "<details", "<button", "<mi"):
        assert tag not in html.lower()
    assert "style=" not in html and "onclick" not in html.split(">", 1)[0]
    assert "Text after." in html


def test_ordinary_markdown_keeps_its_structure():
    html = str(
        render_markdown("## Steps\n\n1. One\n2. Two\n\n[Site](https://example.org) **bold**")
    )
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<li>Two</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<strong>bold</strong>" in html


def test_tables_lists_and_strikethrough_are_kept():
    html = str(render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n3. three\n4. four\n\n~~old~~"))
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html
    assert '<ol start="3">' in html
    assert "<s>old</s>" in html


def test_plain_text_keeps_words_and_drops_syntax():
    assert markdown_to_text("## Title\n\n- one & two") == "Title.\n\none & two"
    assert markdown_to_text("## Why?\n\nBecause") == "Why?\nBecause"  # ends as it did


# Shapes that made Python-Markdown's time grow with the square of the text (or worse).
SHAPES = {
    "brackets": "[",
    "image brackets": "![[",
    "link openers": "[a](",
    "empty links": "[](",
    "asterisks": "*a",
    "underscores": "_a ",
    "strong": "**a",
    "angles": "<",
    "autolinks": "<http://",
    "tags": "<a ",
    "backticks": "`a",
    "backtick runs": "``` ",
    "entities": "&#",
    "backslashes": "\\",
    "quotes": "> ",
    "nested lists": "- ",
    "ordered lists": "1. ",
    "reference uses": "[x]\n",
    "long reference": "[a]: <",
    "table pipes": "a|b\n-|-\n",
    "strikethrough": "~~a",
}


def _cpu_seconds(text: str) -> float:
    start = time.process_time()
    render_markdown(text)
    return time.process_time() - start


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_rendering_grows_linearly_with_the_text(unit):
    # Four times the text must cost about four times the work, not sixteen: a ratio of the
    # process's own CPU time, so neither the machine's speed nor its load decides.
    n = 2_500
    small = (unit * (n // len(unit) + 1))[:n]
    large = (unit * (4 * n // len(unit) + 1))[: 4 * n]
    _cpu_seconds(small)  # warm up
    ratio = min(_cpu_seconds(large) for _ in range(2)) / max(
        min(_cpu_seconds(small) for _ in range(3)), 1e-4
    )
    assert ratio < 9, f"{ratio:.1f} times the work for four times the text"


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES.keys())
def test_deep_nesting_is_capped(unit):
    # A body at the size limit renders, and its nesting stays shallow whatever the shape.
    html = str(render_markdown((unit * BODY_MAX_CHARS)[:BODY_MAX_CHARS]))
    assert html.count("<blockquote>") <= 20 and html.count("<ul>") <= 20


# Markdown's special characters, HTML's and a few words: the texts most likely to find a gap.
_MARKUP = st.lists(
    st.sampled_from([*"[]()!*_`<>&#\\|~-:=/\"' \n\tax1", "javascript:", "<script>", "<img "]),
    max_size=400,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MARKUP, st.text(max_size=400)))
def test_any_text_renders_to_html_that_runs_nothing(text):
    html = str(render_markdown(text))
    assert unsafe_parts(html) == []
    assert isinstance(markdown_to_text(text), str)


def test_email_text_keeps_words_lists_and_link_addresses():
    text = markdown_to_plain(
        "## Monday\n\n- Workshops *STAFFWEEK* &amp; more\n- [Map](https://x.example/?a=1&b=2)\n"
        "- <https://y.example>\n\nSecond line  \nbreaks here."
    )
    assert text == (
        "Monday\n\n- Workshops STAFFWEEK & more\n- Map (https://x.example/?a=1&b=2)\n"
        "- https://y.example\n\nSecond line\nbreaks here."
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_email_text_of_a_payload_is_words_only(payload):
    """A plain-text email shows what was typed as words: no tag the rendering made or let
    through survives, and no address a sanitiser dropped comes back."""
    text = markdown_to_plain(f"Before.\n\n{payload}\n\nAfter.")
    for tag in ("<p>", "<a ", "<li>", "<img", "<script", "<iframe", "<details"):
        assert tag not in text.lower(), (payload, text)
    assert " (javascript:" not in text.lower()
    assert text.startswith("Before.") and "After." in text


@pytest.mark.parametrize(
    ("text", "top", "expected"),
    [
        # Under a page's h2, a user's highest heading becomes h3, whether written # or ##,
        # and the levels below it keep their order.
        ("# Day 1\n\n## Morning", 3, ["h3", "h4"]),
        ("## Day 1\n\n### Morning\n\n## Day 2", 3, ["h3", "h4", "h3"]),
        ("#### Deep", 3, ["h3"]),
        ("# Title", 2, ["h2"]),  # the h1 no sanitiser lets through is kept as a heading
        (
            "# A\n\n## B\n\n### C\n\n#### D\n\n##### E\n\n###### F",
            3,
            ["h3", "h4", "h5", "h6", "h6", "h6"],
        ),
        ("<h2 class='x'>Raw</h2>\n\n## Written", 3, ["h3", "h3"]),  # raw HTML moves too
        ("No heading at all", 3, []),
    ],
)
def test_user_headings_start_at_the_level_the_page_gives(text, top, expected):
    rendered = str(render_markdown(text, top=top))
    assert re.findall(r"<(h[1-6])>", rendered) == expected
    assert "class=" not in rendered


def test_without_a_level_headings_stay_as_written():
    assert re.findall(r"<(h[1-6])>", str(render_markdown("## Steps\n\n### One"))) == ["h2", "h3"]
