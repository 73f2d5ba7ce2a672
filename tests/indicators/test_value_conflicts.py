"""Two people saving the same value: the stale save is refused, shown both ways, loses nothing."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal as D

import requests
from sqlalchemy import select

from app.core.extensions import db
from app.indicators.models import Indicator, Measurement
from tests.conftest import PASSWORD, login
from tests.indicators.test_views import CELLS, _count, _csv_file, _grid, _plan_indicator

WINDOW = "2027-Q1"


def _fields(page: str) -> dict[str, str]:
    """Return the inputs of the values form as the browser would send them, each row's cells
    named as these tests name them (value-<indicator>-<period key>)."""
    found = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and (kind is None or kind.group(1) != "file"):
            found[name.group(1)] = _unescape(value.group(1)) if value else ""
    named = {cell: short for short, cell in CELLS.items()}
    fields = {}
    for name, value in found.items():
        row = re.fullmatch(r"(rows-\d+)-(\w+)", name)
        if row is None:
            fields[name] = value
        elif row.group(2) in named:
            indicator, period = found[f"{row.group(1)}-indicator"], found[f"{row.group(1)}-period"]
            fields[f"{named[row.group(2)]}-{indicator}-{period}"] = value
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _page(client, ids) -> str:
    return client.get(f"/plans/{ids['plan']}/values?window={WINDOW}").get_data(as_text=True)


def _save(client, ids, fields):
    return client.post(f"/plans/{ids['plan']}/values?window={WINDOW}", data=_grid(fields))


def _two_planners(app, setup):
    people, ids = setup
    people["manager"].name = "Maria Manager"
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, people["planner"].email)
    login(second, people["manager"].email)  # a manager plans too
    return first, second, ids


def test_the_stale_save_is_refused_with_both_values_and_nothing_typed_lost(
    app, client, setup, monkeypatch
):
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = setup
    login(client, people["planner"].email)
    indicator = _plan_indicator(client, ids)
    first, second, ids = _two_planners(app, setup)
    field = f"value-{indicator.id}-{WINDOW}"
    assert _save(first, ids, {**_fields(_page(first, ids)), field: "3"}).status_code == 302
    mine, theirs = _fields(_page(first, ids)), _fields(_page(second, ids))
    assert mine[field] == theirs[field] == "3.00"
    assert _save(second, ids, {**theirs, field: "7", f"note-{indicator.id}-{WINDOW}": "recount"})
    stale = _save(first, ids, {**mine, field: "5"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "someone else saved 1 of these value" in page
    assert "Saved meanwhile by Maria Manager" in page and "<strong>7</strong>, “recount”" in page
    assert _fields(page)[field] == "5"  # what I typed is kept
    db.session.expire_all()
    assert db.session.scalar(select(Measurement.value)) == D(7)
    # Saving again from the page that showed theirs replaces it, knowingly.
    assert _save(first, ids, _fields(page)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Measurement.value)) == D(5)


def test_a_row_sent_as_shown_does_not_undo_someone_elses_change(app, client, setup, monkeypatch):
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = setup
    login(client, people["planner"].email)
    one = _plan_indicator(client, ids, name="One")
    two = _plan_indicator(client, ids, name="Two")
    first, second, ids = _two_planners(app, setup)
    mine, theirs = _fields(_page(first, ids)), _fields(_page(second, ids))
    assert _save(second, ids, {**theirs, f"value-{two.id}-{WINDOW}": "8"}).status_code == 302
    # I change only "One"; "Two" goes back as my page showed it (empty): theirs stays.
    assert _save(first, ids, {**mine, f"value-{one.id}-{WINDOW}": "4"}).status_code == 302
    db.session.expire_all()
    saved = {m.indicator_id: m.value for m in db.session.scalars(select(Measurement))}
    assert saved == {one.id: D(4), two.id: D(8)}


def test_a_save_without_a_version_never_overwrites_a_value(client, setup, monkeypatch):
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = setup
    login(client, people["planner"].email)
    indicator = _plan_indicator(client, ids)
    field = f"value-{indicator.id}-{WINDOW}"
    assert _save(client, ids, {field: "3"}).status_code == 302  # nothing there: created
    assert _save(client, ids, {field: "4"}).status_code == 409  # no version: not replaced
    for bad in ("", "x", "-1", "1.5", "9" * 30):
        response = _save(client, ids, {field: "4", f"version-{indicator.id}-{WINDOW}": bad})
        assert response.status_code in (400, 409), bad
    db.session.expire_all()
    assert db.session.scalar(select(Measurement.value)) == D(3)


def test_an_import_does_not_overwrite_a_value_changed_since_the_file_was_made(
    client, setup, monkeypatch
):
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    people, ids = setup
    login(client, people["planner"].email)
    indicator = _plan_indicator(client, ids)
    field = f"value-{indicator.id}-{WINDOW}"
    _save(client, ids, {field: "3"})

    def imported(*rows):
        header = ["indicator_id", "period", "value", "version"]
        return client.post(
            f"/plans/{ids['plan']}/values/import",
            data={"file": _csv_file([header, *[[str(indicator.id), *r] for r in rows]])},
            content_type="multipart/form-data",
        )

    # Without the version it replaces, a different value is refused; the same one is fine.
    text = imported([WINDOW, "9", ""]).get_data(as_text=True)
    assert "already has the value 3.00 (version 1); to replace it, give 1" in text
    assert imported([WINDOW, "3", ""]).status_code == 302
    # With the version of the file, it replaces; with an older one, it is refused.
    assert imported([WINDOW, "9", "1"]).status_code == 302
    stale = imported([WINDOW, "11", "1"])
    assert stale.status_code == 400
    assert "changed since version 1: it is 9.00 now (version 2, by planner@a.example)" in (
        stale.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.scalar(select(Measurement.value)) == D(9)
    # The values file the import page offers carries every value with its version.
    download = client.get(f"/plans/{ids['plan']}/values/file.csv").get_data(as_text=True)
    assert f"{indicator.id},{indicator.name},{WINDOW},9.00,,,2" in download
    assert _count(Measurement) == 1


def test_racing_saves_of_one_value_lose_nothing(server, two_institutions, make_user, monkeypatch):
    """Each of many sessions adds one to the value, from the page it read; stale saves retry."""
    from app.indicators import views

    monkeypatch.setattr(views, "today", lambda: date(2027, 7, 15))
    _, ids = two_institutions
    indicator = db.session.get(Indicator, ids["indicator"])
    key = "2027-Q1"  # has a value of 3 already (the fixture's), and is not approved
    field = f"value-{indicator.id}-{key}"
    url = f"{server}/plans/{ids['plan']}/values?window={key}"
    indicator_id = indicator.id
    institution = indicator.plan.institution
    users = [
        make_user(f"p{n}@a.example", institution=institution, role="planner") for n in range(4)
    ]
    emails = [user.email for user in users]
    db.session.commit()  # no read transaction of the test stays open while the server writes
    sessions = []
    for email in emails:
        session = requests.Session()
        response = session.post(
            f"{server}/login", data={"email": email, "password": PASSWORD}, timeout=30
        )
        assert response.status_code == 200, response.status_code
        sessions.append(session)

    def add_one(n: int) -> list[int]:
        session, statuses = sessions[n % len(sessions)], []
        for _ in range(200):
            fields = _fields(session.get(url, timeout=30).text)
            fields[field] = str(D(fields[field]) + 1)
            status = session.post(
                url, data=_grid(fields), timeout=30, allow_redirects=False
            ).status_code
            statuses.append(status)
            if status == 302:
                return statuses
            assert status == 409, status
        raise AssertionError("never got through")

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = [s for found in pool.map(add_one, range(12)) for s in found]
    db.session.expire_all()
    measurement = db.session.scalar(
        select(Measurement).where(Measurement.indicator_id == indicator_id)
    )
    assert measurement.value == D(3 + 12)  # every save counted once
    assert statuses.count(302) == 12 and set(statuses) <= {302, 409}
    assert len(measurement.changes) == 12 and measurement.version == 13


def test_the_indicator_editor_refuses_a_save_without_a_valid_version(client, setup):
    people, ids = setup
    login(client, people["planner"].email)
    indicator = _plan_indicator(client, ids)
    url = f"/plans/{ids['plan']}/indicators/{indicator.id}/edit"
    base = {"name": "Renamed", "unit": "count", "direction": "higher"}
    base |= {"aggregation": "sum", "frequency": "quarterly"}
    for version in (None, "", "x", "-1", "9" * 30, "2"):
        data = base if version is None else {**base, "version": version}
        response = client.post(url, data=data)
        assert response.status_code == 409, version
        assert 'value="Renamed"' in response.get_data(as_text=True)  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Indicator, indicator.id).name == "Partner institutions represented"
    assert client.post(url, data={**base, "version": "1"}).status_code == 302
