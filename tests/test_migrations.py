"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.core.extensions import db
from app.core.schema import include_object


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def test_empty_database_upgraded_to_head_matches_the_models(app):
    # The session fixture upgraded an empty database with the project's migrations.
    assert _differences() == []


def test_full_text_objects_exist_for_the_dialect(app):
    inspector = inspect(db.engine)
    if db.engine.dialect.name == "sqlite":
        assert "practices_fts" in inspector.get_table_names()
    else:
        assert "ix_practices_search" in {ix["name"] for ix in inspector.get_indexes("practices")}
        assert "search_vector" in {c["name"] for c in inspector.get_columns("practices")}


def test_downgrade_to_base_then_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _differences() == []
