"""The controlled vocabularies of data/vocabularies.yml, read once per file version.

Every key carries its label in each language of the interface:

    goals:
      better-communication:
        en: Better communication and cooperation
        fi: ...
        sv: ...

Keys are what sheets, addresses and the API use, in every language; only labels are translated.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from app.core.i18n import LANGUAGES, current_language
from app.core.yamlfile import Problem, YamlProblem, compose, line_of

REQUIRED_LISTS = (
    "goals",
    "categories",
    "mobility_stages",
    "delivery_schedules",
    "importance",
    "target_groups",
    "levels",
    "scales_of_change",
    "indicator_units",
    "directions",
)
# A list named "why_" and another list's name explains that list's keys: why each matters
# (a plan's gaps say it). Its keys must be the other list's.
WHY = "why_"


class VocabularyFileError(ValueError):
    """A vocabulary file the app cannot use; `problems` says what and where (file:line)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Vocabularies:
    """Every list as an ordered mapping of key to its label in each language."""

    translations: dict[str, dict[str, dict[str, str]]]

    @property
    def lists(self) -> dict[str, dict[str, str]]:
        """Return every list as key to label, in the language pages are written in now."""
        return self.in_language(current_language())

    def in_language(self, language: str) -> dict[str, dict[str, str]]:
        """Return every list as key to label, in one language."""
        return {
            name: {key: labels[language] for key, labels in values.items()}
            for name, values in self.translations.items()
        }

    def keys(self, name: str) -> list[str]:
        """Return the allowed keys of one list, in their order."""
        return list(self.translations[name])

    def label(self, name: str, key: object, language: str | None = None) -> str:
        """Return a key's label in a language (the current one by default), or the key itself
        if the list no longer has it."""
        labels = self.translations[name].get(str(key))
        if labels is None:
            return str(key)
        return labels[language or current_language()]

    def why(self, name: str, key: str, language: str | None = None) -> str | None:
        """Return why a key of a list matters, in a language (the current one by default), or
        None if the file does not say."""
        texts = self.translations.get(WHY + name, {}).get(key)
        return None if texts is None else texts[language or current_language()]

    def position(self, name: str, key: str) -> int:
        """Return the order of a key within its list (unknown keys sort last)."""
        keys = self.keys(name)
        return keys.index(key) if key in keys else len(keys)


def parse_vocabularies(path: str, text: str) -> Vocabularies:
    """Read the text of a vocabulary file, refusing it with every problem and its line."""
    try:
        raw, node = compose(text)
    except YamlProblem as error:
        raise VocabularyFileError([Problem(path, error.line, error.field, error.message)]) from None
    if not isinstance(raw, dict):
        raise VocabularyFileError([Problem(path, 1, "file", "expected a mapping of lists")])
    problems: list[Problem] = []

    def problem(loc: tuple[str, ...], message: str) -> None:
        problems.append(Problem(path, line_of(node, loc) + 1, ".".join(loc), message))

    for name in REQUIRED_LISTS:
        if not isinstance(raw.get(name), dict):
            problem((name,), "missing list (a mapping of keys to labels)")
    translations: dict[str, dict[str, dict[str, str]]] = {}
    for name, values in raw.items():
        if not isinstance(values, dict):
            if name not in REQUIRED_LISTS:
                problem((str(name),), "a list must be a mapping of keys to labels")
            continue
        translations[str(name)] = {}
        for key, labels in values.items():
            loc = (str(name), str(key))
            if not isinstance(labels, dict):
                problem(loc, f"give the label in each language: {', '.join(LANGUAGES)}")
                continue
            missing = [code for code in LANGUAGES if not _text(labels.get(code))]
            unknown = [str(code) for code in labels if code not in LANGUAGES]
            if missing:
                problem(loc, f"no label in {', '.join(missing)}")
            if unknown:
                problem(loc, f"unknown language {', '.join(unknown)}; use {', '.join(LANGUAGES)}")
            if not missing and not unknown:
                translations[str(name)][str(key)] = {
                    code: str(labels[code]).strip() for code in LANGUAGES
                }
    for name in [n for n in translations if n.startswith(WHY)]:
        explained = name.removeprefix(WHY)
        if explained not in translations:
            problem((name,), f"explains {explained}, which is not a list of this file")
            continue
        for key in translations[name]:
            if key not in translations[explained]:
                problem((name, key), f"{key} is not a key of {explained}")
    if problems:
        raise VocabularyFileError(problems)
    return Vocabularies(translations)


def _text(value: object) -> bool:
    """Tell whether a label is given (a number counts: YAML reads `1` as one)."""
    return isinstance(value, str | int | float) and bool(str(value).strip())


@lru_cache(maxsize=4)
def _read(path: str, _mtime_ns: int) -> Vocabularies:
    """Parse the file; the modification time in the cache key picks up edits without a restart."""
    return parse_vocabularies(path, Path(path).read_text(encoding="utf-8"))


def load_vocabularies(path: str | Path) -> Vocabularies:
    """Read a vocabulary file (cached until it changes)."""
    path = Path(path)
    return _read(str(path), path.stat().st_mtime_ns)


def vocabularies() -> Vocabularies:
    """Return the vocabularies configured for the current app."""
    return load_vocabularies(current_app.config["VOCABULARY_FILE"])


@lru_cache(maxsize=4)
def _digest(path: str, _mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def vocabulary_stamp() -> str:
    """Return a short digest of the current app's vocabulary file (the same on every machine
    that has the same file; read again only when the file changes)."""
    path = current_app.config["VOCABULARY_FILE"]
    # os.stat, not Path(...).stat(): every answer from the catalogue's store asks.
    return _digest(path, os.stat(path).st_mtime_ns)
