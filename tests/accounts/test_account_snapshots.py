"""A signed-in session's account is read once and kept while the data version stays the same:
every change that matters to who the reader is (a role, the account, its token) is seen at the
session's next request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import InstitutionRole, User
from app.core.extensions import db
from tests.conftest import login


def _reads_the_account(statements: list[str]) -> bool:
    return any("FROM users" in statement for statement in statements)


def test_the_next_request_of_a_session_does_not_read_the_account_again(
    client, make_user, count_queries
):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    assert client.get("/account").status_code == 200
    with count_queries() as counted:
        page = client.get("/account")
    assert page.status_code == 200 and "ana@example.org" in page.get_data(as_text=True)
    assert not _reads_the_account(counted.statements), counted.statements


def test_a_role_taken_away_is_seen_at_the_next_request(client, make_user, make_institution):
    institution = make_institution("uni-a")
    make_user("ana@example.org", institution=institution, role="manager")
    login(client, "ana@example.org")
    assert client.get("/institutions/uni-a/members").status_code == 200
    db.session.execute(db.delete(InstitutionRole))  # by another request, say
    db.session.commit()
    assert client.get("/institutions/uni-a/members").status_code == 404


def test_a_role_given_is_seen_at_the_next_request(client, make_user, make_institution):
    from app.accounts.services import set_role

    institution = make_institution("uni-a")
    ana = make_user("ana@example.org")
    login(client, "ana@example.org")
    assert client.get("/institutions/uni-a/members").status_code == 404
    set_role(ana, institution, "manager", by="test")
    db.session.commit()
    assert client.get("/institutions/uni-a/members").status_code == 200


def test_a_closed_account_is_signed_out_at_the_next_request(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    assert client.get("/account").status_code == 200
    db.session.scalar(select(User)).active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_request_changing_the_account_does_not_change_the_kept_copy(client, make_user):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    client.get("/account")
    assert client.post("/account", data={"name": "Päivi Ääritalo"}).status_code == 302
    assert "Päivi Ääritalo" in client.get("/account").get_data(as_text=True)


def test_a_kept_account_with_another_token_is_read_again_before_refusing(app, client, make_user):
    # As after a restore into a database made again, where versions start anew: the kept
    # account of that number may be another one, with another token.
    make_user("ana@example.org")
    login(client, "ana@example.org")
    assert client.get("/account").status_code == 200
    (_version, copy) = next(iter(app.extensions["kept_rows"]["account"].values()))
    set_committed_value(copy, "session_token", "another")  # not a change to write
    assert client.get("/account").status_code == 200
