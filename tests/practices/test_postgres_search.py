"""PostgreSQL's full-text search: the stored vector stays in step and the GIN index serves it."""

from __future__ import annotations

from sqlalchemy import text

from app.core.extensions import db
from tests.conftest import postgres_only


def test_search_vector_follows_edits(app, make_practice):
    postgres_only(app)
    practice = make_practice(title="Mentoring circles")
    vector = db.session.scalar(text("SELECT search_vector::text FROM practices"))
    assert "'mentor':1A" in vector
    practice.title = "Buddy programme"
    db.session.commit()
    vector = db.session.scalar(text("SELECT search_vector::text FROM practices"))
    assert "'buddi':1A" in vector and "mentor" not in vector


def test_search_can_use_the_gin_index(app, make_practice):
    postgres_only(app)
    make_practice()
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            connection.scalars(
                text(
                    "EXPLAIN SELECT id FROM practices WHERE search_vector @@ "
                    "plainto_tsquery('english'::regconfig, 'job shadowing')"
                )
            )
        )
    assert "ix_practices_search" in plan
