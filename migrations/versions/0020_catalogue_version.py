"""The catalogue's version: one row that every change to the catalogue's pages changes, so
that pages cached by any worker are known to be stale at once.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # No row yet: the first write to the catalogue makes it (app/practices/version.py), so
    # that a new database stays empty for a backup to be restored into.
    op.create_table(
        "catalogue_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalogue_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_state")),
    )


def downgrade():
    op.drop_table("catalogue_state")
