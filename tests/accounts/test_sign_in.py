"""Signing in and out: the flow, safe redirects, sessions that really end, throttling."""

from __future__ import annotations

import logging
import re

import pytest

from app import create_app
from app.core.extensions import db
from tests.conftest import PASSWORD, login, make_config


def test_sign_in_then_account_page(client, make_user):
    make_user("ana@example.org")
    response = login(client, "ana@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/practices"
    assert "ana@example.org" in client.get("/account").get_data(as_text=True)


def test_email_is_matched_without_case(client, make_user):
    make_user("ana@example.org")
    assert login(client, "  Ana@Example.org ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)],
)
def test_failed_sign_in_says_the_same_for_unknown_and_wrong(client, make_user, email, password):
    make_user("ana@example.org")
    response = login(client, email, password)
    assert response.status_code == 200
    assert "The email or the password is wrong." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_inactive_account_cannot_sign_in(client, make_user):
    user = make_user("ana@example.org")
    user.active = False
    db.session.commit()
    assert login(client, "ana@example.org").status_code == 200


def test_signed_in_pages_send_visitors_to_sign_in_and_back(client, make_user):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account")
    make_user("ana@example.org")
    assert login(client, "ana@example.org", next_url="/account").headers["Location"] == "/account"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "/%09/evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    make_user("ana@example.org")
    from urllib.parse import quote

    response = login(client, "ana@example.org", next_url=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/practices"


def test_next_within_the_site_is_kept(client, make_user):
    make_user("ana@example.org")
    response = login(client, "ana@example.org", next_url="/practices%3Fq%3Dshadowing")
    assert response.headers["Location"] == "/practices?q=shadowing"


def test_a_replayed_cookie_after_sign_out_does_not_work(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    assert client.get("/account").status_code == 302
    replay = client.application.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user):
    make_user("ana@example.org")
    other = app.test_client()
    login(client, "ana@example.org")
    login(other, "ana@example.org")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "another fine sentence",
            "confirm": "another fine sentence",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    client.post("/logout")
    assert login(client, "ana@example.org", "another fine sentence").status_code == 302


def test_password_change_needs_the_current_password(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": "another fine sentence",
            "confirm": "another fine sentence",
        },
    )
    assert "This is not your current password." in response.get_data(as_text=True)


def test_sign_in_starts_a_fresh_session(client, make_user):
    make_user("ana@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "ana@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("csrf", [False, True], ids=["csrf off", "csrf on"])
def test_the_cookie_set_at_sign_in_holds_the_csrf_secret(migrated_database, make_user, csrf):
    # With CSRF on, the sign-in form makes a token from the old session as it is read.
    client = create_app(make_config(migrated_database, WTF_CSRF_ENABLED=csrf)).test_client()
    make_user("ana@example.org")
    page = client.get("/login").get_data(as_text=True)  # a secret made before does not carry over
    with client.session_transaction() as session:
        before = session.get("csrf_token")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"email": "ana@example.org", "password": PASSWORD}
    if csrf:
        data["csrf_token"] = token.group(1)
    assert client.post("/login", data=data).status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token") not in (None, before)
    # So the first page after signing in, a form on it, sends no second cookie.
    page = client.get("/account")
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers


def test_sign_in_is_throttled_per_account_with_a_clear_message(client, make_user):
    make_user("ana@example.org")
    for _ in range(5):
        assert login(client, "ana@example.org", "wrong password!").status_code == 200
    response = login(client, "ana@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    # Another account from the same address is not blocked by this one's count.
    make_user("bo@example.org")
    assert login(client, "bo@example.org").status_code == 302


def test_sign_in_is_throttled_per_address(migrated_database, make_user):
    app = create_app(make_config(migrated_database, LOGIN_LIMIT_PER_ADDRESS="3 per minute"))
    client = app.test_client()
    for number in range(3):
        login(client, f"someone{number}@example.org", "wrong password!")
    assert login(client, "other@example.org", "wrong password!").status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client, make_user):
    make_user("ana@example.org")
    for _ in range(7):
        assert login(client, "ana@example.org").status_code == 302
        client.post("/logout")


def test_sign_ins_and_failures_are_logged(client, make_user, make_institution, caplog):
    institution = make_institution("uni-a")
    make_user("ana@example.org", institution=institution, role="planner")
    with caplog.at_level(logging.INFO, logger="app"):
        login(client, "ana@example.org", "wrong password!")
        login(client, "ana@example.org")
    messages = [record.getMessage() for record in caplog.records]
    assert any("failed sign-in for ana@example.org" in m for m in messages)
    assert any("sign-in user=ana@example.org institutions=uni-a:planner" in m for m in messages)


def test_session_cookie_is_httponly_and_lax(client, make_user):
    make_user("ana@example.org")
    response = login(client, "ana@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing runs on http


def test_session_cookie_is_secure_outside_development(migrated_database, make_user):
    app = create_app(
        make_config(
            migrated_database,
            APP_ENV="production",
            SECRET_KEY="k" * 64,
            PUBLIC_BASE_URL="https://planner.example.org",
            TRUSTED_HOSTS=["localhost"],
        )
    )
    make_user("ana@example.org")
    response = login(app.test_client(), "ana@example.org")
    assert "Secure" in response.headers["Set-Cookie"]


def test_debug_outside_development_is_refused(migrated_database):
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app(
            make_config(
                migrated_database,
                APP_ENV="production",
                SECRET_KEY="k" * 64,
                PUBLIC_BASE_URL="https://planner.example.org",
                DEBUG=True,
            )
        )


def test_the_way_to_sign_in_says_why_and_keeps_a_clean_address(client):
    response = client.get("/account", follow_redirects=True)
    assert "Sign in to continue." in response.get_data(as_text=True)
    assert client.get("/account").headers["Location"] == "/login?next=/account"


def test_one_sets_ones_own_name_which_colleagues_then_see(client, make_user, make_institution):
    institution = make_institution("uni-a")
    user = make_user("ana@example.org", institution=institution, role="manager")
    login(client, "ana@example.org")
    response = client.post("/account", data={"name": "Ana Åström"})
    assert response.status_code == 302
    assert user.name == "Ana Åström"
    assert "Ana Åström" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("name", ["", "Ana\r\nBcc: x@evil.example", "x" * 201, "a\x00b"])
def test_a_name_that_is_empty_not_one_line_or_too_long_is_refused(client, make_user, name):
    user = make_user("ana@example.org")
    login(client, "ana@example.org")
    response = client.post("/account", data={"name": name})
    assert response.status_code == 400
    assert user.name == ""
