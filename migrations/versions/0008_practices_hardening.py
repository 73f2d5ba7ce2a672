"""Practices: stored rendered bodies, ratings marked as estimates, membership dates to a year.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Plain add/drop column (not batch mode): SQLite alters these in place, whereas recreating
`practices` would drop its full-text triggers (see 0001).
"""

import sqlalchemy as sa
from alembic import op

from app.core.markdown import render_markdown

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("practices", sa.Column("body_html", sa.Text(), nullable=True))
    op.add_column(
        "practices",
        sa.Column("estimated", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "network_memberships",
        sa.Column("since_precision", sa.String(length=5), nullable=False, server_default="day"),
    )
    # Render the bodies of existing sheets once here, so that no page view has to.
    practices = sa.table(
        "practices",
        sa.column("id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("body_html", sa.Text),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(practices.c.id, practices.c.body)).all():
        connection.execute(
            practices.update()
            .where(practices.c.id == row.id)
            .values(body_html=str(render_markdown(row.body or "")))
        )


def downgrade():
    op.drop_column("network_memberships", "since_precision")
    op.drop_column("practices", "estimated")
    op.drop_column("practices", "body_html")
