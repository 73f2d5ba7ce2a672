"""Schema objects the migrations own that the models do not describe."""

from __future__ import annotations

from typing import Any

# SQLite's FTS5 tables (and the shadow tables FTS5 makes for them), and PostgreSQL's generated
# tsvector columns and their indexes, of the sheets and of their translations, serve full-text
# search. No model maps them (the database maintains them), so autogenerate and the migration test must leave them alone.
FULL_TEXT_TABLE_PREFIX = "practices_fts"
FULL_TEXT_COLUMN = "search_vector"
FULL_TEXT_INDEXES = frozenset({"ix_practices_search", "ix_practice_translations_search"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any
) -> bool:
    """Tell Alembic's comparison to skip the full-text search objects."""
    if type_ == "table" and name and name.startswith(FULL_TEXT_TABLE_PREFIX):
        return False
    if type_ == "column" and name == FULL_TEXT_COLUMN:
        return False
    return not (type_ == "index" and name in FULL_TEXT_INDEXES)
