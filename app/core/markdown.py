"""Markdown to HTML, always sanitised: nothing user-written reaches a page unfiltered."""

from __future__ import annotations

import html
import re

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> Markup:
    """Render Markdown and sanitise the HTML with nh3 (no script, handler or unsafe URL survives)."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


# A heading that ends without punctuation, closed: it gets a full stop in plain text.
_BARE_HEADING_END = re.compile(r"(?<![.!?:])</h([1-6])>")


def markdown_to_text(text: str) -> str:
    """Reduce Markdown to its plain words, for search indexes and snippets.

    Headings end with a full stop, so that a snippet, where line breaks are spaces, does not
    run a heading into the sentence after it.
    """
    html_text = md.markdown(text or "", extensions=["tables", "sane_lists"])
    html_text = _BARE_HEADING_END.sub(r".</h\1>", html_text)
    return html.unescape(nh3.clean(html_text, tags=set())).strip()
