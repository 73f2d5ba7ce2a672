"""Headers on every response, generic error pages, no unsafe configuration outside development."""

from __future__ import annotations

import pytest
from flask import abort, request

from app import create_app
from app.core.security import SessionCookies
from app.core.urls import external_url
from tests.conftest import make_config


@pytest.mark.parametrize("path", ["/practices", "/api/v1/practices", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_unexpected_error_shows_a_generic_page_without_internals(migrated_database):
    app = create_app(make_config(migrated_database, TESTING=False, PROPAGATE_EXCEPTIONS=False))

    @app.get("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM internals")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("SELECT secret FROM internals")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "SELECT secret" not in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"]
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["status"] == 500
    assert "SELECT secret" not in api.get_data(as_text=True)


def test_production_refuses_a_missing_secret_key(migrated_database):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_config(migrated_database, APP_ENV="production", SECRET_KEY=None))


@pytest.mark.parametrize("key", ["dev", "changeme", ""])
def test_production_refuses_a_default_secret_key(migrated_database, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_config(migrated_database, APP_ENV="production", SECRET_KEY=key))


def test_production_sends_hsts_and_secure_cookies(migrated_database):
    app = create_app(
        make_config(
            migrated_database,
            APP_ENV="production",
            SECRET_KEY="x" * 64,
            PUBLIC_BASE_URL="https://planner.example.org",
        )
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz", base_url="https://planner.example.org")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_production_refuses_a_missing_public_base_url(migrated_database):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(make_config(migrated_database, APP_ENV="production", SECRET_KEY="x" * 64))


def test_production_answers_400_to_a_host_it_does_not_serve(migrated_database):
    app = create_app(
        make_config(
            migrated_database,
            APP_ENV="production",
            SECRET_KEY="x" * 64,
            PUBLIC_BASE_URL="https://planner.example.org",
        )
    )
    response = app.test_client().get("/healthz", base_url="https://evil.example")
    assert response.status_code == 400


def test_external_links_come_from_configuration_not_the_host_header(app):
    app.config["PUBLIC_BASE_URL"] = "https://planner.example.org/base"
    with app.test_request_context("/", base_url="http://evil.example"):
        link = external_url("practices.detail", slug="a-sheet")
    assert link == "https://planner.example.org/base/practices/a-sheet"


def test_http_errors_keep_their_status_and_description(app):
    @app.get("/gone")
    def gone():
        abort(410, description="It left.")

    response = app.test_client().get("/gone")
    assert response.status_code == 410
    assert "It left." in response.get_data(as_text=True)


def test_database_url_of_plain_postgres_uses_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/db")
    monkeypatch.setenv("SECRET_KEY", "y" * 64)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://planner.example.org")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@localhost/db"


def _signed_cookie(app, data: dict) -> str:
    """Return the session cookie's value the app would send for `data`."""
    return app.session_interface.get_signing_serializer(app).dumps(data)


def test_session_signer_is_made_once_per_secret_and_not_for_a_visitor_without_a_cookie(app):
    cookies = SessionCookies()
    with app.test_request_context("/"):
        assert cookies.open_session(app, request) == {}
        assert cookies._signers == {}  # no cookie, no signer built
    first = cookies.get_signing_serializer(app)
    assert cookies.get_signing_serializer(app) is first
    app.config["SECRET_KEY"] = "another-secret-0123456789abcdef0123"
    assert cookies.get_signing_serializer(app) is not first


def test_a_changed_secret_rejects_old_cookies_unless_it_is_a_fallback(app):
    name = app.config["SESSION_COOKIE_NAME"]
    old = _signed_cookie(app, {"probe": "kept"})

    def read() -> dict:
        with app.test_request_context("/", headers={"Cookie": f"{name}={old}"}):
            return dict(app.session_interface.open_session(app, request))

    assert read() == {"probe": "kept"}
    previous = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-secret-0123456789abcdef012345"
    assert read() == {}
    app.config["SECRET_KEY_FALLBACKS"] = [previous]
    assert read() == {"probe": "kept"}
