"""Markdown to HTML, always sanitised: nothing user-written reaches a page unfiltered.

The parser is markdown-it-py (CommonMark): its time grows linearly with the text whatever its
shape, where Python-Markdown's grew quadratically on runs of `[` and similar (a curator's body of
20,000 of them took a minute). Nesting of blocks and inline marks is capped by the preset.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
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
    "s",
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
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
# markdown-it aligns table cells with a style attribute; only these survive the sanitiser.
_CELL_STYLES = {"text-align:left", "text-align:center", "text-align:right"}

# Raw HTML is parsed (not shown as text) so that nh3 can drop what is not allowed, as before.
_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    """Keep only table alignment among style attributes."""
    if name == "style":
        return value if value in _CELL_STYLES else None
    return value


def _clean(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])", re.I)


def _headings_from(rendered: str, top: int) -> str:
    """Move the headings of a text so that its highest one is at level `top` (at most h6),
    keeping their order below it: a text shown under a page's h2 then starts at h3, whether
    its writer began with # or ##, and never competes with the page's own headings."""
    levels = [int(level) for _slash, level in _HEADING_TAG.findall(rendered)]
    if not levels:
        return rendered
    shift = top - min(levels)
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", rendered)


def render_markdown(text: str, top: int | None = None) -> Markup:
    """Render Markdown and sanitise the HTML with nh3 (no script, handler or unsafe URL survives).

    `top`: the heading level the text's highest heading takes, for text written by users and
    shown inside a page's section (`{{ text|markdown(3) }}` under an h2). Without it headings
    stay as written (curated sheets use ## for their sections, under the sheet's h1)."""
    rendered = _PARSER.render(text or "")
    if top is not None:
        rendered = _headings_from(rendered, max(2, min(6, top)))
    return Markup(_clean(rendered))  # noqa: S704 - sanitised by nh3


# A heading that ends without punctuation, closed: it gets a full stop in plain text.
_BARE_HEADING_END = re.compile(r"(?<![.!?:])</h([1-6])>")


def html_to_text(rendered: str) -> str:
    """Reduce HTML rendered by render_markdown to its plain words, for search indexes.

    Headings end with a full stop, so that a snippet, where line breaks are spaces, does not
    run a heading into the sentence after it.
    """
    marked = _BARE_HEADING_END.sub(r".</h\1>", str(rendered))
    return html.unescape(nh3.clean(marked, tags=set())).strip()


def markdown_to_text(text: str) -> str:
    """Reduce Markdown to its plain words, for search indexes and snippets."""
    return html_to_text(render_markdown(text))


# Plain text for an email: block ends become blank lines, list items dashes, a link its words
# with its address after them.
_LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|ul|ol|blockquote|pre|table|dl)>")
_BLANK_LINES = re.compile(r"\n{3,}")


def _link_text(match: re.Match[str]) -> str:
    address, words = html.unescape(match.group(1)), match.group(2)
    plain = html.unescape(nh3.clean(words, tags=set())).strip()
    return plain if not plain or plain == address else f"{words} ({html.escape(address)})"


def markdown_to_plain(text: str) -> str:
    """Write Markdown as the plain text of an email: its words, lists as dashes, links with
    their addresses, paragraphs apart (sanitised first, like every rendering)."""
    rendered = str(render_markdown(text))
    rendered = _LINK.sub(_link_text, rendered)
    rendered = rendered.replace("<li>", "- ").replace("</li>", "").replace("<br />", "\n")
    rendered = _BLOCK_END.sub("\n\n", rendered)
    plain = html.unescape(nh3.clean(rendered, tags=set()))
    lines = "\n".join(line.strip() for line in plain.splitlines())
    return _BLANK_LINES.sub("\n\n", lines).strip()
