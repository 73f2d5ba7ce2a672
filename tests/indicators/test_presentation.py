"""Numbers, money, yes/no and people as people read them on every indicator page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from app.core.extensions import db
from app.indicators.models import Indicator, Measurement, MeasurementChange, PeriodApproval
from app.planner.models import Activity
from tests.indicators.test_views import _as


@pytest.fixture
def world(client, two_institutions, monkeypatch):
    """Plan A with big numbers, money and a yes/no indicator, approved by a named manager."""
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = two_institutions
    people["manager"].name = "Maria Manager"
    people["planner"].name = "Pekka Planner"
    activity = db.session.get(Activity, ids["activity"])
    activity.budget_planned, activity.budget_actual = D(25000), D("12345.5")
    activity.effort_planned = D(40201)
    count = db.session.get(Indicator, ids["indicator"])
    count.target_value, count.baseline_value = D(40201), D(1500)
    count.measurements[0].value = D(12345)
    count.measurements[0].recorded_by = people["planner"].email
    count.measurements[0].changes = [
        MeasurementChange(new_value=D(12345), changed_by=people["planner"].email)
    ]
    plan = count.plan
    money = Indicator(plan=plan, name="Grants", unit="euros", frequency="yearly")
    money.target_value = D(25000)
    yes = Indicator(plan=plan, name="Page published", unit="yes-no", aggregation="latest")
    yes.baseline_value, yes.target_value = D(0), D(1)
    db.session.add_all([money, yes])
    db.session.flush()
    db.session.add(
        Measurement(
            indicator=yes,
            period_key="2027-Q1",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 3, 31),
            value=D(1),
        )
    )
    db.session.add(
        PeriodApproval(
            plan=plan,
            period_key="2027-Q1",
            window_start=date(2027, 1, 1),
            window_end=date(2027, 3, 31),
            approved_by=people["manager"].email,
        )
    )
    db.session.commit()
    _as(client, people, "manager")
    return ids, yes


def _text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _no_raw_numbers(page: str) -> None:
    # Neither 2-decimal machine numbers of four digits or more nor 0.00/1.00 for yes/no.
    body = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)
    body = re.sub(r'value="[^"]*"', "", body)  # form fields keep what is typed
    assert not re.search(r"\b\d{4,}\.\d\d?\b", body), re.search(r"\b\d{4,}\.\d\d?\b", body)
    assert not re.search(r">\s*[01]\.00\s*<", body)


def test_indicator_pages_show_separators_money_and_yes_no(client, world):
    ids, yes = world
    plan = ids["plan"]
    listing = _text(client, f"/plans/{plan}/indicators")
    assert "40,201" in listing and "12,345" in listing and "1,500" in listing
    assert "€25,000.00" in listing
    assert re.search(r"<td>No</td>\s*<td>Yes</td>\s*<td>Yes</td>", listing)
    detail = _text(client, f"/plans/{plan}/indicators/{ids['indicator']}")
    assert "40,201" in detail and "Pekka Planner" in detail
    yes_detail = _text(client, f"/plans/{plan}/indicators/{yes.id}")
    assert '"ticktext": ["No", "Yes"]' in yes_detail
    report = _text(client, f"/plans/{plan}/report")
    assert "€25,000.00 / €12,345.50" in report and "40,201.0" in report
    overview = _text(client, f"/institutions/{ids['slug']}/overview")
    assert "€25,000.00 / €12,345.50" in overview and "40,201.0 /" in overview
    dashboard = _text(client, f"/plans/{plan}/dashboard")
    assert "€25,000.00" in dashboard  # the budget chart's table
    for page in (listing, detail, yes_detail, report, overview, dashboard):
        _no_raw_numbers(page)


def test_approvals_and_values_name_people_not_addresses(client, world):
    ids, _ = world
    page = _text(client, f"/plans/{ids['plan']}/values?window=2027-Q1")
    assert "Approved and locked</strong> by Maria Manager" in page
    assert "Approved by Maria Manager" in page
    assert "manager@a.example" not in page.split("<main")[-1].split("</main>")[0]
    assert ">Yes<" in page and ">12,345<" in page


def test_downloads_keep_plain_machine_numbers(client, world):
    ids, _ = world
    budget = client.get(f"/plans/{ids['plan']}/dashboard/budget.csv").get_data(as_text=True)
    assert "25000.0,12345.5" in budget and "€" not in budget.splitlines()[1]
    values = client.get(f"/plans/{ids['plan']}/indicators/{ids['indicator']}/values.csv")
    assert "2027-03-31,12345.0" in values.get_data(as_text=True)


def test_person_days_read_with_one_decimal_in_every_table_of_dashboard_report_and_overview(
    client, world
):
    ids, _ = world
    plan = ids["plan"]
    for url in (
        f"/plans/{plan}/dashboard",
        f"/plans/{plan}/report",
        f"/institutions/{ids['slug']}/overview",
    ):
        page = _text(client, url)
        # The person-days chart's table, as the totals table shows them: "40,201.0".
        table = page.split('id="effort', 1)[1].split("</table>", 1)[0]
        cells = re.findall(r"<td>([^<]*)</td>", table)
        assert "40,201.0" in cells, (url, cells)
        assert all(re.fullmatch(r"[\d,]+\.\d", cell) for cell in cells), (url, cells)
        assert ":,.1f} person-days" in page  # and so do the hover labels
