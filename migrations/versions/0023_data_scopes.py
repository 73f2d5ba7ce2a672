"""Scoped data versions: a plan's pages are renewed by writes of that plan, not of every one.

`data_state.unscoped` counts the writing transactions that are not confined to scopes, and
`data_scopes` holds each scope's own version (app/core/data_version.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_state") as batch:
        batch.add_column(sa.Column("unscoped", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "data_scopes",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_data_scopes")),
    )


def downgrade():
    op.drop_table("data_scopes")
    with op.batch_alter_table("data_state") as batch:
        batch.drop_column("unscoped")
