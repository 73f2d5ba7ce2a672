"""Fixtures of the indicator tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh
from sqlalchemy import delete

from app.core.extensions import db
from app.indicators.models import EvidenceFile, Indicator, PeriodApproval
from app.planner.models import Activity, ProposedIndicator
from tests.catalogues import catalogue_path


@pytest.fixture
def setup(client, two_institutions):
    """Plan A of the two-institution fixture, with an activity proposing an indicator."""
    people, ids = two_institutions
    # Start without the fixture's own indicator, value and approval (the access matrix's).
    for model in (Indicator, PeriodApproval, EvidenceFile):
        db.session.execute(delete(model))
    activity = db.session.get(Activity, ids["activity"])
    activity.start_date = date(2027, 3, 1)
    activity.indicators = [ProposedIndicator(name="Participants", unit="count", direction="higher")]
    db.session.commit()
    return people, ids


def catalogue_of(language: str) -> Catalog:
    """Return the catalogue the indicator pages' translations are in: the part file while it
    exists, else the merged catalogue of the language."""
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language)


@pytest.fixture
def catalogues(app, tmp_path) -> Iterator[dict[str, Catalog]]:
    """Answer the app's requests in Finnish and Swedish from the indicator pages' catalogues,
    compiled into a temporary directory (read after the app's own, so they win)."""
    found = {}
    for language in ("fi", "sv"):
        catalogue = catalogue_of(language)
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.mo").open("wb") as target:
            write_mo(target, catalogue)
        found[language] = catalogue
    settings = app.extensions["babel"]
    settings.translation_directories = [*settings.translation_directories, str(tmp_path)]
    # Flask-Babel keeps the translations it loaded in its one extension object, shared by
    # every app of the process: forget them, so these directories are read (and after the
    # test, so others never see them).
    loaded = settings.instance.domain_instance.cache
    loaded.clear()
    # The suite keeps one app context across a test's requests, and Flask-Babel keeps the
    # locale it chose in that context's g: each request chooses its own again.
    app.before_request_funcs.setdefault(None, []).insert(0, refresh)
    yield found
    loaded.clear()
