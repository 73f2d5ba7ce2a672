"""The sign-in lockout stops guessing without locking the owner out for as long as it lasts.

Five wrong passwords lock an account for a minute, from any address: that is what stops a
guesser who spreads over many addresses. But anyone who knows the address can keep it locked.
A browser that proved itself (it signed in with the password, or it completed a password
reset) carries a signed device cookie and counts its attempts apart, so the owner's own
browser still gets in while a stranger keeps the account locked.
"""

from __future__ import annotations

from app.accounts.tokens import RESET_SALT, make_token
from tests.conftest import PASSWORD, login

WRONG = "wrong password!"


def lock(app, email: str) -> None:
    """Lock the account as a stranger would: wrong passwords from a browser of their own."""
    stranger = app.test_client()
    for _ in range(6):
        login(stranger, email, WRONG)
    assert login(stranger, email, PASSWORD).status_code == 429


def test_the_owners_known_browser_gets_in_while_a_stranger_keeps_the_account_locked(app, make_user):
    make_user("ana@example.org")
    owner = app.test_client()
    assert login(owner, "ana@example.org").status_code == 302
    owner.post("/logout")
    lock(app, "ana@example.org")
    assert login(owner, "ana@example.org").status_code == 302
    assert owner.get("/account").status_code == 200


def test_a_browser_that_completed_a_reset_gets_in_while_the_account_is_locked(app, make_user):
    user = make_user("ana@example.org")
    lock(app, "ana@example.org")
    browser = app.test_client()
    assert login(browser, "ana@example.org").status_code == 429
    token = make_token(RESET_SALT, {"user": user.id, "check": user.session_token[:16]})
    new = {"password": "a brand new sentence", "confirm": "a brand new sentence"}
    assert browser.post(f"/password/reset/{token}", data=new).status_code == 302
    assert login(browser, "ana@example.org", "a brand new sentence").status_code == 302


def test_a_known_browser_still_has_a_limit_of_its_own(app, make_user):
    make_user("ana@example.org")
    owner = app.test_client()
    login(owner, "ana@example.org")
    owner.post("/logout")
    for _ in range(5):
        assert login(owner, "ana@example.org", WRONG).status_code == 200
    assert login(owner, "ana@example.org").status_code == 429


def test_a_device_cookie_of_another_account_does_not_help(app, make_user):
    make_user("ana@example.org")
    make_user("bo@example.org")
    browser = app.test_client()
    login(browser, "bo@example.org")
    browser.post("/logout")
    lock(app, "ana@example.org")
    assert login(browser, "ana@example.org").status_code == 429


def test_a_forged_device_cookie_is_ignored(app, make_user):
    make_user("ana@example.org")
    owner = app.test_client()
    login(owner, "ana@example.org")
    owner.post("/logout")
    cookie = owner.get_cookie("known_device")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    lock(app, "ana@example.org")
    forger = app.test_client()
    # Change the first character: it is always a whole one of the payload (the signature's
    # last one may hold unused bits, and may already be the character put there).
    value = cookie.value
    forger.set_cookie("known_device", ("A" if value[0] != "A" else "B") + value[1:])
    assert login(forger, "ana@example.org").status_code == 429
