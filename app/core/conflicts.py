"""Optimistic concurrency: an edit based on a version someone else has since replaced."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from app.core.extensions import db


class EditConflict(Exception):
    """Someone else saved the thing since its editor opened it.

    `current` is what is saved now: the object itself, or what its editor shows of it, with
    the `version` that save made when `current` does not carry it.
    """

    def __init__(self, current: Any, version: int | None = None) -> None:
        super().__init__("it changed since it was opened")
        self.current, self.version = current, version


def flush_or_conflict(edited: Any) -> None:
    """Write an edit; if another save of the same version won the race, raise EditConflict.

    The session is rolled back then, so `edited` reads the saved version afresh.
    """
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(edited) from None
