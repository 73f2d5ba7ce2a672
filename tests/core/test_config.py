"""Settings for production serving: PostgreSQL pool sizes and the proxy in front."""

from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from app.config import load_config
from tests.conftest import make_config

POSTGRES = "postgresql+psycopg://planner:secret@db.example.org/planner"


def engine_options(**config) -> dict:
    """Return the engine options an app is configured with (no connection is made)."""
    app = create_app(make_config(config.pop("database_url", POSTGRES), **config))
    return app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_postgresql_gets_a_bounded_pool_that_checks_connections():
    options = engine_options()
    assert options == {
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 5,
        "pool_timeout": 30,
        "pool_recycle": 1800,
    }


def test_pool_settings_are_read_from_the_configuration():
    options = engine_options(
        DATABASE_POOL_SIZE="3", DATABASE_MAX_OVERFLOW=0, DATABASE_POOL_RECYCLE=300
    )
    assert (options["pool_size"], options["max_overflow"], options["pool_recycle"]) == (3, 0, 300)


def test_engine_options_given_in_full_win_over_the_pool_settings():
    options = engine_options(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20}, DATABASE_POOL_SIZE=3)
    assert options["pool_size"] == 20
    assert options["pool_pre_ping"] is True


def test_sqlite_keeps_sqlalchemy_s_own_pool_without_a_ping():
    # A file's connection cannot drop; a ping would be one more statement per request.
    assert engine_options(database_url="sqlite://") == {}


def test_pool_settings_come_from_plain_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    monkeypatch.setenv("APP_ENV", "testing")
    bare = Flask("config_test", instance_path=str(tmp_path))
    load_config(bare)
    options = bare.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (2, 1)
    assert bare.config["TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize("value", ["-1", "many", "2.5", True])
def test_a_bad_pool_size_refuses_to_start(value):
    with pytest.raises(RuntimeError, match="DATABASE_POOL_SIZE"):
        engine_options(DATABASE_POOL_SIZE=value)


def whoami_app(**config):
    """Return an app with a route that shows what it believes of the request."""
    app = create_app(make_config("sqlite://", **config))

    @app.get("/whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme} {request.host}"

    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "planner.example.org",
}


def test_forwarded_headers_are_ignored_without_a_trusted_proxy():
    response = whoami_app().test_client().get("/whoami", headers=FORWARDED)
    assert response.get_data(as_text=True) == "127.0.0.1 http localhost"


def test_behind_one_trusted_proxy_the_client_address_and_scheme_come_from_it():
    app = whoami_app(TRUSTED_PROXY_COUNT=1)
    response = app.test_client().get("/whoami", headers=FORWARDED)
    assert response.get_data(as_text=True) == "203.0.113.7 https planner.example.org"


def test_behind_one_proxy_only_the_address_it_appended_is_trusted():
    app = whoami_app(TRUSTED_PROXY_COUNT=1)
    spoofed = {**FORWARDED, "X-Forwarded-For": "10.0.0.1, 203.0.113.7"}
    response = app.test_client().get("/whoami", headers=spoofed)
    assert response.get_data(as_text=True).split()[0] == "203.0.113.7"
