"""Every page in Finnish and in Swedish: no English of the interface left, `lang` right.

The fully populated world of tests/test_crawl.py is walked as people of several roles with a
browser asking for Finnish or Swedish. On each page, every piece of text people read (text and
the attributes a screen reader says) is compared with the English catalogue: a text that is an
English message (or holds the fixed words of one with placeholders) whose translation differs
was left untranslated. Text inside an element marked with another language (a sheet shown in
English because it has no translation) is English on purpose and skipped.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from jinja2 import StrictUndefined

from tests.test_crawl import _links, _seed_urls, _sign_in
from tests.world import World, build_world

CATALOGUES = Path(__file__).resolve().parents[2] / "app" / "translations"
LANGUAGES = ("fi", "sv")
CALLERS = ("anonymous", "manager", "admin")
MAX_FOLLOWED = 150  # links followed per walk besides the URL map's routes
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
# Not words of the interface: scripts, styles, and code (a column's key, a command).
SKIPPED = ("script", "style", "code")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sdrxf]")


def _english_messages(language: str) -> tuple[set[str], re.Pattern[str] | None]:
    """Return the English messages translated differently in `language`: whole texts, and a
    pattern of the longest fixed words of those with placeholders."""
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    whole: set[str] = set()
    pieces: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            if text in strings:
                continue  # the same in both languages (a name, "OK")
            if PLACEHOLDER.search(text):
                longest = max(PLACEHOLDER.split(text), key=len).strip()
                # Three words at least: two ("partner institutions") stand in any English
                # text a person typed, such as an institution's description.
                if len(longest) >= 12 and len(longest.split()) >= 3:
                    pieces.add(longest)
            else:
                whole.add(" ".join(text.split()))
    # A computed indicator is named with its source's label in the language of whoever added
    # it, and the name is then the indicator's own, like a typed one: the world adds them in
    # English, so on its pages those names are data, not words the interface left English.
    whole -= _computed_names()
    pattern = re.compile("|".join(map(re.escape, sorted(pieces, key=len, reverse=True))))
    return whole, pattern if pieces else None


@cache
def _computed_names() -> frozenset[str]:
    """Return the English names and descriptions computed indicators are added with."""
    from app.indicators.computed import sources

    with force_locale("en"):
        return frozenset(
            " ".join(str(text).split())
            for source in sources()
            for text in (source.label, source.description)
        )


class _Reader(HTMLParser):
    """Collect the text people read, with the language of the element it is in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_language = ""
        self.texts: list[tuple[str, str]] = []
        self._stack: list[tuple[str, str]] = []
        self._skip = 0

    def _language(self) -> str:
        return self._stack[-1][1] if self._stack else self.page_language

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "html":
            self.page_language = named.get("lang") or ""
            return
        language = named.get("lang") or self._language()
        for name in READ_ATTRIBUTES:
            if named.get(name):
                self.texts.append((language, str(named[name])))
        if tag in SKIPPED:
            self._skip += 1
        if tag not in VOID:
            self._stack.append((tag, language))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.texts.append((self._language(), text))


def _untranslated(page: str, language: str, whole: set[str], pattern) -> tuple[str, list[str]]:
    reader = _Reader()
    reader.feed(page)
    found = []
    for where, text in reader.texts:
        if where != language:
            continue
        if text in whole or (
            pattern is not None and pattern.search(text) and text not in _computed_names()
        ):
            found.append(text)
    return reader.page_language, found


@pytest.fixture
def world(app: Flask, runner) -> World:
    app.jinja_env.undefined = StrictUndefined
    # Forms render their CSRF field as they do in production (the suite turns CSRF off).
    app.config["WTF_CSRF_ENABLED"] = True
    return build_world(app, runner)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_the_language_asked_for(app, world, language):
    whole, pattern = _english_messages(language)
    assert len(whole) > 300, "the catalogue looks empty: run make i18n-compile"
    seeds, _ = _seed_urls(app, world)
    problems: list[str] = []
    pages = 0
    for caller in CALLERS:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = f"{language},en;q=0.5"
        if caller != "anonymous":
            assert _sign_in(client, world.people[caller].email) == 302
        queue = [u for u in seeds if not u.startswith("/api/")]
        seen, followed = set(queue), 0
        while queue:
            url = queue.pop(0)
            response = client.get(url)
            # Werkzeug's redirect bodies are no page anyone reads.
            if response.mimetype != "text/html" or 300 <= response.status_code < 400:
                continue
            page = response.get_data(as_text=True)
            pages += 1
            page_language, found = _untranslated(page, language, whole, pattern)
            # An invitation's page is written in the language it was sent in, for a visitor
            # who chose none (tests/accounts/test_languages.py).
            invitation = caller == "anonymous" and url.startswith("/invitations/")
            if page_language != language and not invitation:
                problems.append(f"{caller} {url}: <html lang={page_language!r}>")
            problems += [f"{caller} {url}: {text!r}" for text in found]
            if response.status_code != 200:
                continue
            for link in _links(page, url):
                if link in seen or followed >= MAX_FOLLOWED or re.search(r"/logout|/static/", link):
                    continue
                seen.add(link)
                followed += 1
                queue.append(link)
    assert pages > 100
    unique = sorted(set(problems))
    assert not unique, f"{len(unique)} English texts on {language} pages:\n" + "\n".join(
        unique[:80]
    )


def test_the_walk_finds_english_left_on_a_page():
    whole = {"Save the plan", "Plans"}
    pattern = re.compile(re.escape("is saved. Its history"))
    page = (
        '<html lang="fi"><body><h1>Suunnitelmat</h1><button>Save the plan</button>'
        '<p>Sheet X is saved. Its history keeps it.</p><div lang="en"><p>Plans</p></div>'
        '<a title="Plans" href="/">x</a></body></html>'
    )
    language, found = _untranslated(page, "fi", whole, pattern)
    assert language == "fi"
    assert found == ["Save the plan", "Sheet X is saved. Its history keeps it.", "Plans"]
