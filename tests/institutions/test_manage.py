"""An institution's manager edits its profile, units, memberships and partners."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.institutions.models import Network
from app.institutions.services import get_institution
from tests.conftest import login


@pytest.fixture
def manager(client, make_institution, make_user):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    db.session.add(
        Network(slug="una-europa", name="Una Europa", kind="european-university-alliance")
    )
    db.session.commit()
    login(client, "boss@example.org")
    return institution


def test_profile_edit_is_saved_and_shown(client, manager):
    response = client.post(
        "/institutions/uni-a/edit",
        data={
            "name": "University A",
            "country": "Finland",
            "kind": "applied-sciences-university",
            "website": "https://uni-a.example",
            "description": "Edited description.",
        },
    )
    assert response.status_code == 302
    page = client.get("/institutions/uni-a").get_data(as_text=True)
    assert "University A" in page and "University of applied sciences" in page
    assert "Edited description." in page


def test_profile_refuses_a_script_address_and_keeps_the_typing(client, manager):
    response = client.post(
        "/institutions/uni-a/edit",
        data={
            "name": "Kept name",
            "country": "Finland",
            "kind": "research-university",
            "website": "javascript:alert(1)",
            "description": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Kept name"' in page
    assert "Invalid URL" in page or "http:// or https://" in page
    db.session.expire_all()
    assert get_institution("uni-a").website is None


def test_units_are_added_once_and_removed(client, manager):
    data = {"unit-name": "Language centre", "unit-kind": "language-centre", "unit-description": ""}
    assert client.post("/institutions/uni-a/units", data=data).status_code == 302
    again = client.post("/institutions/uni-a/units", data=data)
    assert again.status_code == 400
    assert "already has a unit of this name" in again.get_data(as_text=True)
    unit = get_institution("uni-a").units[0]
    assert client.post(f"/institutions/uni-a/units/{unit.id}/delete").status_code == 302
    db.session.expire_all()
    assert get_institution("uni-a").units == []


def test_memberships_and_partners_are_added_and_shown(client, manager):
    client.post(
        "/institutions/uni-a/memberships",
        data={
            "membership-network": "una-europa",
            "membership-role": "Member",
            "membership-since": "2019-10-04",
            "membership-note": "",
        },
    )
    client.post(
        "/institutions/uni-a/partnerships",
        data={
            "partner-partner_name": "University of Edinburgh",
            "partner-partner_country": "United Kingdom",
            "partner-priority_areas": "Human genomics\nForestry\n",
        },
    )
    page = client.get("/institutions/uni-a").get_data(as_text=True)
    assert '<time datetime="2019-10-04">4 October 2019</time>' in page
    assert "Human genomics, Forestry" in page
    institution = get_institution("uni-a")
    client.post(f"/institutions/uni-a/partnerships/{institution.partnerships[0].id}/delete")
    client.post(f"/institutions/uni-a/memberships/{institution.memberships[0].id}/delete")
    db.session.expire_all()
    institution = get_institution("uni-a")
    assert institution.partnerships == [] and institution.memberships == []


def test_institution_page_offers_management_only_to_its_managers(client, manager, make_user):
    assert "Members and invitations" in client.get("/institutions/uni-a").get_data(as_text=True)
    client.post("/logout")
    make_user("ana@example.org", institution=manager, role="planner")
    login(client, "ana@example.org")
    assert "Members and invitations" not in client.get("/institutions/uni-a").get_data(as_text=True)


def test_removing_a_member_asks_first(client, manager, make_user):
    ana = make_user("ana@example.org", institution=manager, role="viewer")
    page = client.get(f"/institutions/uni-a/members/{ana.id}/remove").get_data(as_text=True)
    assert "Remove ana@example.org from Uni A?" in page
    assert any(r.institution_id == manager.id for r in ana.roles)


def test_refusals_look_like_errors(client, manager):
    from app.accounts.services import get_user_by_email

    boss = get_user_by_email("boss@example.org")
    page = client.post(f"/institutions/uni-a/members/{boss.id}/remove", follow_redirects=True)
    assert (
        'class="notice notice-error" role="alert"><p>An institution needs at least one manager'
        in (page.get_data(as_text=True))
    )


def test_reloading_a_sub_form_address_goes_back_to_the_edit_page(client, manager):
    for path in ("units", "memberships", "partnerships"):
        assert (
            client.get(f"/institutions/uni-a/{path}").headers["Location"]
            == "/institutions/uni-a/edit"
        )


def test_networks_already_joined_are_not_offered_again(client, manager):
    client.post(
        "/institutions/uni-a/memberships",
        data={"membership-network": "una-europa", "membership-role": "Member"},
    )
    page = client.get("/institutions/uni-a/edit").get_data(as_text=True)
    assert '<option value="una-europa"' not in page


def test_edit_page_has_a_plain_title_and_each_form_once(client, manager):
    page = client.get("/institutions/uni-a/edit").get_data(as_text=True)
    assert "<title>Edit Uni A · Staff Capacity Planner</title>" in page
    assert page.count('id="memberships-heading"') == 1


# --- every removal asks first, without JavaScript ---------------------------------------------


@pytest.fixture
def parts(manager):
    """The manager's institution with one unit, one membership, one partner and one invitation."""
    from app.accounts.models import User
    from app.accounts.services import invite
    from app.institutions.models import NetworkMembership, StrategicPartnership, Unit

    network = db.session.query(Network).filter_by(slug="una-europa").one()
    manager.units.append(Unit(name="Language centre", kind="language-centre"))
    manager.memberships.append(NetworkMembership(network=network, role="Member"))
    manager.partnerships.append(StrategicPartnership(partner_name="University of Edinburgh"))
    boss = db.session.query(User).filter_by(email="boss@example.org").one()
    invitation = invite(manager, "new@example.org", "viewer", boss)
    db.session.commit()
    return {
        "units": (f"/institutions/uni-a/units/{manager.units[0].id}/delete", "Language centre"),
        "memberships": (
            f"/institutions/uni-a/memberships/{manager.memberships[0].id}/delete",
            "Una Europa",
        ),
        "partnerships": (
            f"/institutions/uni-a/partnerships/{manager.partnerships[0].id}/delete",
            "University of Edinburgh",
        ),
        "invitation": (
            f"/institutions/uni-a/invitations/{invitation.id}/revoke",
            "new@example.org",
        ),
    }


def _counts(institution):
    from app.accounts.services import open_invitations

    db.session.expire_all()
    institution = get_institution(institution.slug)
    return (
        len(institution.units),
        len(institution.memberships),
        len(institution.partnerships),
        len(open_invitations(institution)),
    )


@pytest.mark.parametrize("kind", ["units", "memberships", "partnerships", "invitation"])
def test_every_removal_is_a_link_to_a_page_that_asks_first(client, manager, parts, kind):
    path, name = parts[kind]
    listing = "/institutions/uni-a/members" if kind == "invitation" else "/institutions/uni-a/edit"
    page = client.get(listing).get_data(as_text=True)
    assert f'<a href="{path}">' in page  # a link that asks, not a button that removes
    before = _counts(manager)
    for method in (client.get, client.head):
        response = method(path)
        assert response.status_code == 200
    question = client.get(path).get_data(as_text=True)
    assert name in question.split("<h1>")[1].split("</h1>")[0]
    assert "This cannot be undone." in question and 'method="post"' in question
    assert _counts(manager) == before  # asking removed nothing
    assert client.post(path).status_code == 302
    after = _counts(manager)
    assert sum(after) == sum(before) - 1


@pytest.mark.parametrize("kind", ["units", "memberships", "partnerships", "invitation"])
def test_a_removal_without_its_form_token_removes_nothing(app, client, manager, parts, kind):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        before = _counts(manager)
        assert client.post(parts[kind][0]).status_code == 400
        assert _counts(manager) == before
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("address", ["/institutions/uni-a", "/institutions/uni-a/members"])
def test_an_institutions_pages_mark_institutions_in_the_main_menu(client, manager, address):
    page = client.get(address).get_data(as_text=True)
    menu = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    current = menu.split('aria-current="page"', 1)[1].split("</a>", 1)[0]
    assert current.strip(" >") == "Institutions"
