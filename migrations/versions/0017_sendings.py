"""Sending staff to another institution's event: the sendings (a plan's activity linked to the
event it sends to, with its budget guidance), and the applicant's consent that their home
institution's plan counts their records.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sendings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "plan_id", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "activity_id",
            sa.Integer(),
            sa.ForeignKey("activities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("travel_per_person", sa.Numeric(10, 2), nullable=True),
        sa.Column("subsistence_per_day", sa.Numeric(10, 2), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("plan_id", "event_id", name="uq_sendings_plan_event"),
        sa.UniqueConstraint("activity_id", name="uq_sendings_activity_id"),
        sa.CheckConstraint("people >= 1 AND people <= 50", name="ck_sendings_people"),
    )
    op.create_index("ix_sendings_plan_id", "sendings", ["plan_id"])
    op.create_index("ix_sendings_event_id", "sendings", ["event_id"])
    with op.batch_alter_table("applications") as batch:
        batch.add_column(
            sa.Column("plan_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("plan_consent")
    op.drop_index("ix_sendings_event_id", table_name="sendings")
    op.drop_index("ix_sendings_plan_id", table_name="sendings")
    op.drop_table("sendings")
