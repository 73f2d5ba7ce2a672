"""Languages: each account's and each invitation's language (en, fi, sv; none follows the
browser).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("users", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))
            batch.create_check_constraint(
                batch.f(f"ck_{table}_language"),
                "language IS NULL OR language IN ('en', 'fi', 'sv')",
            )


def downgrade():
    for table in ("users", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(batch.f(f"ck_{table}_language"), type_="check")
            batch.drop_column("language")
