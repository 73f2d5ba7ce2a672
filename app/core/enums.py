"""Enumerations written once: a `StrEnum` gives the column's check constraint, a form's
choices and the API's allowed values, so none of them can drift from the others.

A pydantic field typed with the enum itself validates and documents it (OpenAPI `enum`);
`StrEnum` members compare equal to their strings, so code reading a column's `str` value
and code holding a member agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint
from wtforms.fields.choices import SelectChoice

from app.core.i18n import in_every_language


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


# Each enum's labels, written once beside it with lazy_gettext so they are read in the
# language of the request: {enum class name: {value: lazy label}}.
_LABELS: dict[str, Mapping[str, Any]] = {}


def label_with(enum: type[StrEnum], names: Mapping[str, Any]) -> None:
    """Register the labels people read for an enum's values (lazy_gettext strings)."""
    missing = set(values(enum)) - set(names)
    if missing:
        raise TypeError(f"{enum.__name__} has no label for {sorted(missing)}")
    _LABELS[enum.__name__] = names


def label(value: str, enum: type[StrEnum] | str) -> str:
    """Return the label of one value in the current language (as written if unknown)."""
    name = enum if isinstance(enum, str) else enum.__name__
    known = _LABELS.get(name, {})
    return str(known[value]) if value in known else words(str(value))


def labels(enum: type[StrEnum], read: Callable[[str], str] | None = None) -> dict[str, str]:
    """Return {value: label} for every member, in order, in the current language."""
    return {m.value: read(m.value) if read else label(m.value, enum) for m in enum}


def choices(
    enum: type[StrEnum], read: Callable[[str], str] | Mapping[str, Any] | None = None
) -> list[SelectChoice]:
    """Return a select's options for every member, in order (WTForms' own option type).

    Without `read`, the registered labels, looked up when the options are shown.
    """
    if isinstance(read, Mapping):
        return [SelectChoice(m.value, read[m.value]) for m in enum]
    if read is not None:
        return [SelectChoice(m.value, read(m.value)) for m in enum]
    return [SelectChoice(m.value, _Label(m.value, enum.__name__)) for m in enum]


class _Label:
    """A label read when it is shown, so options made at import read in each request's language."""

    def __init__(self, value: str, enum: str) -> None:
        self.value, self.enum = value, enum

    def __str__(self) -> str:
        return label(self.value, self.enum)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def parse(enum: type[StrEnum], text: str, *, aliases: Iterable[tuple[str, str]] = ()) -> str:
    """Return the member a person typed in any case, by value or label; ValueError if none."""
    wanted = " ".join(text.split()).casefold()
    known = {member.value.casefold(): member.value for member in enum}
    known.update({words(member.value).casefold(): member.value for member in enum})
    # What a person types may be the label in any language of the interface.
    for member in enum:
        for spelling in _spellings(member.value, enum.__name__):
            known.setdefault(spelling.casefold(), member.value)
    known.update((alias.casefold(), value) for alias, value in aliases)
    if wanted not in known:
        raise ValueError(text)
    return known[wanted]


def _spellings(value: str, enum: str) -> list[str]:
    """Return a value's label in every language of the interface (for reading typed text)."""
    return in_every_language(_Label(value, enum)) if enum in _LABELS else []
