"""Template filters and globals shared by every feature."""

from __future__ import annotations

import re

from flask import Flask, request, url_for
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


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
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
