"""Events: when the preparatory meeting last changed after its invitations went out, and the
iCalendar SEQUENCE of its invitation, so that a moved or cancelled meeting is mailed again;
the status the event last gave its plan activity (planned, in progress, done, cancelled); and
when those who applied were told that the event is cancelled.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("meeting_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("meeting_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("activity_followed", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("cancel_noticed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("events") as batch:
        batch.drop_column("cancel_noticed_at")
        batch.drop_column("activity_followed")
        batch.drop_column("meeting_sequence")
        batch.drop_column("meeting_changed_at")
