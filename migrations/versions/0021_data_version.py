"""The data version: one row that every transaction writing what pages show bumps, so that
signed-in pages cached by any worker are known to be stale at once.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    # No row yet: the first write makes it (app/core/data_version.py), so that a new
    # database stays empty for a backup to be restored into.
    op.create_table(
        "data_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_data_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_state")),
    )


def downgrade():
    op.drop_table("data_state")
