"""The planner: plans, their activities, checklists, proposed indicators, status changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('goals_text', sa.Text(), nullable=False),
    sa.Column('goals', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('feed_token', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'active', 'closed')", name=op.f('ck_plans_status')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_plans_period')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_plans_institution_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_plans_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('feed_token', name=op.f('uq_plans_feed_token'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_institution_id'), ['institution_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=10), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('recurrence', sa.String(length=200), nullable=True),
    sa.Column('budget_planned', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('budget_actual', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('effort_planned', sa.Numeric(precision=8, scale=1), nullable=False),
    sa.Column('effort_actual', sa.Numeric(precision=8, scale=1), nullable=True),
    sa.Column('guidance', sa.JSON(), nullable=False),
    sa.Column('target_groups', sa.JSON(), nullable=False),
    sa.Column('mobility_stages', sa.JSON(), nullable=False),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('other_actors', sa.JSON(), nullable=False),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('evaluation', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("format IN ('on-site', 'online', 'hybrid')", name=op.f('ck_activities_format')),
    sa.CheckConstraint("phase IS NULL OR phase IN ('setup', 'delivery')", name=op.f('ck_activities_phase')),
    sa.CheckConstraint("status IN ('idea', 'planned', 'in_progress', 'done', 'cancelled')", name=op.f('ck_activities_status')),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_activities_dates')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_activities_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_activities_practice_id_practices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_start_date'), ['start_date'], unique=False)

    op.create_table('activity_checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_checklist_items_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_checklist_items'))
    )
    with op.batch_alter_table('activity_checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_checklist_items_activity_id'), ['activity_id'], unique=False)

    op.create_table('activity_proposed_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_proposed_indicators_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_proposed_indicators'))
    )
    with op.batch_alter_table('activity_proposed_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_proposed_indicators_activity_id'), ['activity_id'], unique=False)

    op.create_table('activity_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_status_changes_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_status_changes'))
    )
    with op.batch_alter_table('activity_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_status_changes_activity_id'), ['activity_id'], unique=False)



def downgrade():
    with op.batch_alter_table('activity_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_status_changes_activity_id'))

    op.drop_table('activity_status_changes')
    with op.batch_alter_table('activity_proposed_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_proposed_indicators_activity_id'))

    op.drop_table('activity_proposed_indicators')
    with op.batch_alter_table('activity_checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_checklist_items_activity_id'))

    op.drop_table('activity_checklist_items')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_start_date'))
        batch_op.drop_index(batch_op.f('ix_activities_practice_id'))
        batch_op.drop_index(batch_op.f('ix_activities_plan_id'))

    op.drop_table('activities')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_institution_id'))

    op.drop_table('plans')
