"""Indicators: targets per period, recorded values with their history, evidence files, approvals.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=254), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    op.create_table('period_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('approved_by', sa.String(length=254), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reopened_by', sa.String(length=254), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_period_approvals_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_approvals'))
    )
    with op.batch_alter_table('period_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_approvals_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('scale_max', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('aggregation', sa.String(length=8), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('baseline_date', sa.Date(), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("aggregation IN ('sum', 'latest', 'average')", name=op.f('ck_indicators_aggregation')),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f('ck_indicators_direction')),
    sa.CheckConstraint("frequency != 'occurrence' OR activity_id IS NOT NULL", name=op.f('ck_indicators_occurrence_activity')),
    sa.CheckConstraint("frequency IN ('monthly', 'quarterly', 'term', 'yearly', 'occurrence')", name=op.f('ck_indicators_frequency')),
    sa.CheckConstraint("unit IN ('count', 'percent', 'euros', 'score', 'yes-no')", name=op.f('ck_indicators_unit')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_indicators_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_indicators_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicator_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_targets_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_targets')),
    sa.UniqueConstraint('indicator_id', 'period_key', name=op.f('uq_indicator_targets_indicator_id_period_key'))
    )
    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=254), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_files.id'], name=op.f('fk_measurements_evidence_id_evidence_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_measurements_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements')),
    sa.UniqueConstraint('indicator_id', 'period_key', name=op.f('uq_measurements_indicator_id_period_key'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index('ix_measurements_indicator_id_period_end', ['indicator_id', 'period_end'], unique=False)

    op.create_table('measurement_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measurement_id', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('new_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('after_approval', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=254), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['measurement_id'], ['measurements.id'], name=op.f('fk_measurement_changes_measurement_id_measurements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_changes'))
    )
    with op.batch_alter_table('measurement_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_changes_measurement_id'), ['measurement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('measurement_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_changes_measurement_id'))

    op.drop_table('measurement_changes')
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_measurements_indicator_id_period_end')

    op.drop_table('measurements')
    op.drop_table('indicator_targets')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_plan_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_activity_id'))

    op.drop_table('indicators')
    with op.batch_alter_table('period_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_period_approvals_plan_id'))

    op.drop_table('period_approvals')
    op.drop_table('evidence_files')
