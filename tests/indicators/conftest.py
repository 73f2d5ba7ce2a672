"""Fixtures of the indicator tests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from app.core.extensions import db
from app.indicators.models import EvidenceFile, Indicator, PeriodApproval
from app.planner.models import Activity, ProposedIndicator


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
