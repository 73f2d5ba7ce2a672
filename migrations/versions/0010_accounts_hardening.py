"""Accounts and mail: an outbox delivered after the commit, with status and retries; each
user's key of their personal calendar feed addresses.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Every user gets a key of their own; addresses signed with it replace the plan-wide ones.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("feed_key", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("feed_key", sa.String()))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(feed_key=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("feed_key", existing_type=sa.String(length=64), nullable=False)

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
    with op.batch_alter_table("users") as batch:
        batch.drop_column("feed_key")
