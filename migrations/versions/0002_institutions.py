"""Institutions with their units, network memberships and strategic partners; networks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source_digest', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutions')),
    sa.UniqueConstraint('slug', name=op.f('uq_institutions_slug'))
    )
    op.create_table('networks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('source_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['networks.id'], name=op.f('fk_networks_parent_id_networks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_networks')),
    sa.UniqueConstraint('slug', name=op.f('uq_networks_slug'))
    )
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_networks_parent_id'), ['parent_id'], unique=False)

    op.create_table('network_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_network_memberships_institution_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_network_memberships_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_memberships')),
    sa.UniqueConstraint('institution_id', 'network_id', name=op.f('uq_network_memberships_institution_id_network_id'))
    )
    with op.batch_alter_table('network_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_memberships_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_memberships_network_id'), ['network_id'], unique=False)

    op.create_table('strategic_partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('partner_name', sa.String(length=200), nullable=False),
    sa.Column('partner_country', sa.String(length=100), nullable=False),
    sa.Column('priority_areas', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_strategic_partnerships_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategic_partnerships')),
    sa.UniqueConstraint('institution_id', 'partner_name', name=op.f('uq_strategic_partnerships_institution_id_partner_name'))
    )
    with op.batch_alter_table('strategic_partnerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_strategic_partnerships_institution_id'), ['institution_id'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_units_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('institution_id', 'name', name=op.f('uq_units_institution_id_name'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_institution_id'), ['institution_id'], unique=False)



def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_institution_id'))

    op.drop_table('units')
    with op.batch_alter_table('strategic_partnerships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strategic_partnerships_institution_id'))

    op.drop_table('strategic_partnerships')
    with op.batch_alter_table('network_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_memberships_network_id'))
        batch_op.drop_index(batch_op.f('ix_network_memberships_institution_id'))

    op.drop_table('network_memberships')
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_networks_parent_id'))

    op.drop_table('networks')
    op.drop_table('institutions')
