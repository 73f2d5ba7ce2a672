"""Practice catalogue: sheets, their vocabulary terms and indicators, full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEVEL_COLUMNS = (
    "scale_of_change", "setup_cost", "setup_time", "setup_effort",
    "delivery_cost", "delivery_time", "delivery_effort",
)
JSON_COLUMNS = (
    "setup_actors", "setup_partners", "delivery_actors", "delivery_partners", "internal_actors",
    "external_collaborators", "activity_types", "considerations", "challenges", "good_examples",
    "related", "sources",
)

# SQLite: an external-content FTS5 table kept in step by triggers. Porter stemming makes
# "workshops" find "workshop", as PostgreSQL's english configuration does.
# A later batch migration that recreates `practices` drops these triggers: recreate them there.
SQLITE_FULL_TEXT = [
    """CREATE VIRTUAL TABLE practices_fts USING fts5(
        title, summary, search_text,
        content='practices', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER practices_fts_insert AFTER INSERT ON practices BEGIN
        INSERT INTO practices_fts(rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END""",
    """CREATE TRIGGER practices_fts_delete AFTER DELETE ON practices BEGIN
        INSERT INTO practices_fts(practices_fts, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
    END""",
    """CREATE TRIGGER practices_fts_update AFTER UPDATE OF title, summary, search_text
    ON practices BEGIN
        INSERT INTO practices_fts(practices_fts, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
        INSERT INTO practices_fts(rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END""",
]

# PostgreSQL: a stored, weighted tsvector kept by the database itself, and a GIN index on it.
# Stored rather than an expression index: ranking then reads the vector instead of parsing
# every matching sheet's text again (795 ms -> a few ms for 1,200 matches of 10,000 sheets).
POSTGRES_FULL_TEXT = [
    """ALTER TABLE practices ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, summary), 'B')
        || setweight(to_tsvector('english'::regconfig, search_text), 'D')) STORED""",
    "CREATE INDEX ix_practices_search ON practices USING gin (search_vector)",
]


def upgrade():
    op.create_table(
        "practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("delivery_schedule", sa.String(length=40), nullable=False),
        sa.Column("importance", sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in LEVEL_COLUMNS),
        *(sa.Column(name, sa.JSON(), nullable=False) for name in JSON_COLUMNS),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *(
            sa.CheckConstraint(f"{name} BETWEEN 1 AND 3", name=op.f(f"ck_practices_{name}_level"))
            for name in LEVEL_COLUMNS
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
        sa.UniqueConstraint("slug", name=op.f("uq_practices_slug")),
    )
    for column in ("delivery_cost", "delivery_schedule", "importance", "scale_of_change",
                   "setup_cost", "withdrawn_at"):
        op.create_index(op.f(f"ix_practices_{column}"), "practices", [column])

    op.create_table(
        "practice_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.CheckConstraint("phase IN ('setup', 'delivery')",
                           name=op.f("ck_practice_indicators_phase")),
        sa.ForeignKeyConstraint(["practice_id"], ["practices.id"],
                                name=op.f("fk_practice_indicators_practice_id_practices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_indicators")),
    )
    op.create_index(op.f("ix_practice_indicators_practice_id"), "practice_indicators",
                    ["practice_id"])

    op.create_table(
        "practice_terms",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("vocabulary", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["practice_id"], ["practices.id"],
                                name=op.f("fk_practice_terms_practice_id_practices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("practice_id", "vocabulary", "key", name=op.f("pk_practice_terms")),
    )
    # Covers the facet filters and counts: (vocabulary, key) -> practice ids, index only.
    op.create_index("ix_practice_terms_vocabulary_key", "practice_terms",
                    ["vocabulary", "key", "practice_id"])

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_FULL_TEXT, "postgresql": POSTGRES_FULL_TEXT}.get(dialect, []):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS practices_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS practices_fts")
    op.drop_table("practice_terms")
    op.drop_table("practice_indicators")
    op.drop_table("practices")
