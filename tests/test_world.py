"""The fully populated world sets every column of every table somewhere.

A column added to a model without a value in tests/world.py fails here, so the crawl and the
other tests that use the world keep seeing every optional field filled in.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import JSON, Boolean, func, select

from app.core.extensions import db
from tests.test_crawl import world  # noqa: F401 - the fixture

# Columns that the world leaves empty on purpose, with the reason.
EMPTY_ON_PURPOSE = {
    # Full-text machinery, filled by the database itself where the dialect has it.
    "practices.search_vector",
}


def _is_set(column):
    """Return a condition that a row holds a real value in the column (not NULL, '', [] or {})."""
    condition = column.isnot(None)
    if isinstance(column.type, JSON):
        text = func.cast(column, db.String)  # compare the stored JSON text
        return condition & text.notin_(["[]", "{}", "null", '""'])
    if isinstance(column.type, Boolean):
        return condition
    python_type = None
    with contextlib.suppress(NotImplementedError):
        python_type = column.type.python_type
    if python_type is str:
        return condition & (column != "")
    return condition


def test_every_column_of_every_table_holds_a_value_in_the_world(world):  # noqa: F811
    empty = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if name in EMPTY_ON_PURPOSE:
                continue
            found = db.session.scalar(
                select(func.count()).select_from(table).where(_is_set(column))
            )
            if not found:
                empty.append(name)
    assert empty == [], f"set these in tests/world.py (or say why not): {empty}"


def test_booleans_hold_both_values_in_the_world(world):  # noqa: F811
    one_sided = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Boolean):
                continue
            values = set(db.session.scalars(select(column).distinct()))
            if not {True, False} <= values:
                one_sided.append(f"{table.name}.{column.name}: {sorted(values)}")
    assert one_sided == [], f"give these both values in tests/world.py: {one_sided}"
