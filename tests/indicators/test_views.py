"""Indicator pages: definitions, values by period, approvals, imports, charts and downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.indicators import views
from app.indicators.models import (
    Indicator,
    Measurement,
    MeasurementChange,
    PeriodApproval,
)
from app.planner.models import Activity, ProposedIndicator
from tests.conftest import login


@pytest.fixture(autouse=True)
def mid_2027(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))


def _as(client, people, who):
    client.post("/logout")
    login(client, people[who].email)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# The values page's cells, as these tests name them (value-<indicator>-<period key>).
CELLS = {
    "value": "value",
    "note": "note",
    "url": "evidence_url",
    "file": "evidence",
    "version": "version",
    "shown": "shown",
}
CELL_NAME = re.compile(r"(value|note|url|file|version|shown)-(\d+)-(.+)")


def _grid(fields: dict) -> dict:
    """Write the values page's fields as the page names them: a row entry for each indicator
    and period (rows-<n>-indicator, rows-<n>-period, rows-<n>-value, ...)."""
    rows: dict[tuple[str, str], int] = {}
    data = {}
    for name, value in fields.items():
        found = CELL_NAME.fullmatch(name)
        if found is None:
            data[name] = value
            continue
        cell, indicator, period = found.groups()
        n = rows.setdefault((indicator, period), len(rows))
        data |= {f"rows-{n}-indicator": indicator, f"rows-{n}-period": period}
        data[f"rows-{n}-{CELLS[cell]}"] = value
    return data


def _rows_shown(page: str) -> list[tuple[str, str]]:
    """Return the (indicator id, period key) of every row of the values page with fields."""
    found = dict(
        re.findall(r'name="(rows-\d+-(?:indicator|period))" type="hidden" value="([^"]*)"', page)
    )
    return [
        (found[name], found[name.replace("-indicator", "-period")])
        for name in found
        if name.endswith("-indicator")
    ]


def _targets(**by_period: str) -> dict[str, str]:
    """The indicator editor's target fields: one entry per period, keyed by the period."""
    fields = {}
    for n, (key, value) in enumerate(by_period.items()):
        fields |= {f"period_targets-{n}-period": key, f"period_targets-{n}-value": value}
    return fields


def _plan_indicator(client, ids, **overrides) -> Indicator:
    data = {
        "name": "Partner institutions represented",
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "frequency": "quarterly",
        "target_value": "20",
        "baseline_value": "0",
        **overrides,
    }
    response = client.post(f"/plans/{ids['plan']}/indicators/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalars(select(Indicator).order_by(Indicator.id.desc())).first()


def test_a_planner_accepts_a_proposed_indicator(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    page = client.get(f"/plans/{ids['plan']}/indicators").get_data(as_text=True)
    assert "Proposed by the practice sheets" in page and "Participants" in page
    proposed = db.session.scalar(select(ProposedIndicator))
    response = client.post(f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/accept")
    indicator = db.session.scalar(select(Indicator))
    assert response.headers["Location"].endswith(f"/indicators/{indicator.id}/edit")
    assert (indicator.frequency, indicator.aggregation) == ("occurrence", "sum")
    assert _count(ProposedIndicator) == 0


def test_per_occurrence_needs_an_activity(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    response = client.post(
        f"/plans/{ids['plan']}/indicators/new",
        data={
            "name": "X",
            "unit": "count",
            "direction": "higher",
            "aggregation": "sum",
            "frequency": "occurrence",
        },
    )
    assert response.status_code == 400
    assert "Per occurrence needs an activity" in response.get_data(as_text=True)
    assert _count(Indicator) == 0


def test_targets_per_period_are_saved_and_bad_ones_are_named(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    url = f"/plans/{ids['plan']}/indicators/{indicator.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<th scope="row"><label for="period_targets-0-value">Q1 2027</label></th>' in page
    assert 'name="period_targets-3-period" type="hidden" value="2027-Q4"' in page
    base = {
        "name": indicator.name,
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "frequency": "quarterly",
        "target_value": "20",
    }
    bad = client.post(
        url, data={**base, "version": "1", **_targets(**{"2027-Q1": "five", "2027-Q2": "5"})}
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "&#39;five&#39; is not a number" in text and 'value="5"' in text
    good = client.post(
        url, data={**base, "version": "1", **_targets(**{"2027-Q1": "5", "2027-Q2": "5,5"})}
    )
    assert good.status_code == 302
    db.session.expire_all()
    saved = {t.period_key: t.value for t in db.session.get(Indicator, indicator.id).targets}
    assert saved == {"2027-Q1": D(5), "2027-Q2": D("5.5")}
    stale = client.post(url, data={**base, "version": "1"})
    assert stale.status_code == 409


def test_baselines_and_targets_fit_the_unit_as_values_do(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    base = {
        "name": "Share of staff trained",
        "unit": "percent",
        "direction": "higher",
        "aggregation": "latest",
        "frequency": "quarterly",
    }
    url = f"/plans/{ids['plan']}/indicators/new"
    too_high = client.post(url, data={**base, "target_value": "180", "baseline_value": "-5"})
    assert too_high.status_code == 400
    assert too_high.get_data(as_text=True).count("A percentage is between 0 and 100.") == 2
    assert _count(Indicator) == 0
    indicator = _plan_indicator(client, ids, **base, target_value="80", baseline_value="20")
    edit = client.post(
        f"/plans/{ids['plan']}/indicators/{indicator.id}/edit",
        data={**base, "target_value": "80", "version": "1", **_targets(**{"2027-Q2": "150"})},
    )
    assert edit.status_code == 400
    assert "A percentage is between 0 and 100." in edit.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Indicator, indicator.id).targets == []


def test_values_of_a_quarter_are_recorded_on_one_page(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    monthly = _plan_indicator(client, ids, name="Newsletters", frequency="monthly")
    url = f"/plans/{ids['plan']}/values?window=2027-Q1"
    page = client.get(url).get_data(as_text=True)
    assert [i for i, _ in _rows_shown(page)].count(str(monthly.id)) == 3
    response = client.post(
        url,
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"note-{indicator.id}-2027-Q1": "Two from Tartu",
                f"value-{monthly.id}-2027-01": "1",
            }
        ),
    )
    assert response.status_code == 302
    values = {
        (m.indicator_id, m.period_key): m.value for m in db.session.scalars(select(Measurement))
    }
    assert values == {(indicator.id, "2027-Q1"): D(4), (monthly.id, "2027-01"): D(1)}


def test_bad_values_save_nothing_and_keep_what_was_typed(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    share = _plan_indicator(
        client, ids, name="Share satisfied", unit="percent", aggregation="latest"
    )
    response = client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"value-{share.id}-2027-Q1": "140",
                f"url-{indicator.id}-2027-Q1": "javascript:alert(1)",
            }
        ),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "A percentage is between 0 and 100." in text
    assert 'value="140"' in text
    assert "starting with https://" in text
    assert _count(Measurement) == 0


def test_approval_locks_values_until_a_manager_reopens(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    field = f"value-{indicator.id}-2027-Q1"
    url = f"/plans/{ids['plan']}/values?window=2027-Q1"
    client.post(url, data=_grid({field: "4"}))
    # Planners cannot approve.
    assert (
        client.post(f"/plans/{ids['plan']}/approvals", data={"window": "2027-Q1"}).status_code
        == 403
    )
    _as(client, people, "manager")
    client.post(f"/plans/{ids['plan']}/approvals", data={"window": "2027-Q1"})
    approval = db.session.scalar(select(PeriodApproval))
    assert approval.open and approval.approved_by == people["manager"].email
    _as(client, people, "planner")
    page = client.get(url).get_data(as_text=True)
    assert "Approved and locked" in page and _rows_shown(page) == []
    client.post(url, data=_grid({field: "9"}))
    assert db.session.scalar(select(Measurement.value)) == D(4)
    _as(client, people, "manager")
    refused = client.post(
        f"/plans/{ids['plan']}/approvals/{approval.id}/reopen", data={"reason": ""}
    )
    assert refused.status_code == 302 and db.session.get(PeriodApproval, approval.id).open
    client.post(
        f"/plans/{ids['plan']}/approvals/{approval.id}/reopen", data={"reason": "Late list"}
    )
    db.session.expire_all()
    assert db.session.get(PeriodApproval, approval.id).reopen_reason == "Late list"
    _as(client, people, "planner")
    # The change states the version it replaces, as the page sends it.
    client.post(url, data=_grid({field: "9", field.replace("value-", "version-", 1): "1"}))
    db.session.expire_all()
    assert db.session.scalar(select(Measurement.value)) == D(9)
    last = db.session.scalars(select(MeasurementChange).order_by(MeasurementChange.id)).all()[-1]
    assert (last.old_value, last.new_value, last.after_approval) == (D(4), D(9), True)
    detail = client.get(f"/plans/{ids['plan']}/indicators/{indicator.id}").get_data(as_text=True)
    assert "after reopening" in detail


def test_approving_saves_the_values_typed_first(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    field = f"value-{indicator.id}-2027-Q1"
    url = f"/plans/{ids['plan']}/values?window=2027-Q1"
    assert client.post(url, data=_grid({field: "7", "approve": "2027-Q1"})).status_code == 403
    assert _count(Measurement) == 0 and _count(PeriodApproval) == 0
    _as(client, people, "manager")
    page = client.get(url).get_data(as_text=True)
    assert 'name="approve"' in page and 'action="/plans' not in page  # one form, two buttons
    # A problem in what was typed: nothing is saved, nothing approved, the typing is kept.
    bad = client.post(url, data=_grid({field: "seven", "approve": "2027-Q1"}))
    assert bad.status_code == 400 and 'value="seven"' in bad.get_data(as_text=True)
    assert _count(Measurement) == 0 and _count(PeriodApproval) == 0
    response = client.post(
        url, data=_grid({field: "7", "approve": "2027-Q1"}), follow_redirects=True
    )
    assert "1 value saved for Q1 2027. The values of Q1 2027 are approved and locked." in (
        response.get_data(as_text=True)
    )
    assert db.session.scalar(select(Measurement.value)) == D(7)
    assert db.session.scalar(select(PeriodApproval.period_key)) == "2027-Q1"


def test_a_window_that_has_not_begun_is_not_approved(client, setup):
    people, ids = setup
    _as(client, people, "manager")
    _plan_indicator(client, ids)
    response = client.post(
        f"/plans/{ids['plan']}/approvals", data={"window": "2027-Q4"}, follow_redirects=True
    )
    assert "Q4 2027 has not begun yet" in response.get_data(as_text=True)
    assert _count(PeriodApproval) == 0


def test_viewers_read_values_but_cannot_record_them(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    _as(client, people, "viewer")
    url = f"/plans/{ids['plan']}/values?window=2027-Q1"
    assert client.get(url).status_code == 200
    assert client.post(url, data=_grid({f"value-{indicator.id}-2027-Q1": "4"})).status_code == 403
    assert _count(Measurement) == 0


def _csv_file(rows: list[list[str]]) -> tuple[io.BytesIO, str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return io.BytesIO(buffer.getvalue().encode("utf-8")), "values.csv"


def test_an_import_with_bad_rows_imports_nothing_and_lists_every_problem(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    share = _plan_indicator(client, ids, name="Share", unit="percent", aggregation="latest")
    rows = [
        ["indicator_id", "indicator", "period", "value", "note"],
        [str(indicator.id), "Partners", "2027-Q1", "3", ""],
        [str(indicator.id), "Partners", "2027-Q5", "3", ""],
        ["999", "?", "2027-Q1", "3", ""],
        [str(share.id), "Share", "2027-Q1", "150", ""],
        [str(indicator.id), "Partners", "2027-Q2", "lots", ""],
        [str(indicator.id), "Partners", "2027-Q1", "4", "again"],
    ]
    rows[0].append("evidence_url")
    rows[5].append("ftp://x")  # two problems in one row: both are listed
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv_file(rows)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for expected in (
        "row 3, column period: &#39;2027-Q5&#39; is not a reporting period",
        "row 4, column indicator_id: &#39;999&#39; is not an indicator of this plan",
        "row 5, column value: a percentage is between 0 and 100",
        "row 6, column value: &#39;lots&#39; is not a number",
        "row 6, column evidence_url: give a web address",
        "row 7, column period: indicator",
    ):
        assert expected in text, expected
    assert _count(Measurement) == 0


def test_a_good_import_records_the_values(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    rows = [
        ["indicator_id", "period", "value", "note", "evidence_url"],
        [str(indicator.id), "2027-Q1", "3", "from the sign-in sheet", "https://example.org/list"],
        [str(indicator.id), "2027-Q2", "5,5", "", ""],
    ]
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv_file(rows)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    found = {m.period_key: (m.value, m.note) for m in db.session.scalars(select(Measurement))}
    assert found == {"2027-Q1": (D(3), "from the sign-in sheet"), "2027-Q2": (D("5.5"), "")}


def test_an_import_into_an_approved_period_is_refused(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    db.session.add(
        PeriodApproval(
            plan_id=ids["plan"],
            period_key="2027",
            window_start=date(2027, 1, 1),
            window_end=date(2027, 12, 31),
            approved_by="m@x.org",
        )
    )
    db.session.commit()
    rows = [["indicator_id", "period", "value"], [str(indicator.id), "2027-Q1", "3"]]
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv_file(rows)},
        content_type="multipart/form-data",
    )
    assert "is approved (2027) and locked" in response.get_data(as_text=True)
    assert _count(Measurement) == 0


def test_evidence_files_are_checked_stored_and_downloaded_by_members_only(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    url = f"/plans/{ids['plan']}/values?window=2027-Q1"
    wrong = client.post(
        url,
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"file-{indicator.id}-2027-Q1": (io.BytesIO(b"MZ..."), "tool.exe"),
            }
        ),
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "Attach one of" in wrong.get_data(as_text=True)
    assert _count(Measurement) == 0
    client.post(
        url,
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"file-{indicator.id}-2027-Q1": (io.BytesIO(b"%PDF-1.4 list"), "list.pdf"),
            }
        ),
        content_type="multipart/form-data",
    )
    measurement = db.session.scalar(select(Measurement))
    download = client.get(f"/plans/{ids['plan']}/evidence/{measurement.evidence_id}")
    assert download.data == b"%PDF-1.4 list"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/octet-stream"
    _as(client, people, "outsider")
    assert client.get(f"/plans/{ids['plan']}/evidence/{measurement.evidence_id}").status_code == 404


def test_a_file_chosen_beside_a_problem_is_asked_for_again(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    first = _plan_indicator(client, ids)
    second = _plan_indicator(client, ids, name="Second")
    response = client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid(
            {
                f"value-{first.id}-2027-Q1": "4",
                f"file-{first.id}-2027-Q1": (io.BytesIO(b"%PDF-1.4 list"), "list.pdf"),
                f"value-{second.id}-2027-Q1": "four",
            }
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and _count(Measurement) == 0
    assert "Choose list.pdf again" in response.get_data(as_text=True)


def test_an_oversized_evidence_file_is_refused(client, setup, app):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    big = io.BytesIO(b"x" * (5 * 1024 * 1024 + 1))
    response = client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"file-{indicator.id}-2027-Q1": (big, "big.pdf"),
            }
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 413)
    assert _count(Measurement) == 0


def _figures(page: str) -> dict[str, dict]:
    return {
        name: json.loads(body)
        for name, body in re.findall(
            r'<script type="application/json" id="([\w-]+)-figure">(.*?)</script>', page, re.S
        )
    }


def test_the_dashboard_has_every_chart_with_its_table_and_csv(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid({f"value-{indicator.id}-2027-Q1": "5"}),
    )
    page = client.get(f"/plans/{ids['plan']}/dashboard").get_data(as_text=True)
    figures = _figures(page)
    assert set(figures) == {"progress-chart", "budget-chart", "effort-chart", "activities-chart"}
    bars = figures["progress-chart"]["data"][0]
    assert bars["y"] == ["Partner institutions represented"] and bars["x"] == [25.0]
    assert '<th scope="row">Partner institutions represented</th>' in page
    data = client.get(f"/plans/{ids['plan']}/dashboard/progress.csv")
    assert (
        data.headers["Content-Disposition"]
        == f'attachment; filename="plan-{ids["plan"]}-progress.csv"'
    )
    rows = list(csv.reader(io.StringIO(data.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Indicator", "Achieved (%)", "Expected by now (%)", "Status"]
    assert rows[1][:2] == ["Partner institutions represented", "25.0"]
    assert client.get(f"/plans/{ids['plan']}/dashboard/nothing.csv").status_code == 404


def test_an_indicator_without_a_target_has_no_progress_bar_and_nothing_expected(client, setup):
    """Progress is the way to a target: without one there is neither a bar nor an "expected
    by now" mark (it read 0 %, as if the indicator were behind)."""
    people, ids = setup
    _as(client, people, "planner")
    _plan_indicator(client, ids)
    untargeted = _plan_indicator(client, ids, name="Countries represented", target_value="")
    page = client.get(f"/plans/{ids['plan']}/dashboard").get_data(as_text=True)
    progress = _figures(page)["progress-chart"]["data"]
    shown = {name for trace in progress for name in trace.get("y") or ()}
    assert "Partner institutions represented" in shown
    assert "Countries represented" not in shown
    detail = client.get(f"/plans/{ids['plan']}/indicators/{untargeted.id}").get_data(as_text=True)
    assert "expected by now" not in detail


def test_chart_csv_cells_cannot_become_formulas(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    _plan_indicator(client, ids, name='=HYPERLINK("http://x")')
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/plans/{ids['plan']}/dashboard/progress.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[1][0].startswith("'=")


def test_the_indicator_page_charts_values_against_baseline_and_target(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid({f"value-{indicator.id}-2027-Q1": "5"}),
    )
    page = client.get(f"/plans/{ids['plan']}/indicators/{indicator.id}").get_data(as_text=True)
    traces = {t["name"]: t for t in _figures(page)["values-chart"]["data"]}
    assert set(traces) == {"Value", "Running total", "Baseline", "Target"}
    assert traces["Value"]["y"] == [5.0] and traces["Target"]["y"] == [20.0, 20.0]
    data = client.get(f"/plans/{ids['plan']}/indicators/{indicator.id}/values.csv").get_data(
        as_text=True
    )
    assert "Q1 2027,2027-03-31,5.0," in data


def test_dashboard_queries_do_not_grow_with_indicators_or_values(client, setup, count_queries):
    people, ids = setup
    _as(client, people, "planner")
    first = _plan_indicator(client, ids)
    client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid({f"value-{first.id}-2027-Q1": "5"}),
    )
    with count_queries() as few:
        client.get(f"/plans/{ids['plan']}/dashboard")
    for n in range(12):
        indicator = _plan_indicator(client, ids, name=f"Indicator {n}")
        client.post(
            f"/plans/{ids['plan']}/values?window=2027-Q2",
            data=_grid({f"value-{indicator.id}-2027-Q2": str(n)}),
        )
    with count_queries() as many:
        response = client.get(f"/plans/{ids['plan']}/dashboard")
    assert response.status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_the_report_prints_the_plan_with_its_charts(client, setup):
    people, ids = setup
    _as(client, people, "viewer")
    page = client.get(f"/plans/{ids['plan']}/report").get_data(as_text=True)
    assert "Plan A" in page and "budget-chart-figure" in page and "Activity A" in page
    # No indicator has a target yet: the progress chart says so instead of drawing bare axes.
    assert "progress-chart-figure" not in page
    assert "No indicator has a target yet" in page


def test_the_overview_compares_plans_across_years(client, setup, make_plan):
    people, ids = setup
    plan_2028 = make_plan(
        db.session.get(Activity, ids["activity"]).plan.institution,
        title="Plan B",
        period_start=date(2028, 1, 1),
        period_end=date(2028, 12, 31),
    )
    db.session.add(
        Activity(plan=plan_2028, title="B1", budget_planned=D(300), budget_actual=D(100))
    )
    db.session.commit()
    _as(client, people, "viewer")
    page = client.get("/institutions/uni-a/overview").get_data(as_text=True)
    figures = _figures(page)
    budget = figures["budget-by-year-chart"]["data"]
    assert budget[0]["x"] == ["2027", "2028"] and budget[0]["y"] == [0.0, 300.0]
    assert "Plan B" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/institutions/uni-a/overview/budget-by-year.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[2] == ["2028", "300.0", "100.0"]
    _as(client, people, "outsider")
    assert client.get("/institutions/uni-a/overview").status_code == 404


def test_a_file_just_under_5_mb_is_accepted_as_evidence(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    almost = io.BytesIO(b"%PDF" + b"x" * (5 * 1024 * 1024 - 100))
    response = client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid(
            {
                f"value-{indicator.id}-2027-Q1": "4",
                f"file-{indicator.id}-2027-Q1": (almost, "a.pdf"),
            }
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _count(Measurement) == 1


def test_negative_counts_are_refused(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    response = client.post(
        f"/plans/{ids['plan']}/values?window=2027-Q1",
        data=_grid({f"value-{indicator.id}-2027-Q1": "-3"}),
    )
    assert response.status_code == 400
    assert "A count or an amount is not negative." in response.get_data(as_text=True)


def test_an_xlsx_date_cell_is_read_as_its_date(client, setup):
    from openpyxl import Workbook

    people, ids = setup
    _as(client, people, "planner")
    activity = db.session.get(Activity, ids["activity"])
    indicator = _plan_indicator(
        client, ids, frequency="occurrence", activity_id=str(activity.id), name="Per event"
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator_id", "period", "value"])
    sheet.append([indicator.id, datetime(2027, 3, 1), 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": (buffer, "values.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Measurement.period_key)) == "2027-03-01"


def test_the_import_page_shows_each_indicators_own_periods(client, setup):
    people, ids = setup
    _as(client, people, "planner")
    _plan_indicator(client, ids)
    page = client.get(f"/plans/{ids['plan']}/values/import").get_data(as_text=True)
    assert "2027-Q1, 2027-Q2, 2027-Q3" in page


def test_a_per_event_count_is_averaged_when_accepted(client, setup):
    people, ids = setup
    proposed = db.session.scalar(select(ProposedIndicator))
    proposed.name = "Participants per event"
    db.session.commit()
    _as(client, people, "planner")
    client.post(f"/plans/{ids['plan']}/indicators/proposed/{proposed.id}/accept")
    assert db.session.scalar(select(Indicator.aggregation)) == "average"


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "says"),
    [("lower", "10", "12", "below the baseline"), ("higher", "10", "8", "above the baseline")],
)
def test_a_target_on_the_worse_side_of_the_baseline_is_refused(
    client, setup, direction, baseline, target, says
):
    # A new user's "lower is better" indicator with a target above its baseline read
    # "104.8 %, on track" once its value passed the target.
    people, ids = setup
    _as(client, people, "planner")
    response = client.post(
        f"/plans/{ids['plan']}/indicators/new",
        data={
            "name": "Average days to answer",
            "unit": "count",
            "direction": direction,
            "aggregation": "average",
            "frequency": "quarterly",
            "baseline_value": baseline,
            "target_value": target,
        },
    )
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert _count(Indicator) == 0
    _plan_indicator(
        client, ids, direction=direction, baseline_value=baseline, target_value=baseline
    )
