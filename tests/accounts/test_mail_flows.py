"""Invitations and password resets, through the outbox as a person would receive them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from freezegun import freeze_time
from sqlalchemy import select

from app.accounts.models import InstitutionRole, User
from app.core.extensions import db
from app.mail.models import OutboxMessage
from tests.conftest import PASSWORD, login


def last_link(recipient: str) -> str:
    """Return the path of the link in the newest email to someone."""
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no email to {recipient}"
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


def role_of(email: str) -> str | None:
    return db.session.scalar(select(InstitutionRole.role).join(User).where(User.email == email))


def test_forgotten_password_link_sets_a_new_password_once(client, make_user):
    make_user("ana@example.org")
    response = client.post("/password/forgot", data={"email": "ana@example.org"})
    assert response.status_code == 302
    link = last_link("ana@example.org")
    new = {"password": "a brand new sentence", "confirm": "a brand new sentence"}
    assert client.post(link, data=new).status_code == 302
    assert login(client, "ana@example.org", "a brand new sentence").status_code == 302
    client.post("/logout")
    again = client.post(
        link, data={"password": "yet another sentence", "confirm": "yet another sentence"}
    )
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert 'href="/password/forgot">Ask for a new link' in again.get_data(as_text=True)


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If an account uses this address" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage)) is None


def test_reset_link_expires(client, make_user, app):
    make_user("ana@example.org")
    with freeze_time("2026-01-01 10:00:00"):
        client.post("/password/forgot", data={"email": "ana@example.org"})
    link = last_link("ana@example.org")
    with freeze_time("2026-01-01 11:00:30"):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_link_is_refused(client, make_user):
    make_user("ana@example.org")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    link = last_link("ana@example.org")
    assert client.get(link[:-3] + "abc").status_code == 400


def test_new_password_must_follow_the_rule(client, make_user):
    make_user("ana@example.org")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    response = client.post(
        last_link("ana@example.org"), data={"password": "password123", "confirm": "password123"}
    )
    assert "among the most common" in response.get_data(as_text=True)


def test_manager_invites_a_newcomer_who_joins_with_the_role(client, make_user, make_institution):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    login(client, "boss@example.org")
    response = client.post(
        "/institutions/uni-a/invitations", data={"email": "new@example.org", "role": "planner"}
    )
    assert response.status_code == 302
    client.post("/logout")
    link = last_link("new@example.org")
    page = client.get(link).get_data(as_text=True)
    assert "<dt>Your role</dt><dd><strong>Planner</strong></dd>" in page
    response = client.post(
        link,
        data={
            "name": "New Person",
            "password": "welcome aboard friend",
            "confirm": "welcome aboard friend",
        },
    )
    assert response.status_code == 302
    assert role_of("new@example.org") == "planner"
    assert client.get("/account").status_code == 200  # signed in straight away
    client.post("/logout")
    assert client.get(link).status_code == 400  # used


def test_existing_user_accepts_after_signing_in(client, make_user, make_institution):
    institution = make_institution("uni-a")
    boss = make_user("boss@example.org", institution=institution, role="manager")
    make_user("ana@example.org")
    from app.accounts import services

    with client.application.test_request_context():
        services.invite(institution, "ana@example.org", "viewer", boss)
    db.session.commit()
    link = last_link("ana@example.org")
    assert client.get(link).headers["Location"].startswith("/login")
    login(client, "ana@example.org")
    assert client.post(link).status_code == 302
    assert role_of("ana@example.org") == "viewer"


def test_withdrawn_invitation_no_longer_works(client, make_user, make_institution):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    login(client, "boss@example.org")
    client.post(
        "/institutions/uni-a/invitations", data={"email": "new@example.org", "role": "viewer"}
    )
    link = last_link("new@example.org")
    from app.accounts.models import Invitation

    invitation_id = db.session.scalar(select(Invitation.id))
    client.post(f"/institutions/uni-a/invitations/{invitation_id}/revoke")
    client.post("/logout")
    response = client.get(link)
    assert response.status_code == 400
    assert "withdrawn" in response.get_data(as_text=True)


def test_invitation_for_someone_else_is_refused_to_a_signed_in_user(
    client, make_user, make_institution
):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    login(client, "boss@example.org")
    client.post(
        "/institutions/uni-a/invitations", data={"email": "new@example.org", "role": "viewer"}
    )
    assert client.get(last_link("new@example.org")).status_code == 403


def test_manager_changes_and_removes_roles_but_keeps_one_manager(
    client, make_user, make_institution
):
    institution = make_institution("uni-a")
    boss = make_user("boss@example.org", institution=institution, role="manager")
    ana = make_user("ana@example.org", institution=institution, role="viewer")
    login(client, "boss@example.org")
    client.post(f"/institutions/uni-a/members/{ana.id}/role", data={"role": "planner"})
    assert role_of("ana@example.org") == "planner"
    response = client.post(
        f"/institutions/uni-a/members/{boss.id}/role",
        data={"role": "viewer"},
        follow_redirects=True,
    )
    assert "needs at least one manager" in response.get_data(as_text=True)
    assert role_of("boss@example.org") == "manager"
    client.post(f"/institutions/uni-a/members/{ana.id}/remove")
    assert role_of("ana@example.org") is None


def test_outbox_is_for_admins_only(client, make_user):
    make_user("admin@example.org", is_admin=True)
    make_user("ana@example.org")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    login(client, "ana@example.org")
    assert client.get("/admin/outbox").status_code == 403
    client.post("/logout")
    login(client, "admin@example.org")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Reset your password" in page and "kept in the outbox" in page


def test_the_outbox_shows_no_text_of_mail_the_server_delivered(client, make_user):
    # Without a mail server the administrator carries the link; with one, only its recipient.
    make_user("admin@example.org", is_admin=True)
    db.session.add_all(
        [
            OutboxMessage(
                recipient="ana@example.org",
                subject="Reset your password",
                body="Open https://planner.example.org/password/reset/SECRET-SENT",
                delivery="smtp",
                status="sent",
                kind="password-reset",
            ),
            OutboxMessage(
                recipient="bo@example.org",
                subject="Reset your password",
                body="Open https://planner.example.org/password/reset/KEPT-HERE",
                delivery="outbox",
                kind="password-reset",
            ),
        ]
    )
    db.session.commit()
    login(client, "admin@example.org")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "SECRET-SENT" not in page and "holds a link that signs them in" in page
    assert "KEPT-HERE" in page


def test_password_rule(app):
    from app.accounts.passwords import password_problems

    rule = app.config["COMMON_PASSWORDS_FILE"]
    assert password_problems("short", "", rule) == ["Use at least 8 characters."]
    assert password_problems("x" * 129, "", rule) == ["Use at most 128 characters."]
    assert "among the most common" in password_problems("Password123", "", rule)[0]
    assert password_problems("ana@example.org", "ana@example.org", rule)
    assert password_problems("no rules about digits or symbols", "", rule) == []
    assert password_problems(PASSWORD, "", rule) == []
