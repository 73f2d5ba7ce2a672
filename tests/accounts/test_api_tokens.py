"""Personal API tokens: made on the account page, shown once, stored hashed, revocable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app import create_app
from app.accounts import services
from app.accounts.models import ApiToken
from app.core.extensions import db, utcnow
from tests.conftest import login, make_config


def _token_for(user, days=30) -> str:
    _, secret = services.create_api_token(user, "script", days)
    db.session.commit()
    return secret


def test_the_account_page_makes_a_token_and_shows_it_once(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    page = client.post("/account/tokens", data={"name": "Reporting script", "days": "90"})
    text = page.get_data(as_text=True)
    secret = re.search(r'id="new-token">(scp_[^<]+)<', text).group(1)
    assert "shown only this once" in text
    stored = db.session.scalar(select(ApiToken))
    assert stored.name == "Reporting script" and secret not in stored.token_hash
    assert stored.prefix == secret[:10]
    assert (stored.expires_at.date() - utcnow().date()).days == 90
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and f"{stored.prefix}…" in again
    response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_a_token_needs_a_name(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    response = client.post("/account/tokens", data={"name": "", "days": "30"})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_a_revoked_token_stops_working(client, make_user):
    user = make_user("ana@example.org")
    secret = _token_for(user)
    token = db.session.scalar(select(ApiToken))
    login(client, "ana@example.org")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    client.post("/logout")
    response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert "revoked" in response.get_json()["error"]["detail"]


def test_nobody_revokes_another_users_token(client, make_user):
    owner = make_user("ana@example.org")
    make_user("bo@example.org")
    secret = _token_for(owner)
    token = db.session.scalar(select(ApiToken))
    login(client, "bo@example.org")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    client.post("/logout")
    assert (
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )


def test_an_expired_token_stops_working(client, make_user):
    secret = _token_for(make_user("ana@example.org"), days=30)
    with freeze_time(utcnow() + timedelta(days=31)):
        response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_deactivated_users_token_stops_working(client, make_user):
    user = make_user("ana@example.org")
    secret = _token_for(user)
    user.active = False
    db.session.commit()
    assert (
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic YTpi", "Bearer scp_not-a-token", "Bearer x" * 3]
)
def test_a_malformed_or_unknown_credential_is_401(client, header):
    response = client.get("/api/v1/plans", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_use_is_recorded_at_most_every_few_minutes(client, make_user):
    secret = _token_for(make_user("ana@example.org"))
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/plans", headers=headers)
    first = db.session.scalar(select(ApiToken.last_used_at))
    assert first is not None
    client.get("/api/v1/plans", headers=headers)
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) == first


def test_a_token_request_sets_no_session_cookie(client, make_user):
    secret = _token_for(make_user("ana@example.org"))
    response = client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert "Set-Cookie" not in response.headers


# CSRF: a browser session's changes need the token; a bearer token's do not.


@pytest.fixture
def csrf_client(migrated_database):
    return create_app(make_config(migrated_database, WTF_CSRF_ENABLED=True)).test_client()


def _csrf_login(client, email):
    from tests.conftest import PASSWORD

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    # Signing in starts a new session; scripts of the app's pages read its token from here.
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)


PLAN = {
    "institution": "uni-a",
    "title": "CSRF plan",
    "period_start": "2028-01-01",
    "period_end": "2028-12-31",
}


def test_a_session_change_without_the_csrf_header_is_refused(csrf_client, two_institutions):
    people, _ = two_institutions
    _csrf_login(csrf_client, people["planner"].email)
    response = csrf_client.post("/api/v1/plans", json=PLAN)
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]["detail"]


def test_a_session_change_with_the_csrf_header_works(csrf_client, two_institutions):
    people, _ = two_institutions
    token = _csrf_login(csrf_client, people["planner"].email)
    response = csrf_client.post("/api/v1/plans", json=PLAN, headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_a_bearer_change_needs_no_csrf_token_and_ignores_the_session(csrf_client, two_institutions):
    people, _ = two_institutions
    secret = _token_for(people["planner"])
    _csrf_login(csrf_client, people["viewer"].email)  # the cookie is a viewer's
    response = csrf_client.post(
        "/api/v1/plans", json=PLAN, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 201
    assert response.get_json()["owner"] == people["planner"].email


def _api_status(client, secret: str) -> int:
    return client.get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_password_reset_revokes_the_tokens_and_ends_every_session(app, client, make_user):
    from app.accounts.tokens import RESET_SALT, make_token

    user = make_user("ana@example.org")
    secret = _token_for(user)
    signed_in = app.test_client()
    login(signed_in, "ana@example.org")
    assert _api_status(client, secret) == 200
    link = make_token(RESET_SALT, {"user": user.id, "check": user.session_token[:16]})
    new = {"password": "a brand new sentence", "confirm": "a brand new sentence"}
    assert client.post(f"/password/reset/{link}", data=new).status_code == 302
    assert _api_status(client, secret) == 401
    assert signed_in.get("/account").status_code == 302
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None


def test_a_password_change_revokes_the_tokens_but_keeps_this_session(app, client, make_user):
    user = make_user("ana@example.org")
    secret = _token_for(user)
    other = app.test_client()
    login(other, "ana@example.org")
    login(client, "ana@example.org")
    response = client.post(
        "/account/password",
        data={
            "current_password": "a sentence nobody guesses",
            "password": "another fine sentence",
            "confirm": "another fine sentence",
        },
        follow_redirects=True,
    )
    assert "API tokens" in response.get_data(as_text=True)  # the person is told
    assert _api_status(app.test_client(), secret) == 401
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    # A token made after the change works: only the earlier ones were revoked.
    assert _api_status(app.test_client(), _token_for(user)) == 200
