"""The controlled vocabularies of data/vocabularies.yml, read once per file version."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app

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


@dataclass(frozen=True)
class Vocabularies:
    """Every list as an ordered mapping of key to label."""

    lists: dict[str, dict[str, str]]

    def keys(self, name: str) -> list[str]:
        """Return the allowed keys of one list, in their order."""
        return list(self.lists[name])

    def label(self, name: str, key: object) -> str:
        """Return the label of a key, or the key itself if the list no longer has it."""
        return self.lists[name].get(str(key), str(key))

    def position(self, name: str, key: str) -> int:
        """Return the order of a key within its list (unknown keys sort last)."""
        keys = self.keys(name)
        return keys.index(key) if key in keys else len(keys)


@lru_cache(maxsize=4)
def _read(path: str, _mtime_ns: int) -> Vocabularies:
    """Parse the file; the modification time in the cache key picks up edits without a restart."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of lists")
    missing = [name for name in REQUIRED_LISTS if not isinstance(raw.get(name), dict)]
    if missing:
        raise ValueError(f"{path}: missing lists: {', '.join(missing)}")
    lists = {name: {str(k): str(v) for k, v in values.items()} for name, values in raw.items()}
    return Vocabularies(lists)


def load_vocabularies(path: str | Path) -> Vocabularies:
    """Read a vocabulary file (cached until it changes)."""
    path = Path(path)
    return _read(str(path), path.stat().st_mtime_ns)


def vocabularies() -> Vocabularies:
    """Return the vocabularies configured for the current app."""
    return load_vocabularies(current_app.config["VOCABULARY_FILE"])
