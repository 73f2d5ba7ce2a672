"""Migration 0008 renders the bodies of the sheets already stored, so that no view has to."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.core.extensions import db
from app.practices.models import Practice


def test_upgrading_to_0008_stores_the_rendered_body_of_existing_sheets(app, make_practice):
    make_practice(body="Some **old** body.")
    db.session.remove()
    downgrade(revision="0007")  # as before this work: no stored HTML
    upgrade()
    assert (
        db.session.scalar(select(Practice.body_html)) == "<p>Some <strong>old</strong> body.</p>\n"
    )
    assert db.session.scalar(select(Practice.estimated)) == []
