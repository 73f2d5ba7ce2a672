"""Template filters and globals shared by every feature."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask, request, url_for
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup, escape

from app.core.enums import label
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import render_markdown
from app.core.urls import external_url
from app.core.vocabularies import vocabularies

# A level's word, read out after its symbols (lazy: in the reader's language).
LEVEL_WORDS = {1: _l("low"), 2: _l("medium"), 3: _l("high")}


def level_symbols(value: int, symbol: str = "●") -> Markup:
    """Show a 1-3 level as filled/empty symbols, with the word for screen readers and print."""
    value = int(value)
    filled = symbol * value + "○" * (3 - value)
    word = str(LEVEL_WORDS.get(value, value))
    return Markup(
        '<span class="level level-{v}"><span aria-hidden="true">{f}</span>'
        '<span class="visually-hidden">{w}</span></span>'
    ).format(v=value, f=filled, w=word)


def url_for_page(**changes: object) -> str:
    """Return the current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint or "practices.index", **(request.view_args or {}), **args)


def url_without(name: str, value: str) -> str:
    """Return the current URL without one value of a repeated argument, back on page one."""
    args = request.args.to_dict(flat=False)
    args[name] = [v for raw in args.get(name, []) for v in raw.split(",") if v and v != value]
    args.pop("page", None)
    return url_for(request.endpoint or "practices.index", **(request.view_args or {}), **args)


URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escape plain text and make its web addresses clickable."""
    escaped = str(escape(text))
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    return Markup(linked)  # noqa: S704 - escaped first; only http(s) addresses become links


# A line's indentation in a template's own text (not in what it puts in: that is data).
_INDENT = re.compile(r"\n[ \t]+")


class TemplateIndentation(Extension):
    """Leave out the indentation of an HTML template's own lines when it is compiled.

    The templates are indented for their readers; in a page it is a fifth of the bytes (10 kB
    of the catalogue's list), sent with every answer. A line break stays, so text reads the
    same; only the template's text is touched, never a value it shows (a sheet's Markdown, a
    message in a <pre>), which is inserted when the page is rendered. Compiled once per
    template: rendering costs nothing more.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        if not (stream.name or "").endswith(".html"):
            yield from stream
            return
        for token in stream:
            if token.type == "data" and "\n" in token.value:
                token = Token(token.lineno, "data", _INDENT.sub("\n", token.value))
            yield token


def init_app(app: Flask) -> None:
    """Register the filters and globals, and compile templates without their indentation."""
    app.jinja_env.add_extension(TemplateIndentation)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(level_symbols, "level")
    app.add_template_filter(linkify, "linkify")
    app.add_template_global(url_for_page)
    app.add_template_global(url_without)
    # Absolute links (a feed's address) come from PUBLIC_BASE_URL, never from the request.
    app.add_template_global(external_url)
    app.add_template_global(LEVEL_WORDS, "LEVEL_WORDS")
    # {{ plan.status|label("PlanStatus") }}: an enum value as people read it, in their language.
    app.add_template_filter(label, "label")

    @app.context_processor
    def _inject_vocabularies() -> dict[str, object]:
        return {"vocab": vocabularies()}
