"""Individual staff training visits: units that accept visits and their contacts, the
visitors' requests, the days they attended and their feedback.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visit_units",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("accepts_visits", sa.Boolean(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("months", sa.JSON(), nullable=False),
    )
    op.create_index("ix_visit_units_unit_id", "visit_units", ["unit_id"], unique=True)
    op.create_table(
        "visit_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "visit_unit_id",
            sa.Integer(),
            sa.ForeignKey("visit_units.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.UniqueConstraint("visit_unit_id", "user_id"),
    )
    op.create_index("ix_visit_contacts_visit_unit_id", "visit_contacts", ["visit_unit_id"])
    op.create_index("ix_visit_contacts_user_id", "visit_contacts", ["user_id"])
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "institution_id",
            sa.Integer(),
            sa.ForeignKey("institutions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "suggested_unit_id",
            sa.Integer(),
            sa.ForeignKey("units.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("home_institution", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("preferred_start", sa.Date(), nullable=False),
        sa.Column("preferred_end", sa.Date(), nullable=False),
        sa.Column("call_first", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False, unique=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposed_start", sa.Date(), nullable=True),
        sa.Column("proposed_end", sa.Date(), nullable=True),
        sa.Column("host_note", sa.Text(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("programme", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("preferred_end >= preferred_start", name="preferred"),
        sa.CheckConstraint(
            "proposed_start IS NULL OR proposed_end >= proposed_start", name="proposed"
        ),
    )
    for column in ("institution_id", "suggested_unit_id", "unit_id", "state"):
        op.create_index(f"ix_visit_requests_{column}", "visit_requests", [column])
    op.create_table(
        "visit_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("visit_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("marked_by", sa.String(length=254), nullable=False),
        sa.UniqueConstraint("request_id", "day"),
    )
    op.create_index("ix_visit_days_request_id", "visit_days", ["request_id"])
    op.create_table(
        "visit_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("visit_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("will_change", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("request_id"),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name="visit_overall"),
    )


def downgrade():
    op.drop_table("visit_feedback")
    op.drop_index("ix_visit_days_request_id", table_name="visit_days")
    op.drop_table("visit_days")
    for column in ("institution_id", "suggested_unit_id", "unit_id", "state"):
        op.drop_index(f"ix_visit_requests_{column}", table_name="visit_requests")
    op.drop_table("visit_requests")
    op.drop_index("ix_visit_contacts_user_id", table_name="visit_contacts")
    op.drop_index("ix_visit_contacts_visit_unit_id", table_name="visit_contacts")
    op.drop_table("visit_contacts")
    op.drop_index("ix_visit_units_unit_id", table_name="visit_units")
    op.drop_table("visit_units")
