"""Configuration: defaults, then the instance folder, then the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that must never be used as a real secret (issue 3 extends the check to DEBUG).
UNSAFE_SECRET_KEYS = {"", "dev", "changeme", "secret", "change-me"}
RELAXED_ENVIRONMENTS = {"development", "testing"}


def _normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver the project ships."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Whole numbers that may also come from plain environment variables of the same name.
INTEGER_SETTINGS = (
    "DATABASE_POOL_SIZE",
    "DATABASE_MAX_OVERFLOW",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_POOL_RECYCLE",
    "TRUSTED_PROXY_COUNT",
)


def _integer_setting(name: str, value: Any) -> int:
    """Return a setting as a whole number of at least 0, or refuse to start."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0 or isinstance(value, bool):
        raise RuntimeError(f"{name} must be a whole number of at least 0, not {value!r}.")
    return number


def _apply_pool_settings(app: Flask) -> None:
    """Size each worker's pool of PostgreSQL connections from the DATABASE_POOL_* settings.

    Options set in SQLALCHEMY_ENGINE_OPTIONS itself win. SQLite keeps SQLAlchemy's own pool
    for files and in-memory databases, where these options do not apply.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", app.config["DATABASE_POOL_SIZE"])
    options.setdefault("max_overflow", app.config["DATABASE_MAX_OVERFLOW"])
    options.setdefault("pool_timeout", app.config["DATABASE_POOL_TIMEOUT"])
    options.setdefault("pool_recycle", app.config["DATABASE_POOL_RECYCLE"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def load_config(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill app.config and refuse an unsafe configuration outside development."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        APP_ENV=os.environ.get("APP_ENV", "production"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(app.instance_path) / 'catalogue.db'}",
        # A SQLite file's connection cannot go stale: no ping before each use (a statement
        # per request). PostgreSQL's connections can, and get one (_apply_pool_settings).
        SQLALCHEMY_ENGINE_OPTIONS={},
        MIGRATIONS_DIR=str(PROJECT_ROOT / "migrations"),
        PRACTICES_DIR=str(PROJECT_ROOT / "practices"),
        DATA_DIR=str(PROJECT_ROOT / "data"),
        VOCABULARY_FILE=str(PROJECT_ROOT / "data" / "vocabularies.yml"),
        PRACTICE_FILE_MAX_BYTES=256 * 1024,
        # What a practice's phase costs per level of its sheet (1 low, 2 medium, 3 high), in
        # euros and person-days, for suggesting practices within a budget
        # (app/planner/suggestions.py). Estimates of this product's own, not from the sheets,
        # which give levels only; pages that use them say so. Set your institution's own.
        SUGGEST_LEVEL_EUROS={1: 1_000, 2: 5_000, 3: 15_000},
        SUGGEST_LEVEL_DAYS={1: 2, 2: 10, 3: 30},
        PAGE_SIZE=20,
        # A request larger than this is refused with 413 before it is read. Each file has its
        # own, smaller limit (imports 2 MB, evidence 5 MB); this leaves room for a values page
        # that carries several evidence files at once.
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        MAX_PAGE_SIZE=100,
        WTF_CSRF_TIME_LIMIT=None,
        # The check runs in app.core.security.init_csrf, for the methods that change things.
        WTF_CSRF_CHECK_DEFAULT=False,
        # werkzeug's scrypt at its default cost; the tests lower the cost to stay fast.
        PASSWORD_HASH_METHOD="scrypt",  # noqa: S106 - a method name, not a password
        COMMON_PASSWORDS_FILE=str(PROJECT_ROOT / "data" / "common-passwords.txt"),
        # memory:// counts per process; set redis://... so that gunicorn workers share counts.
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT="5 per minute; 20 per hour",
        LOGIN_LIMIT_PER_ADDRESS="20 per minute; 100 per hour",
        # Imports each person may send: each reads and checks up to thousands of rows.
        IMPORT_LIMIT_PER_USER="10 per minute; 60 per hour",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        PASSWORD_RESET_MAX_AGE=60 * 60,
        INVITATION_MAX_AGE=7 * 24 * 60 * 60,
        MAIL_FROM="no-reply@localhost",
        MAIL_PORT=25,
        MAIL_TIMEOUT=10,
        # The job queue (emails, scheduled work): unset, a SQLite file in the instance folder;
        # redis://... when several machines share the work (app/core/jobs.py).
        JOBS_URL=None,
        # A failed delivery is tried again after 1, 2, 4 … minutes, MAIL_MAX_ATTEMPTS times.
        MAIL_RETRY_SECONDS=60,
        MAIL_MAX_ATTEMPTS=8,
        # Reset emails per account and hour, whatever addresses ask (the answer stays the same).
        PASSWORD_RESETS_PER_HOUR=3,
        # Where people reach the app: every absolute link (emails, feeds, the API's url
        # fields) starts here, never with the request's Host header. Required in production;
        # development and tests use http://127.0.0.1:5000 unless it is set.
        PUBLIC_BASE_URL=None,
        # The files behind /static/ (app/static unless set; tests point it elsewhere).
        STATIC_DIR=None,
        # How many proxies (nginx, a load balancer) stand in front and set X-Forwarded-*:
        # 0 trusts none of those headers (app/core/proxy.py).
        TRUSTED_PROXY_COUNT=0,
        # Connections each worker process keeps open to PostgreSQL, how many more it may
        # open under a burst, how long a request waits for one, and after how many seconds
        # a connection is replaced (before a server or PgBouncer closes it). SQLite ignores them.
        DATABASE_POOL_SIZE=5,
        DATABASE_MAX_OVERFLOW=5,
        DATABASE_POOL_TIMEOUT=30,
        DATABASE_POOL_RECYCLE=1800,
        # Rendered anonymous catalogue pages and API bodies (app/core/caching.py): kept in
        # each worker's memory (SimpleCache, CACHE_THRESHOLD entries) unless CACHE_REDIS_URL
        # names a Redis that all workers and machines share. CACHE_PAGES=False turns it off.
        CACHE_PAGES=True,
        CACHE_TYPE=None,
        CACHE_REDIS_URL=None,
        CACHE_KEY_PREFIX="scp-pages:",
        CACHE_THRESHOLD=500,
        # Entries of older catalogue versions are never read again; this is how long a shared
        # store keeps them.
        CACHE_DEFAULT_TIMEOUT=3600,
        BABEL_DEFAULT_LOCALE="en_GB",
        BABEL_DEFAULT_TIMEZONE="UTC",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        for name in (
            "DATABASE_URL",
            "SECRET_KEY",
            "APP_ENV",
            "RATELIMIT_STORAGE_URI",
            "MAIL_SERVER",
            "PUBLIC_BASE_URL",
            "JOBS_URL",
            "CACHE_TYPE",
            "CACHE_REDIS_URL",
        ):
            if os.environ.get(name):
                key = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
                app.config[key] = os.environ[name]
        for name in INTEGER_SETTINGS:
            if os.environ.get(name):
                app.config[name] = os.environ[name]
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    for name in INTEGER_SETTINGS:
        app.config[name] = _integer_setting(name, app.config[name])
    _apply_pool_settings(app)
    relaxed = app.config["APP_ENV"] in RELAXED_ENVIRONMENTS
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Development serves plain http on 127.0.0.1, where a Secure cookie would never come back.
    app.config["SESSION_COOKIE_SECURE"] = not relaxed
    if not relaxed and app.config.get("DEBUG"):
        raise RuntimeError("DEBUG is on outside development: it would expose a debugger.")
    if app.config.get("SECRET_KEY") in UNSAFE_SECRET_KEYS or not app.config.get("SECRET_KEY"):
        if not relaxed:
            raise RuntimeError(
                "SECRET_KEY is missing or unsafe: set it in the environment or in "
                "instance/config.py (make run writes a random one)."
            )
        # A per-process random key keeps development usable without a secret in the code.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    _check_public_base_url(app, relaxed)


def _check_public_base_url(app: Flask, relaxed: bool) -> None:
    """Require PUBLIC_BASE_URL outside development, and trust only its host.

    Links come from PUBLIC_BASE_URL; TRUSTED_HOSTS (Flask's own check) additionally answers
    400 to a request naming another host, so nothing that reads request.host can be misled.
    """
    url = app.config.get("PUBLIC_BASE_URL")
    if not url:
        if not relaxed:
            raise RuntimeError(
                "PUBLIC_BASE_URL is not set: set it to the address people use to reach the app, "
                "such as https://planner.example.org."
            )
        url = app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    parts = urlsplit(str(url))
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        raise RuntimeError(
            "PUBLIC_BASE_URL must be an http(s) address such as https://planner.example.org."
        )
    if not relaxed and app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = [parts.hostname]
