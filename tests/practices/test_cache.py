"""The cached catalogue: versioned, never personal, answered conditionally."""

from __future__ import annotations

import pickle
import re
import shutil
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event, select

from app.core import held_connection
from app.core.extensions import cache, db
from app.practices import services
from app.practices.models import CatalogueState, Practice
from app.practices.version import catalogue_version
from tests.conftest import SHIPPED_PRACTICES, login, make_config

SLUG = "peer-learning-circle"
PAGES = ["/practices", f"/practices/{SLUG}", "/api/v1/practices", f"/api/v1/practices/{SLUG}"]


def stored() -> dict:
    """Return the in-process store's entries, key to stored answer."""
    backend = cache.cache
    return {key: pickle.loads(value) for key, (_expires, value) in backend._cache.items()}


def stored_bytes() -> bytes:
    """Return everything the store holds, as one byte string, to search for personal data."""
    return b"\n".join(pickle.dumps(value) + page(value.parts) for value in stored().values())


def page(parts: tuple[bytes, ...]) -> bytes:
    """Return a stored page as rendered for the store: its pieces with the markers between."""
    return b"".join(
        b"\x00slot:" + part + b"\x00" if index % 2 else part for index, part in enumerate(parts)
    )


@pytest.fixture
def sheet(make_practice):
    make_practice(slug=SLUG, title="Peer learning circle", summary="A first summary.")
    make_practice(slug="second-sheet", title="Second sheet", summary="Another summary.")


def test_a_second_anonymous_request_is_answered_from_the_store(client, sheet):
    for page in PAGES:
        first = client.get(page)
        assert first.status_code == 200
        assert client.get(page).get_data() == first.get_data()
    assert len(stored()) == len(PAGES)


def test_a_curators_save_is_seen_at_once_on_every_cached_page(client, sheet):
    for page in PAGES:
        assert "A first summary." in client.get(page).get_data(as_text=True)
    practice = services.get_practice(SLUG)
    edited = services.sheet_from_practice(practice).model_copy(update={"summary": "Saved anew."})
    services.save_sheet(practice, edited, author=None)
    db.session.commit()
    for page in PAGES:
        body = client.get(page).get_data(as_text=True)
        assert "Saved anew." in body, page
        assert "A first summary." not in body, page


def test_a_withdrawn_sheet_leaves_the_cached_list_and_api_at_once(client, sheet):
    assert SLUG in client.get("/practices").get_data(as_text=True)
    assert SLUG in client.get("/api/v1/practices").get_data(as_text=True)
    assert "withdrawn" not in client.get(f"/practices/{SLUG}").get_data(as_text=True)
    practice = services.get_practice(SLUG)
    practice.withdrawn_at = practice.updated_at
    db.session.commit()
    assert f"/practices/{SLUG}" not in client.get("/practices").get_data(as_text=True)
    assert f'"{SLUG}"' not in client.get("/api/v1/practices").get_data(as_text=True)
    assert "has been withdrawn" in client.get(f"/practices/{SLUG}").get_data(as_text=True)


def test_a_sync_that_withdraws_a_sheet_is_seen_at_once(app, client, runner, tmp_path):
    folder = tmp_path / "practices"
    shutil.copytree(SHIPPED_PRACTICES, folder)
    app.config["PRACTICES_DIR"] = str(folder)
    assert runner.invoke(args=["practices", "sync"]).exit_code == 0
    # A sheet no other sheet names as related, so that the folder stays valid without it.
    texts = {path: path.read_text() for path in folder.glob("*.md")}
    slug = next(
        slug
        for slug in db.session.scalars(select(Practice.slug).order_by(Practice.slug))
        if not any(slug in text for path, text in texts.items() if not path.name.startswith(slug))
    )
    assert f"/practices/{slug}" in client.get("/practices?per_page=100").get_data(as_text=True)
    assert '"withdrawn":false' in client.get(f"/api/v1/practices/{slug}").get_data(as_text=True)
    for path in folder.glob(f"{slug}.*"):
        path.unlink()
    result = runner.invoke(args=["practices", "sync"])
    assert result.exit_code == 0, result.output
    assert f"/practices/{slug}" not in client.get("/practices?per_page=100").get_data(as_text=True)
    assert '"withdrawn":true' in client.get(f"/api/v1/practices/{slug}").get_data(as_text=True)


def test_a_sync_that_changes_nothing_keeps_the_version(app, runner, catalogue):
    before = db.session.scalar(select(CatalogueState.version))
    assert runner.invoke(args=["practices", "sync"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(CatalogueState.version)) == before


def test_a_rolled_back_write_keeps_the_version(app, sheet):
    before = catalogue_version()
    services.get_practice(SLUG).summary = "Never saved."
    db.session.flush()
    db.session.rollback()
    assert catalogue_version() == before


def test_a_signed_in_planner_never_gets_the_anonymous_page_and_visitors_never_get_theirs(
    client, app, make_institution, make_user, sheet
):
    from app.planner.services import create_plan

    institution = make_institution("uni-a")
    make_user("plan@example.org", institution=institution, role="planner")
    create_plan(
        institution,
        title="Plan 2027",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    db.session.commit()
    visitor = app.test_client()
    for page in ("/practices", f"/practices/{SLUG}"):
        assert "adopt-form" not in visitor.get(page).get_data(as_text=True)
    login(client, "plan@example.org")
    for page in ("/practices", f"/practices/{SLUG}"):
        body = client.get(page).get_data(as_text=True)
        assert "adopt-form" in body, page
        assert "plan@example.org" in body
    for page in ("/practices", f"/practices/{SLUG}"):
        assert "adopt-form" not in visitor.get(page).get_data(as_text=True)


def test_the_store_holds_no_personal_data(client, app, make_user, sheet):
    make_user("someone@example.org", name="Personal Name")
    visitor = app.test_client()
    visitor.get("/csrf-token")  # a visitor with a session: their token goes in each page
    for page in PAGES:
        visitor.get(page)
    login(client, "someone@example.org")
    for page in PAGES:
        client.get(page)
    for page in PAGES:
        visitor.get(page)
    held = stored_bytes()
    assert held
    assert b"someone@example.org" not in held
    assert b"Personal Name" not in held
    assert b'name="csrf_token" value="\x00slot:csrf_token\x00"' in held
    for who in (client, visitor):
        cookie = who.get_cookie("session")
        assert cookie is not None
        assert cookie.value.encode() not in held


def test_the_language_switch_works_from_a_cached_page(app, sheet):
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    for visitor in (first, second):
        visitor.get("/login")  # a session, and so a token on cached pages
    first.get("/practices")  # fills the store
    page = second.get("/practices").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    first_token = re.search(
        r'name="csrf_token" value="([^"]+)"', first.get("/practices").get_data(as_text=True)
    ).group(1)
    assert token != first_token
    answer = second.post("/language", data={"csrf_token": token, "language": "fi"})
    assert answer.status_code in (302, 303)
    assert '<html lang="fi">' in second.get("/practices").get_data(as_text=True)
    refused = second.post("/language", data={"csrf_token": first_token, "language": "sv"})
    assert refused.status_code == 400


@pytest.mark.parametrize("csrf", [False, True], ids=["csrf off", "csrf on"])
def test_a_visitor_without_a_session_gets_no_session_and_no_token(app, sheet, csrf):
    # With CSRF on, a form built for the page (the planner's adopt form) would make a token,
    # and with it a session, on the answer that renders the page for the store.
    app.config["WTF_CSRF_ENABLED"] = csrf
    visitor = app.test_client(use_cookies=False)
    for page in [
        *("/practices", f"/practices/{SLUG}", "/practices?q=summary", "/practices?sort=title"),
        *("/practices", f"/practices/{SLUG}", "/practices?q=summary", "/practices?sort=title"),
    ]:
        answer = visitor.get(page)
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers, page
        assert 'name="csrf_token" value=""' in answer.get_data(as_text=True)


def test_the_language_switch_sent_without_a_token_asks_to_confirm_and_changes_nothing(app, sheet):
    app.config["WTF_CSRF_ENABLED"] = True
    visitor = app.test_client()
    asked = visitor.post("/language", data={"language": "fi", "next": "/practices?q=x"})
    assert asked.status_code == 400
    page = asked.get_data(as_text=True)
    assert 'value="fi"' in page and 'value="/practices?q=x"' in page
    assert '<html lang="en">' in visitor.get("/practices").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    done = visitor.post(
        "/language", data={"csrf_token": token.group(1), "language": "fi", "next": "/practices"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/practices")
    assert '<html lang="fi">' in visitor.get("/practices").get_data(as_text=True)


def test_the_token_address_gives_a_token_the_language_switch_takes(app, sheet):
    app.config["WTF_CSRF_ENABLED"] = True
    visitor = app.test_client()
    answer = visitor.get("/csrf-token")
    assert answer.headers["Cache-Control"] == "no-store"
    token = answer.get_json()["csrf_token"]
    done = visitor.post("/language", data={"csrf_token": token, "language": "sv"})
    assert done.status_code == 302
    assert '<html lang="sv">' in visitor.get("/practices").get_data(as_text=True)
    forged = app.test_client().post("/language", data={"csrf_token": token, "language": "fi"})
    assert forged.status_code == 400, "a token is its own session's"


def test_a_matching_etag_is_a_304_without_a_body_until_the_catalogue_changes(client, sheet):
    for page in PAGES:
        first = client.get(page)
        etag = first.headers["ETag"]
        again = client.get(page, headers={"If-None-Match": etag})
        assert again.status_code == 304, page
        assert again.get_data() == b""
        since = client.get(page, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304
    practice = services.get_practice(SLUG)
    practice.summary = "Changed."
    db.session.commit()
    for page in PAGES:
        assert client.get(page, headers={"If-None-Match": etag}).status_code == 200


def test_pages_say_how_to_cache_them(client, sheet):
    page = client.get("/practices")
    assert page.headers["Cache-Control"] == "no-cache"
    assert "Accept-Language" in page.headers["Vary"]
    assert client.get("/api/v1/practices").headers["Cache-Control"].startswith("public")


def test_each_language_has_its_own_entry(client, app, sheet):
    english = client.get("/practices", headers={"Accept-Language": "en"})
    finnish = app.test_client().get("/practices", headers={"Accept-Language": "fi"})
    assert '<html lang="fi">' in finnish.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert english.headers["ETag"] != finnish.headers["ETag"]
    assert len(stored()) == 2


def test_the_same_query_in_another_order_shares_an_entry(client, sheet):
    one = client.get("/practices?category=networking&setup_cost=1")
    other = client.get("/practices?setup_cost=1&page=1&category=networking")
    assert one.headers["ETag"] == other.headers["ETag"]
    assert len(stored()) == 1
    client.get("/practices?category=networking&setup_cost=2")
    assert len(stored()) == 2


def test_ticked_boxes_bad_queries_and_missing_sheets_are_not_stored(client, sheet, monkeypatch):
    from app.core import caching

    monkeypatch.setattr(caching, "KEY_MAX_LENGTH", 12)
    assert client.get(f"/practices?ticked={SLUG}").status_code == 200
    assert client.get("/practices?sort=nonsense").status_code == 400
    assert client.get("/practices/no-such-sheet").status_code == 404
    assert client.get("/practices?q=peer+learning+circle").status_code == 200
    assert stored() == {}


def test_a_flashed_message_is_shown_not_stored(client, app, sheet):
    client.get("/practices")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Just for you.")]
    assert "Just for you." in client.get("/practices").get_data(as_text=True)
    assert b"Just for you." not in stored_bytes()


def test_a_cached_hit_runs_one_statement_and_no_session(app, client, sheet):
    client.get("/practices")
    through_sqlalchemy: list[str] = []
    checkouts: list[object] = []
    traced: list[str] = []  # every statement the SQLite driver ran, BEGIN included

    def record(_conn, _cursor, statement, *_args):
        through_sqlalchemy.append(statement)

    def checkout(dbapi_connection, *_args):
        checkouts.append(dbapi_connection)

    held = held_connection._local.held[2]  # the first request's version read made it
    if hasattr(held, "set_trace_callback"):
        held.set_trace_callback(traced.append)
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "checkout", checkout)
    try:
        assert client.get("/practices").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "checkout", checkout)
        if hasattr(held, "set_trace_callback"):
            held.set_trace_callback(None)
    # The version is read on the connection the thread holds, straight through the driver:
    # no session, no transaction, not even a checkout from the pool, nothing else.
    assert through_sqlalchemy == []
    assert checkouts == []
    assert held_connection._local.held[2] is held
    if db.engine.dialect.name == "sqlite":
        assert len(traced) == 1
        assert "catalogue_state" in traced[0]


def test_an_uncached_list_runs_as_many_statements_for_many_sheets_as_for_few(
    app, count_queries, make_practice
):
    app.config["CACHE_PAGES"] = False

    def statements(client) -> int:
        db.session.remove()
        with count_queries() as counted:
            assert client.get("/practices").status_code == 200
        return len(counted)

    make_practice(slug="one", title="One")
    few = statements(app.test_client())
    for n in range(12):
        make_practice(slug=f"sheet-{n}", title=f"Sheet {n}")
    assert statements(app.test_client()) == few


def test_orjson_writes_what_the_standard_provider_wrote(app: Flask):
    from datetime import UTC, datetime
    from decimal import Decimal

    from flask.json.provider import DefaultJSONProvider

    value = {"b": 1, "a": [Decimal("1.50"), datetime(2027, 1, 1, tzinfo=UTC)], "c": "ä"}
    import json

    assert json.loads(app.json.dumps(value)) == json.loads(DefaultJSONProvider(app).dumps(value))
    assert list(json.loads(app.json.dumps({"b": 1, "a": 2}))) == ["a", "b"]


def test_redis_is_used_when_configured(migrated_database):
    from app import create_app

    app = create_app(make_config(migrated_database, CACHE_REDIS_URL="redis://127.0.0.1:6379/1"))
    assert app.config["CACHE_TYPE"] == "RedisCache"


def test_the_release_fingerprint_follows_the_files_contents_not_their_times(tmp_path) -> None:
    """Machines that copied one release at different times share a store's entries; a
    changed template does not."""
    import os

    from app.core.caching import _release

    first, second, changed = (tmp_path / name for name in ("first", "second", "changed"))
    for folder, text in ((first, "<p>a</p>"), (second, "<p>a</p>"), (changed, "<p>b</p>")):
        (folder / "templates").mkdir(parents=True)
        (folder / "templates" / "page.html").write_text(text)
        (folder / "views.py").write_text("VIEW = 1\n")
    os.utime(second / "templates" / "page.html", (1_000_000, 1_000_000))
    assert _release(first) == _release(second)
    assert _release(first) != _release(changed)


@pytest.mark.parametrize(
    "page",
    ["/institutions", "/events", "/practices/compare?slugs=peer-learning-circle,second-sheet"],
)
def test_a_first_visit_of_any_public_page_makes_no_session(app, sheet, page):
    # The language switch of every page asks for a token only from a visitor with a session
    # (static/app.js fetches one as it is sent), whether or not the page is kept in the store.
    app.config["WTF_CSRF_ENABLED"] = True
    answer = app.test_client(use_cookies=False).get(page)
    assert answer.status_code == 200, page
    assert "Set-Cookie" not in answer.headers, page
    assert 'name="csrf_token" value=""' in answer.get_data(as_text=True)
