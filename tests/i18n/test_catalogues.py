"""The catalogues are complete and current: every message of the code is in each language's
catalogue, translated (no fuzzy guess), with the same placeholders as its English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "app" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "_ln": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sdrxf]")


def _extracted() -> set[tuple[str | None, str]]:
    """Return the messages of the code (context, message), extracted as `make i18n-extract`
    does."""
    method_map = [("**.py", "python"), ("**.html", "jinja2")]
    options = {"**.html": {"trimmed": "true"}}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT / "app"), method_map, options, keywords=KEYWORDS
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def _catalogue(language: str) -> Catalog:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    return _extracted()


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_catalogue_holds_every_message_of_the_code(extracted, language):
    held = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in _catalogue(language)
        if m.id
    }
    missing = sorted(extracted - held)
    assert not missing, f"run make i18n-update and translate: {missing[:20]}"
    stale = sorted(held - extracted)
    assert not stale, f"messages no longer in the code (make i18n-update): {stale[:20]}"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated_with_its_placeholders(language):
    problems = []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"not translated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # A singular may say "one" instead of its count.
            if set(PLACEHOLDER.findall(string)) - wanted or (
                len(strings) == 1 and set(PLACEHOLDER.findall(string)) != wanted
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems[:40])


def test_english_is_the_source_and_needs_no_translation():
    catalogue = _catalogue("en")
    translated = [
        m.id
        for m in catalogue
        if m.id and any(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert translated == [], "English text belongs in the code, not in the English catalogue"
