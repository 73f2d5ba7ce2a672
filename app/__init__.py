"""The application factory: reads like a table of contents of the app."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from app.config import load_config
from app.core.application import App


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = App(__name__, instance_relative_config=True)
    load_config(app, test_config)
    register_json(app)
    register_logging(app)
    register_url_converters(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_api_auth(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    register_middleware(app)
    return app


def register_logging(app: Flask) -> None:
    """Make the app's log lines reach stderr."""
    from app.core.log import init_app

    init_app(app)


def register_json(app: Flask) -> None:
    """Write JSON with orjson (the API's answers)."""
    from app.core.json_provider import OrjsonProvider

    app.json = OrjsonProvider(app)


def register_url_converters(app: Flask) -> None:
    """Bound the ids in addresses to what the id columns hold (before any route exists)."""
    from app.core.routing import init_app

    init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from app.accounts.services import init_login
    from app.core import caching, i18n
    from app.core.extensions import csrf, db, limiter, login_manager, migrate
    from app.core.security import init_csrf

    # Every feature's tables on the metadata, also those no blueprint imports yet (migrations).
    importlib.import_module("app.models")
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True)
    csrf.init_app(app)
    init_csrf(app)
    login_manager.init_app(app)
    init_login(login_manager)
    limiter.init_app(app)
    i18n.init_app(app)
    caching.init_app(app)


def register_jobs(app: Flask) -> None:
    """Give the app its job queue, with every feature's tasks (their periodic ones too)."""
    from app.core import jobs

    for tasks in (
        "app.mail.tasks",
        "app.events.tasks",
        "app.applications.tasks",
        "app.selection.tasks",
        "app.participation.tasks",
    ):
        importlib.import_module(tasks)
    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from app.accounts.views import bp as accounts_bp
    from app.api.events import bp as events_api_bp
    from app.api.views import bp as api_bp
    from app.applications.views import bp as applications_bp
    from app.charts.views import bp as charts_bp
    from app.events.views import bp as events_bp
    from app.health.views import bp as health_bp
    from app.indicators.views import bp as indicators_bp
    from app.institutions.views import bp as institutions_bp
    from app.mail.views import bp as mail_bp
    from app.participation.views import bp as participation_bp
    from app.planner.api import bp as planner_api_bp
    from app.planner.views import bp as planner_bp
    from app.practices.api import bp as practices_api_bp
    from app.practices.views import bp as practices_bp
    from app.selection.views import bp as selection_bp
    from app.sending.views import bp as sending_bp
    from app.series.views import bp as series_bp
    from app.visits.views import bp as visits_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(planner_bp)
    app.register_blueprint(indicators_bp)
    app.register_blueprint(practices_bp)
    app.register_blueprint(institutions_bp)
    app.register_blueprint(charts_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(selection_bp)
    app.register_blueprint(participation_bp)
    app.register_blueprint(sending_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(series_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(practices_api_bp)
    app.register_blueprint(planner_api_bp)
    app.register_blueprint(events_api_bp)


def register_api_auth(app: Flask) -> None:
    """Authenticate API calls by token or session (with CSRF for a session's changes), and
    bound their JSON bodies."""
    from app.api import auth, bodies

    auth.init_app(app)
    bodies.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with a generic page, or JSON under /api/."""
    from app.core.errors import init_app

    init_app(app)


def register_security(app: Flask) -> None:
    """Send the security headers on every response, errors included."""
    from app.core.security import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Make the Markdown filter, level symbols and number and date formats available to templates."""
    from app.core import formatting, templating

    templating.init_app(app)
    formatting.init_app(app)


def register_commands(app: Flask) -> None:
    """Register the click command groups of each feature."""
    from app.accounts.cli import users_cli
    from app.core.jobs import jobs_cli
    from app.data.cli import backup_command, data_cli, old_name, restore_command
    from app.mail.cli import mail_cli
    from app.practices.cli import practices_cli

    app.cli.add_command(practices_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(old_name(backup_command))
    app.cli.add_command(old_name(restore_command))


def register_middleware(app: Flask) -> None:
    """Wrap the WSGI app: versioned, precompressed static files before Flask, and the
    proxy's forwarded headers outermost when a proxy is configured."""
    from app.core import proxy, static

    static.init_app(app)
    proxy.init_app(app)
