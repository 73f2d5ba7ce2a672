"""The session's flush hooks do work in proportion to the rows flushed, not its square."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app.core.extensions import db, flushed_rows
from app.institutions.models import Institution


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count each read of a session's new, dirty and deleted collections (each read builds
    the collection anew), still answering with the real collections."""
    counted: list[str] = []
    for name in ("new", "dirty", "deleted"):
        real = getattr(Session, name)

        def spy(self: Session, _real: Any = real, _name: str = name) -> Any:
            counted.append(_name)
            return _real.fget(self)

        monkeypatch.setattr(Session, name, property(spy))
    yield counted


PLACE = {"country": "Finland", "kind": "university"}


def _flush(count: int) -> None:
    for number in range(count):
        db.session.add(
            Institution(
                name=f"Institution {count}-{number}",
                slug=f"inst-{count}-{number}",
                country="Finland",
                kind="university",
            )
        )
    db.session.flush()


def test_a_flush_reads_the_sessions_collections_as_often_whatever_its_size(
    app: Flask, reads: list[str]
) -> None:
    with app.app_context():
        _flush(5)
        small = len(reads)
        reads.clear()
        _flush(200)
        large = len(reads)
        db.session.rollback()
    assert small > 0, "the spy saw no read: the hooks no longer run"
    assert large == small


def test_flushed_rows_tells_new_changed_and_deleted_rows_and_skips_unchanged_ones(
    app: Flask,
) -> None:
    with app.app_context():
        kept, changed, gone = (
            Institution(name=f"Institution {n}", slug=f"institution-{n}", **PLACE) for n in range(3)
        )
        db.session.add_all([kept, changed, gone])
        db.session.commit()
        names = (kept.name, changed.name, gone.name)  # loaded now, not by an autoflush later
        with db.session.no_autoflush:
            db.session.add(Institution(name="Institution new", slug="institution-new", **PLACE))
            kept.name = names[0]  # assigned, not changed
            changed.name = "Institution renamed"
            db.session.delete(gone)
            found = {
                row.slug: (is_new, deleted) for row, is_new, deleted in flushed_rows(db.session)
            }
        db.session.rollback()
    assert found == {
        "institution-new": (True, False),
        "institution-1": (False, False),
        "institution-2": (False, True),
    }
