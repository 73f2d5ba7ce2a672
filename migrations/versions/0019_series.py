"""Series of co-hosted events: the series with its call template, its members in the order
the hosting rotates among them, its shared tracks; and on events, the series an edition
belongs to and whether it is centralised.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("cadence", sa.String(length=20), nullable=False),
        sa.Column("central_place", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cadence IN ('twice_a_year', 'yearly')", name=op.f("ck_series_cadence")),
        sa.CheckConstraint(
            "format IN ('on-site', 'online', 'hybrid')", name=op.f("ck_series_format")
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["institutions.id"],
            name=op.f("fk_series_coordinator_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_series_network_id_networks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    with op.batch_alter_table("series") as batch:
        batch.create_index(batch.f("ix_series_coordinator_id"), ["coordinator_id"])
        batch.create_index(batch.f("ix_series_network_id"), ["network_id"])
    op.create_table(
        "series_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_members_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_series_members_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_members")),
        sa.UniqueConstraint(
            "series_id", "institution_id", name=op.f("uq_series_members_series_id_institution_id")
        ),
    )
    with op.batch_alter_table("series_members") as batch:
        batch.create_index(batch.f("ix_series_members_series_id"), ["series_id"])
        batch.create_index(batch.f("ix_series_members_institution_id"), ["institution_id"])
    op.create_table(
        "series_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target_group", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity BETWEEN 1 AND 1000", name=op.f("ck_series_tracks_capacity")),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_tracks_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_tracks")),
    )
    with op.batch_alter_table("series_tracks") as batch:
        batch.create_index(batch.f("ix_series_tracks_series_id"), ["series_id"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("centralised", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index(batch.f("ix_events_series_id"), ["series_id"])
        batch.create_foreign_key(
            batch.f("fk_events_series_id_series"),
            "series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(batch.f("fk_events_series_id_series"), type_="foreignkey")
        batch.drop_index(batch.f("ix_events_series_id"))
        batch.drop_column("centralised")
        batch.drop_column("series_id")
    op.drop_table("series_tracks")
    op.drop_table("series_members")
    op.drop_table("series")
