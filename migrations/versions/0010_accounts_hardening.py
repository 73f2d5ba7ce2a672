"""Accounts and mail: an outbox delivered after the commit, with status and retries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Existing messages were sent (or kept) when they were written: they are done.
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="other")
        )
        batch.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="sent")
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox_messages SET sent_at = created_at")
    # The models give the values from now on; the server defaults were for the rows above.
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("kind", server_default=None)
        batch.alter_column("status", server_default=None)
        batch.alter_column("attempts", server_default=None)
        batch.create_index(batch.f("ix_outbox_messages_status"), ["status"], unique=False)
        batch.create_check_constraint(
            batch.f("ck_outbox_messages_delivery"), "delivery IN ('smtp', 'outbox')"
        )
        batch.create_check_constraint(
            batch.f("ck_outbox_messages_status"), "status IN ('pending', 'sent', 'failed')"
        )
        batch.create_check_constraint(
            batch.f("ck_outbox_messages_kind"), "kind IN ('other', 'password-reset', 'invitation')"
        )


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(batch.f("ck_outbox_messages_kind"), type_="check")
        batch.drop_constraint(batch.f("ck_outbox_messages_status"), type_="check")
        batch.drop_constraint(batch.f("ck_outbox_messages_delivery"), type_="check")
        batch.drop_index(batch.f("ix_outbox_messages_status"))
        batch.drop_column("sent_at")
        batch.drop_column("last_error")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("status")
        batch.drop_column("kind")
