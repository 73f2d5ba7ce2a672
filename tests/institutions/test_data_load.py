"""`flask data load`: networks and institutions from data/, all or nothing, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.extensions import db
from app.institutions.models import Institution, Network, NetworkMembership, Unit
from app.institutions.services import get_institution
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the shipped data/ folder that a test may break."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("networks.yml", "institutions.yml"):
        shutil.copy(PROJECT_ROOT / "data" / name, folder / name)
    return folder


def load(runner, folder: Path):
    return runner.invoke(args=["data", "load", "--dir", str(folder)])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_shipped_reference_data_loads_with_the_seed_facts(runner, data_dir):
    result = load(runner, data_dir)
    assert result.exit_code == 0, result.output
    helsinki = get_institution("university-of-helsinki")
    memberships = {m.network.slug: m for m in helsinki.memberships}
    assert memberships["una-europa"].since.isoformat() == "2019-10-04"
    assert memberships["euraxess"].role == "Bridgehead organisation of EURAXESS Finland"
    assert memberships["north2north"].network.parent.slug == "uarctic"
    partners = {p.partner_name: p.priority_areas for p in helsinki.partnerships}
    assert partners["University of Edinburgh"] == ["Human genomics", "Forestry"]
    assert "Air quality" in partners["Peking University"]
    assert get_institution("jyvaskyla-educational-consortium").kind == "vocational-consortium"
    slugs = set(db.session.scalars(select(Network.slug)))
    assert {
        "una-europa",
        "leru",
        "uarctic",
        "north2north",
        "unica",
        "eua",
        "iau",
        "euraxess",
        "eit-food",
        "eit-digital",
        "scholars-at-risk",
        "world-100-reputation-network",
        "nordplus",
        "iroica",
    } <= slugs


def test_loading_twice_changes_nothing(runner, data_dir):
    load(runner, data_dir)
    ids = sorted(db.session.scalars(select(NetworkMembership.id)))
    result = load(runner, data_dir)
    assert "Networks: 0 created, 0 updated, 14 unchanged" in result.output
    assert "Institutions: 0 created, 0 updated, 2 unchanged" in result.output
    assert sorted(db.session.scalars(select(NetworkMembership.id))) == ids


def test_a_changed_entry_updates_and_keeps_child_ids(runner, data_dir):
    load(runner, data_dir)
    unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "Language Centre"))
    path = data_dir / "institutions.yml"
    path.write_text(path.read_text().replace("country: Finland", "country: Suomi", 1))
    result = load(runner, data_dir)
    assert "Institutions: 0 created, 1 updated, 1 unchanged" in result.output
    db.session.expire_all()
    assert get_institution("university-of-helsinki").country == "Suomi"
    assert db.session.scalar(select(Unit.id).where(Unit.name == "Language Centre")) == unit_id


def test_an_edit_in_the_app_survives_a_load_of_the_unchanged_file(runner, data_dir):
    load(runner, data_dir)
    institution = get_institution("university-of-helsinki")
    institution.description = "Edited by the institution's manager"
    db.session.commit()
    load(runner, data_dir)
    db.session.expire_all()
    assert (
        get_institution("university-of-helsinki").description
        == "Edited by the institution's manager"
    )


def test_bad_files_change_nothing_and_every_problem_is_listed(runner, data_dir):
    networks = data_dir / "networks.yml"
    text = networks.read_text()
    text = text.replace("kind: research-network", "kind: club", 1)
    text = text.replace("  parent: uarctic", "  parent: no-such-network", 1)
    networks.write_text(text)
    institutions = data_dir / "institutions.yml"
    institutions.write_text(
        institutions.read_text().replace("  - network: leru", "  - network: lerux", 1)
    )
    result = load(runner, data_dir)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    club_line = text.split("\n").index("  kind: club") + 1
    assert f"{networks}:{club_line}: networks.1.kind: unknown value 'club'" in result.output
    assert any(
        "networks.3.parent: no network with slug 'no-such-network'" in line for line in lines
    )
    assert any(
        "institutions.0.memberships.1.network: no network with slug 'lerux'" in line
        for line in lines
    )
    assert lines[-1] == "3 problem(s); nothing was changed."
    assert count(Network) == 0 and count(Institution) == 0


def test_duplicate_slug_and_malformed_yaml_are_located(runner, data_dir):
    institutions = data_dir / "institutions.yml"
    institutions.write_text(
        institutions.read_text().replace(
            "slug: jyvaskyla-educational-consortium", "slug: university-of-helsinki"
        )
    )
    (data_dir / "networks.yml").write_text("networks:\n- slug: [unclosed\n")
    result = load(runner, data_dir)
    assert result.exit_code == 1
    assert "networks.yml:3: yaml: malformed YAML" in result.output
    assert "institutions.1.slug: duplicate slug 'university-of-helsinki'" in result.output


def test_check_flag_validates_without_writing(runner, data_dir):
    result = runner.invoke(args=["data", "load", "--dir", str(data_dir), "--check"])
    assert result.exit_code == 0
    assert "14 network(s) and 2 institution(s) checked" in result.output
    assert count(Network) == 0


def test_missing_file_is_reported(runner, data_dir):
    (data_dir / "networks.yml").unlink()
    result = load(runner, data_dir)
    assert result.exit_code == 1
    assert "networks.yml:1: file: missing" in result.output


def test_a_part_listed_twice_is_located(runner, data_dir):
    institutions = data_dir / "institutions.yml"
    text = institutions.read_text()
    text = text.replace(
        "  - network: iau\n", "  - network: iau\n    role: Member\n  - network: iau\n", 1
    )
    institutions.write_text(text)
    result = load(runner, data_dir)
    assert result.exit_code == 1
    assert "institutions.0.memberships.9.network: network 'iau' listed twice" in result.output


def test_a_membership_known_to_the_year_holds_and_shows_its_year(runner, data_dir, client):
    # The seeds: Helsinki became a member of Scholars at Risk "in 2014", no day given.
    assert load(runner, data_dir).exit_code == 0
    helsinki = get_institution("university-of-helsinki")
    sar = next(m for m in helsinki.memberships if m.network.slug == "scholars-at-risk")
    assert (sar.since.year, sar.since_precision) == (2014, "year")
    page = client.get("/institutions/university-of-helsinki").get_data(as_text=True)
    row = page.split("Scholars at Risk (SAR)</a>")[1].split("</tr>")[0]
    assert '<time datetime="2014">2014</time>' in row and "not recorded" not in row
    assert '<time datetime="2019-10-04">4 October 2019</time>' in page  # a day stays a day


def test_every_since_the_notes_state_is_held_by_the_field(data_dir):
    # A note that names a year ("since 2014", "on 4 October 2019") with no date beside it is a
    # fact the field should hold.
    import re

    import yaml

    entries = yaml.safe_load((data_dir / "institutions.yml").read_text(encoding="utf-8"))
    for institution in entries["institutions"]:
        for membership in institution["memberships"]:
            years = re.findall(r"\b(1[0-9]{3}|20[0-9]{2})\b", membership.get("note", ""))
            if years:
                assert str(membership.get("since", "")).startswith(years[0]), membership


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("2014", "2014"), ("2019-10", "October 2019"), ("2019-10-04", "4 October 2019")],
)
def test_a_manager_gives_a_year_a_month_or_a_day(client, make_institution, make_user, typed, shown):
    from tests.conftest import login

    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    db.session.add(Network(slug="sar", name="Scholars at Risk", kind="advocacy-network"))
    db.session.commit()
    login(client, "boss@example.org")
    data = {"membership-network": "sar", "membership-role": "Member", "membership-since": typed}
    assert client.post("/institutions/uni-a/memberships", data=data).status_code == 302
    page = client.get("/institutions/uni-a").get_data(as_text=True)
    assert f'<time datetime="{typed}">{shown}</time>' in page


@pytest.mark.parametrize("typed", ["2019-13", "2019-02-30", "99999", "0999", "2101", "soon"])
def test_a_since_that_is_no_date_is_refused_with_a_message(
    client, make_institution, make_user, typed
):
    from tests.conftest import login

    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    db.session.add(Network(slug="sar", name="Scholars at Risk", kind="advocacy-network"))
    db.session.commit()
    login(client, "boss@example.org")
    data = {"membership-network": "sar", "membership-role": "Member", "membership-since": typed}
    response = client.post("/institutions/uni-a/memberships", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "a year (2014)" in page or "between 1000 and 2100" in page or "calendar" in page
    assert count(NetworkMembership) == 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(), st.dates()))
def test_any_since_is_read_or_refused_with_a_message(value):
    from app.institutions.schemas import SINCE_YEARS, parse_since

    try:
        since = parse_since(value)
    except ValueError as error:
        assert str(error)
    else:
        assert SINCE_YEARS[0] <= since.date.year <= SINCE_YEARS[1]
        assert since.precision in ("year", "month", "day")
