"""An event's own consent text, and the copy of it (with its digest) that each application
keeps of what its applicant agreed to; a track question's text, help and choices in Finnish
and Swedish besides its main language.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("consent_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("consent_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("consent_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("questions") as batch:
        for language in ("fi", "sv"):
            batch.add_column(
                sa.Column(
                    f"prompt_{language}", sa.String(length=500), nullable=False, server_default=""
                )
            )
            batch.add_column(
                sa.Column(f"help_{language}", sa.Text(), nullable=False, server_default="")
            )
            batch.add_column(
                sa.Column(f"choices_{language}", sa.JSON(), nullable=False, server_default="[]")
            )


def downgrade():
    with op.batch_alter_table("questions") as batch:
        for language in ("sv", "fi"):
            batch.drop_column(f"choices_{language}")
            batch.drop_column(f"help_{language}")
            batch.drop_column(f"prompt_{language}")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("consent_digest")
        batch.drop_column("consent_text")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("consent_text")
