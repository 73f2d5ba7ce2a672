"""The merged translation catalogues, as tests read them to know what a page should say.

Helpers wrote their translations in part files while a feature was built; once merged, the
one place is app/translations/<language>/LC_MESSAGES/messages.po, which the test session
also compiles (tests/conftest.py). Every test reads it from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parents[1] / "app" / "translations"


def catalogue_path(language: str) -> Path:
    """Return the .po file of a language's catalogue."""
    return CATALOGUES / language / "LC_MESSAGES" / "messages.po"


@cache
def read_catalogue(language: str) -> Catalog:
    """Return a language's catalogue, read once per test process."""
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language)
