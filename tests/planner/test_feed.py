"""A plan's calendar feed: an address per member and plan, checked on every request.

Calendar apps fetch the feed without signing in, so its address is the credential. It names
its member, whose role is checked on every request: a member who leaves loses the feed at
once, and anyone can give themselves new addresses when one has leaked.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.core.extensions import db
from app.planner.models import Activity, Plan
from app.planner.services import feed_token
from tests.conftest import PASSWORD, login, make_config


@pytest.fixture
def world(two_institutions):
    """Institution A's people and plan, with one dated activity on the feed."""
    people, ids = two_institutions
    db.session.get(Activity, ids["activity"]).start_date = date(2027, 3, 1)
    db.session.commit()
    return people, db.session.get(Plan, ids["plan"])


def fetch(app, token: str) -> int:
    """Fetch a feed as a calendar app does: no session, just the address."""
    return app.test_client().get(f"/plans/feed/{token}.ics").status_code


def address_on_page(client, plan: Plan) -> str:
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    return re.search(r"<code>(https?://[^<]+\.ics)</code>", page).group(1)


def test_each_member_has_an_own_address_that_works_without_signing_in(app, client, world):
    people, plan = world
    addresses = set()
    for role in ("viewer", "planner", "manager"):
        login(client, people[role].email)
        address = address_on_page(client, plan)
        client.post("/logout")
        assert address.startswith(app.config["PUBLIC_BASE_URL"] + "/plans/feed/")
        response = app.test_client().get(address.removeprefix(app.config["PUBLIC_BASE_URL"]))
        assert response.status_code == 200 and b"BEGIN:VEVENT" in response.data
        addresses.add(address)
    assert len(addresses) == 3


def test_a_removed_member_loses_the_feed_at_once(app, client, world):
    people, plan = world
    token = feed_token(plan, people["viewer"])
    assert fetch(app, token) == 200
    login(client, people["manager"].email)
    response = client.post(f"/institutions/uni-a/members/{people['viewer'].id}/remove")
    assert response.status_code == 302
    assert fetch(app, token) == 404


def test_a_member_whose_role_changes_keeps_the_feed(app, client, world):
    people, plan = world
    token = feed_token(plan, people["planner"])
    login(client, people["manager"].email)
    client.post(f"/institutions/uni-a/members/{people['planner'].id}/role", data={"role": "viewer"})
    assert fetch(app, token) == 200


def test_a_deactivated_account_loses_the_feed(app, world):
    people, plan = world
    token = feed_token(plan, people["viewer"])
    people["viewer"].active = False
    db.session.commit()
    assert fetch(app, token) == 404


def test_an_outsider_has_no_address_of_the_plan(app, world):
    people, plan = world
    # Signed for the outsider as the app would: the signature holds, the role does not.
    assert fetch(app, feed_token(plan, people["outsider"])) == 404


def test_a_new_address_stops_the_old_one_and_only_ones_own(app, client, world):
    people, plan = world
    old = feed_token(plan, people["viewer"])
    others = feed_token(plan, people["planner"])
    login(client, people["viewer"].email)
    response = client.post(f"/plans/{plan.id}/feed/new", follow_redirects=True)
    assert response.status_code == 200
    assert "old ones no longer work" in response.get_data(as_text=True)
    new = address_on_page(client, plan)
    assert old not in new
    assert fetch(app, old) == 404
    assert fetch(app, new.rsplit("/", 1)[1].removesuffix(".ics")) == 200
    assert fetch(app, others) == 200


def test_a_new_address_needs_the_csrf_token_and_a_role_in_the_plan(
    migrated_database, world, make_user
):
    people, plan = world
    app = create_app(make_config(migrated_database, WTF_CSRF_ENABLED=True))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": people["viewer"].email, "password": PASSWORD, "csrf_token": csrf}
    )
    before = feed_token(plan, people["viewer"])
    assert client.post(f"/plans/{plan.id}/feed/new").status_code == 400
    db.session.expire_all()
    assert feed_token(plan, db.session.get(User, people["viewer"].id)) == before
    outsider = app.test_client()
    login(outsider, people["outsider"].email)  # CSRF is checked first: 400 before the 404
    assert outsider.post(f"/plans/{plan.id}/feed/new").status_code == 400


def test_another_institution_cannot_renew_through_a_plan_it_does_not_see(client, world):
    people, plan = world
    login(client, people["outsider"].email)
    assert client.post(f"/plans/{plan.id}/feed/new").status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "not-the-secret",
        "1-1-" + "A" * 32,
        "9999999999-9999999999-" + "A" * 32,
        "999999999999999999-999999999999999999-" + "A" * 32,
        "99999999999999999999999-1-" + "A" * 32,
        "1-1-" + "A" * 5000,
    ],
)
def test_a_forged_or_malformed_address_is_a_404(app, world, token):
    assert fetch(app, token) == 404


def test_an_address_of_one_plan_does_not_open_another(app, world, make_plan):
    people, plan = world
    other = make_plan(plan.institution, title="Another plan")
    forged = feed_token(plan, people["viewer"]).replace(f"{plan.id}-", f"{other.id}-", 1)
    assert fetch(app, forged) == 404
    assert fetch(app, feed_token(other, people["viewer"])) == 200


def test_the_plan_wide_address_of_before_no_longer_works(app, world):
    _, plan = world
    assert fetch(app, plan.feed_token) == 404


def test_the_address_does_not_come_from_the_request_host(app, client, world):
    people, plan = world
    login(client, people["viewer"].email)
    page = client.get(f"/plans/{plan.id}", base_url="http://evil.example")
    assert "evil.example" not in page.get_data(as_text=True)
    assert db.session.scalar(select(User.feed_key).where(User.id == people["viewer"].id))
