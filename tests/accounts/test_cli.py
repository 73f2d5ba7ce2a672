"""`flask users create` bootstraps accounts."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from tests.conftest import PASSWORD, login


def test_create_user_with_a_role_who_can_then_sign_in(runner, client, make_institution):
    make_institution("uni-a")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ana@Example.org",
            "--password",
            PASSWORD,
            "--institution",
            "uni-a",
            "--role",
            "planner",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created ana@example.org (planner of Uni A)." in result.output
    assert login(client, "ana@example.org").status_code == 302


def test_create_admin_and_curator(runner):
    result = runner.invoke(
        args=["users", "create", "boss@example.org", "--password", PASSWORD, "--admin", "--curator"]
    )
    assert "(admin, curator)" in result.output
    user = db.session.scalar(select(User))
    assert user.is_admin and user.is_curator


def test_common_password_is_refused(runner):
    result = runner.invoke(args=["users", "create", "a@example.org", "--password", "password123"])
    assert result.exit_code != 0
    assert "among the most common" in result.output
    assert db.session.scalar(select(User)) is None


def test_institution_and_role_go_together(runner):
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--password", PASSWORD, "--institution", "uni-a"]
    )
    assert result.exit_code != 0
    assert "--institution and --role go together" in result.output


def test_unknown_institution_and_duplicate_account_are_refused(runner, make_user):
    make_user("a@example.org")
    duplicate = runner.invoke(args=["users", "create", "a@example.org", "--password", PASSWORD])
    assert "already exists" in duplicate.output
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "b@example.org",
            "--password",
            PASSWORD,
            "--institution",
            "nowhere",
            "--role",
            "viewer",
        ]
    )
    assert "no institution with slug 'nowhere'" in unknown.output


def test_create_user_with_a_language_whose_pages_then_read_in_it(runner, client):
    result = runner.invoke(
        args=["users", "create", "ana@example.org", "--password", PASSWORD, "--language", "sv"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.language)) == "sv"
    login(client, "ana@example.org")
    assert '<html lang="sv">' in client.get("/account").get_data(as_text=True)


def test_an_unknown_language_is_refused(runner):
    result = runner.invoke(
        args=["users", "create", "ana@example.org", "--password", PASSWORD, "--language", "de"]
    )
    assert result.exit_code != 0 and "'de' is not one of 'en', 'fi', 'sv'" in result.output
    assert db.session.scalar(select(User)) is None
