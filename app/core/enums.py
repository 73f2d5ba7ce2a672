"""Enumerations written once: a `StrEnum` gives the column's check constraint, a form's
choices and the API's allowed values, so none of them can drift from the others.

A pydantic field typed with the enum itself validates and documents it (OpenAPI `enum`);
`StrEnum` members compare equal to their strings, so code reading a column's `str` value
and code holding a member agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from sqlalchemy import CheckConstraint
from wtforms.fields.choices import SelectChoice


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """Return the enum's values in their declared order."""
    return tuple(member.value for member in enum)


def one_of(
    column: str, enum: type[StrEnum], *, nullable: bool = False, name: str | None = None
) -> CheckConstraint:
    """Build the check constraint of an enumerated column from its enum."""
    listed = ", ".join(f"'{value}'" for value in enum)
    check = f"{column} IN ({listed})"
    if nullable:
        check = f"{column} IS NULL OR {check}"
    return CheckConstraint(check, name=name or column)


def words(value: str) -> str:
    """Return a value as a label: 'in_progress' reads 'In progress'."""
    return value.replace("_", " ").replace("-", " ").capitalize()


def labels(enum: type[StrEnum], label: Callable[[str], str] = words) -> dict[str, str]:
    """Return {value: label} for every member, in order."""
    return {member.value: label(member.value) for member in enum}


def choices(
    enum: type[StrEnum], label: Callable[[str], str] | dict[str, str] = words
) -> list[SelectChoice]:
    """Return a select's options for every member, in order (WTForms' own option type)."""
    read = label.__getitem__ if isinstance(label, dict) else label
    return [SelectChoice(member.value, read(member.value)) for member in enum]


def parse(enum: type[StrEnum], text: str, *, aliases: Iterable[tuple[str, str]] = ()) -> str:
    """Return the member a person typed in any case, by value or label; ValueError if none."""
    wanted = " ".join(text.split()).casefold()
    known = {member.value.casefold(): member.value for member in enum}
    known.update({words(member.value).casefold(): member.value for member in enum})
    known.update((alias.casefold(), value) for alias, value in aliases)
    if wanted not in known:
        raise ValueError(text)
    return known[wanted]
