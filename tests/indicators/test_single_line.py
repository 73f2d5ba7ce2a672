"""The indicators' one-line fields (a name, a reason to reopen) refuse control characters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.indicators.models import Indicator, PeriodApproval
from tests.conftest import login

BAD = ["Two\nlines", "CR\r\nLF", "Nul\x00here", "Tab\there", "Bell\x07"]


@pytest.mark.parametrize("bad", BAD)
def test_an_indicator_name_and_a_reopening_reason_are_one_line(client, two_institutions, bad):
    people, ids = two_institutions
    login(client, people["planner"].email)
    before = db.session.scalar(select(func.count()).select_from(Indicator))
    response = client.post(
        f"/plans/{ids['plan']}/indicators/new",
        data={
            "name": f"Partners {bad}",
            "unit": "count",
            "direction": "higher",
            "aggregation": "sum",
            "frequency": "quarterly",
        },
    )
    assert response.status_code == 400
    assert "single line" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == before
    client.post("/logout")
    login(client, people["manager"].email)
    approval = db.session.get(PeriodApproval, ids["approval"])
    client.post(
        f"/plans/{ids['plan']}/approvals/{approval.id}/reopen", data={"reason": f"Late {bad}"}
    )
    db.session.expire_all()
    assert db.session.get(PeriodApproval, ids["approval"]).open
