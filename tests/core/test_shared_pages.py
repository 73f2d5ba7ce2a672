"""Signed-in pages shared by their readers: stored per data version, never personal.

The plan page, its dashboard and indicators and the institution's overview are rendered once
per data version, language, place and the reader's roles (app/core/caching.py
`shared_page`), and filled in with each reader's own name, CSRF token and feed address.
"""

from __future__ import annotations

import pickle
import re
from datetime import date

import pytest
from flask_login import current_user, login_user
from sqlalchemy import insert, select, update

from app.core import caching, held_connection
from app.core.data_version import DataState, data_version
from app.core.extensions import cache, db
from app.mail.models import OutboxMessage
from app.planner.models import Plan
from tests.conftest import login

PAGES = [
    "/plans/{plan}",
    "/plans/{plan}/dashboard",
    "/plans/{plan}/indicators",
    "/institutions/uni-a/overview",
]
EDIT_LINK = "Edit the plan"


def stored_bytes() -> bytes:
    """Everything the in-process store holds, to search for what is the readers' own."""
    backend = cache.cache
    return b"\n".join(
        pickle.dumps(pickle.loads(value)) + b"".join(pickle.loads(value).parts)
        for _expires, value in backend._cache.values()
    )


def pages(ids: dict) -> list[str]:
    return [page.format(plan=ids["plan"]) for page in PAGES]


@pytest.fixture
def readers(app, two_institutions, make_user):
    """The institution's people, with a second viewer, each signed in on their own client."""
    people, ids = two_institutions
    institution = people["viewer"].roles[0].institution
    people["viewer 2"] = make_user("another.reader@a.example", institution=institution)
    clients = {}
    for name, person in people.items():
        clients[name] = app.test_client()
        login(clients[name], person.email)
    return people, ids, clients


def test_a_second_request_is_answered_from_the_store_with_few_statements(readers, count_queries):
    _people, ids, clients = readers
    for page in pages(ids):
        with count_queries() as first:
            body = clients["manager"].get(page)
        assert body.status_code == 200, page
        with count_queries() as second:
            again = clients["manager"].get(page)
        assert again.get_data() == body.get_data(), page
        # At most the data version and the page's scope's: the account and the plan or
        # institution the page is guarded by are kept while they stay the same
        # (app/core/snapshots.py). (Here none: the test's app context, and its transaction,
        # outlive each request.)
        assert len(second.statements) <= 2 < 3 < len(first.statements), (page, second.statements)


def test_a_write_of_any_kind_is_seen_at_once(readers):
    _people, ids, clients = readers
    client = clients["viewer"]
    for page in pages(ids)[:3]:
        assert "Plan A" in client.get(page).get_data(as_text=True), page
    db.session.get(Plan, ids["plan"]).title = "Renamed through the ORM"
    db.session.commit()
    for page in pages(ids)[:3]:
        assert "Renamed through the ORM" in client.get(page).get_data(as_text=True), page
    db.session.execute(update(Plan).where(Plan.id == ids["plan"]).values(title="Through Core"))
    db.session.commit()
    for page in pages(ids)[:3]:
        assert "Through Core" in client.get(page).get_data(as_text=True), page


@pytest.mark.parametrize("first", ["planner", "viewer"])
def test_readers_of_another_role_never_get_each_others_page(readers, first):
    _people, ids, clients = readers
    plan_page = f"/plans/{ids['plan']}"
    order = [first, "viewer" if first == "planner" else "planner"]
    bodies = {name: clients[name].get(plan_page).get_data(as_text=True) for name in order}
    assert EDIT_LINK in bodies["planner"]
    assert EDIT_LINK not in bodies["viewer"]


def test_a_shared_page_names_its_own_reader_and_gives_them_their_own_feed(readers):
    people, ids, clients = readers
    plan_page = f"/plans/{ids['plan']}"
    first = clients["viewer"].get(plan_page).get_data(as_text=True)
    second = clients["viewer 2"].get(plan_page).get_data(as_text=True)
    assert people["viewer"].email in first and people["viewer 2"].email not in first
    assert people["viewer 2"].email in second and people["viewer"].email not in second
    feeds = [re.search(r"/plans/feed/([^<\"]+)\.ics", body).group(1) for body in (first, second)]
    assert feeds[0] != feeds[1]
    assert feeds[0].split("-")[1] == str(people["viewer"].id)
    assert feeds[1].split("-")[1] == str(people["viewer 2"].id)
    csrf = [re.search(r'name="csrf-token" content="([^"]+)"', b).group(1) for b in (first, second)]
    assert csrf[0] != csrf[1]


def test_the_store_holds_nothing_of_its_readers(readers):
    people, ids, clients = readers
    seen = []
    for name in ("manager", "planner", "viewer", "viewer 2"):
        for page in pages(ids):
            body = clients[name].get(page).get_data(as_text=True)
            seen += re.findall(r"/plans/feed/([^<\"]+)\.ics", body)
            seen += re.findall(r'name="csrf(?:_token|-token)" (?:value|content)="([^"]+)"', body)
    held = stored_bytes()
    assert held
    for person in people.values():
        assert person.email.encode() not in held
    assert seen
    for secret in seen:
        assert secret.encode() not in held


def test_what_renders_for_the_store_cannot_read_the_reader(app, two_institutions):
    people, _ids = two_institutions
    with app.test_request_context("/"):
        login_user(people["viewer"])
        with pytest.raises(caching.SharedPageReadTheReader, match=r"current_user\.email"):
            caching.shared_page(
                "base.html",
                name="test",
                place=(),
                context=lambda: {"who": current_user.email},
            )
        # Once rendered, the request's reader is the account again.
        assert current_user.email == people["viewer"].email


def test_a_flashed_message_is_shown_and_the_page_not_stored(readers):
    _people, ids, clients = readers
    client = clients["planner"]
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "A message for this reader only.")]
    body = client.get(f"/plans/{ids['plan']}").get_data(as_text=True)
    assert "A message for this reader only." in body
    assert b"A message for this reader only." not in stored_bytes()
    assert "A message" not in client.get(f"/plans/{ids['plan']}").get_data(as_text=True)


def test_each_day_has_its_own_dashboard(readers, monkeypatch):
    from app.indicators import views

    _people, ids, clients = readers
    page = f"/plans/{ids['plan']}/dashboard"
    monkeypatch.setattr(views, "today", lambda: date(2027, 3, 1))
    march = clients["viewer"].get(page).get_data(as_text=True)
    monkeypatch.setattr(views, "today", lambda: date(2027, 4, 1))
    april = clients["viewer"].get(page).get_data(as_text=True)
    assert march != april


def test_outsiders_get_404_before_any_stored_page(readers):
    _people, ids, clients = readers
    for page in pages(ids):
        assert clients["manager"].get(page).status_code == 200
        assert clients["outsider"].get(page).status_code == 404, page


def test_the_version_moves_once_per_writing_transaction_and_only_then(app, two_institutions):
    _people, ids = two_institutions
    start = data_version()
    db.session.scalars(select(Plan)).all()
    db.session.commit()
    assert data_version() == start, "a read"
    plan = db.session.get(Plan, ids["plan"])
    plan.title, plan.goals_text = "Twice", "in one transaction"
    db.session.flush()
    plan.title = "Three times"
    db.session.commit()
    assert data_version() == start + 1, "one transaction"
    db.session.get(Plan, ids["plan"]).title = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert data_version() == start + 1, "a rollback"
    db.session.execute(
        insert(OutboxMessage).values(
            recipient="x@example.org", subject="s", body="b", delivery="outbox"
        )
    )
    db.session.commit()
    assert data_version() == start + 1, "mail waiting to be sent changes no page"


def test_a_writer_that_sets_the_version_itself_is_not_bumped_after(app, two_institutions):
    _people, ids = two_institutions
    db.session.execute(update(DataState).values(version=41))
    db.session.get(Plan, ids["plan"]).title = "Restored"
    db.session.commit()
    assert data_version() == 41


def test_a_plan_moved_to_another_institution_is_refused_to_its_old_readers_at_once(readers):
    from app.institutions.models import Institution

    _people, ids, clients = readers
    page = f"/plans/{ids['plan']}"
    assert clients["manager"].get(page).status_code == 200
    assert clients["manager"].get(page).status_code == 200  # answered from the store
    other = db.session.scalar(db.select(Institution).where(Institution.slug != "uni-a"))
    db.session.get(Plan, ids["plan"]).institution_id = other.id
    db.session.commit()
    assert clients["manager"].get(page).status_code == 404


def test_a_hit_on_a_fresh_session_runs_no_statement_through_the_session(readers, count_queries):
    # As in a worker: the request starts with no transaction open. The version is read on the
    # held connection (app/core/held_connection.py); account and plan are kept rows.
    _people, ids, clients = readers
    for page in pages(ids):
        clients["manager"].get(page)  # stored, and the rows kept
        db.session.remove()
        with count_queries() as hit:
            assert clients["manager"].get(page).status_code == 200
        assert hit.statements == [], (page, hit.statements)


def test_a_hit_on_a_plan_page_reads_the_versions_in_one_statement(readers, monkeypatch):
    # The address names the plan, so the first read (the reader's kept account, under the
    # unscoped version) brings the plan's version with it: one round trip per hit.
    _people, ids, clients = readers
    reads: list[str] = []
    real = held_connection._read

    def read(connection, sql):
        reads.append(sql)
        return real(connection, sql)

    monkeypatch.setattr(held_connection, "_read", read)
    for page in pages(ids)[:3]:
        clients["manager"].get(page)  # stored, and the rows kept
        db.session.remove()
        reads.clear()
        assert clients["manager"].get(page).status_code == 200
        assert len(reads) == 1 and "data_scopes" in reads[0], (page, reads)


def test_the_version_is_read_in_the_session_once_it_has_begun(app, two_institutions, count_queries):
    # SQLite's snapshot dates from a transaction's first statement: a version read elsewhere
    # after it could be newer than what the session reads, and a page stored under it stale.
    _people, ids = two_institutions
    db.session.remove()
    with app.test_request_context("/"):
        with count_queries() as fresh:
            data_version()
        assert fresh.statements == []
    db.session.remove()
    with app.test_request_context("/"):
        db.session.get(Plan, ids["plan"])
        with count_queries() as begun:
            data_version()
        assert any("data_state" in statement for statement in begun.statements)


def test_a_request_reads_the_version_again_after_its_commit(app, two_institutions):
    _people, ids = two_institutions
    db.session.remove()
    with app.test_request_context("/"):
        before = data_version()
        assert data_version() == before  # kept for the request
        db.session.get(Plan, ids["plan"]).title = "Changed in this request"
        db.session.commit()
        assert data_version() == before + 1
