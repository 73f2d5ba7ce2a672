"""The outbox: the language each email is written in (en, fi, sv), for its Content-Language
header and the outbox page's lang attribute.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))
        batch.create_check_constraint(
            batch.f("ck_outbox_messages_language"),
            "language IS NULL OR language IN ('en', 'fi', 'sv')",
        )


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(batch.f("ck_outbox_messages_language"), type_="check")
        batch.drop_column("language")
