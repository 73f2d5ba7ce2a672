"""Sheet translations: each practice sheet's prose in Finnish and Swedish, with full-text search
in each language.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table kept in step by triggers, as for the English sheets
# (0001). FTS5 has no Finnish or Swedish stemmer (porter is English only and would mangle
# them), so words are matched whole, case and diacritics aside. Named with the prefix that
# app/core/schema.py tells the model comparison to skip.
SQLITE_FULL_TEXT = [
    """CREATE VIRTUAL TABLE practices_fts_translations USING fts5(
        title, summary, search_text,
        content='practice_translations', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER practices_fts_translations_insert AFTER INSERT ON practice_translations
    BEGIN
        INSERT INTO practices_fts_translations(rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END""",
    """CREATE TRIGGER practices_fts_translations_delete AFTER DELETE ON practice_translations
    BEGIN
        INSERT INTO practices_fts_translations(
            practices_fts_translations, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
    END""",
    """CREATE TRIGGER practices_fts_translations_update
    AFTER UPDATE OF title, summary, search_text ON practice_translations BEGIN
        INSERT INTO practices_fts_translations(
            practices_fts_translations, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
        INSERT INTO practices_fts_translations(rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END""",
]

# PostgreSQL: a stored, weighted tsvector in the translation's own language (Snowball's finnish
# and swedish stemmers), and a GIN index on it, as practices.search_vector is in English.
_CONFIG = "CASE language WHEN 'fi' THEN 'finnish'::regconfig ELSE 'swedish'::regconfig END"
POSTGRES_FULL_TEXT = [
    f"""ALTER TABLE practice_translations ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector({_CONFIG}, title), 'A')
        || setweight(to_tsvector({_CONFIG}, summary), 'B')
        || setweight(to_tsvector({_CONFIG}, search_text), 'D')) STORED""",
    "CREATE INDEX ix_practice_translations_search ON practice_translations "
    "USING gin (search_vector)",
]


def upgrade():
    op.create_table(
        "practice_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("sheet", sa.JSON(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "language IN ('fi', 'sv')", name=op.f("ck_practice_translations_language")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_translations_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_translations")),
        sa.UniqueConstraint(
            "practice_id", "language", name=op.f("uq_practice_translations_practice_id_language")
        ),
    )
    op.create_index(
        op.f("ix_practice_translations_practice_id"),
        "practice_translations",
        ["practice_id"],
        unique=False,
    )
    statements = (
        POSTGRES_FULL_TEXT if op.get_context().dialect.name == "postgresql" else SQLITE_FULL_TEXT
    )
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_context().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS practices_fts_translations_{trigger}")
        op.execute("DROP TABLE IF EXISTS practices_fts_translations")
    op.drop_index(op.f("ix_practice_translations_practice_id"), table_name="practice_translations")
    op.drop_table("practice_translations")
