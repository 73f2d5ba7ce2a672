"""Practice revisions (who saved what, when), and a version number on each sheet.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_email', sa.String(length=254), nullable=False),
    sa.Column('changed_fields', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_practice_revisions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_revisions_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_revisions')),
    sa.UniqueConstraint('practice_id', 'number', name=op.f('uq_practice_revisions_practice_id_number'))
    )
    with op.batch_alter_table('practice_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_revisions_practice_id'), ['practice_id'], unique=False)

    # A plain ADD COLUMN, not a batch: on SQLite a batch recreates the table and would drop
    # the full-text triggers of 0001. Existing sheets start at version 1.
    op.add_column('practices', sa.Column('version', sa.Integer(), nullable=False, server_default='1'))



def downgrade():
    op.drop_column('practices', 'version')

    with op.batch_alter_table('practice_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_revisions_practice_id'))

    op.drop_table('practice_revisions')
