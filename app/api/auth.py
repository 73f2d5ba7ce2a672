"""Who is calling the API: a bearer token, or the browser's session with a CSRF token.

A browser sends its session cookie to any site's request, so a cookie-authenticated change
needs the CSRF token (in the X-CSRFToken header). A bearer token is never sent by a browser on
its own, so a request that carries one needs no CSRF token, and its session cookie, if any,
is ignored: the token alone says who is calling.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, g, request
from sqlalchemy.exc import OperationalError

from app.accounts.services import user_for_api_token
from app.core.extensions import csrf, db
from app.core.urls import API_PREFIX, is_api_request

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate() -> None:
    """Set the request's user from its bearer token, or demand CSRF of a session change."""
    if not is_api_request() or request.routing_exception is not None:
        return  # not the API, or an unknown address or method: its own error answers it
    header = request.headers.get("Authorization")
    if header is None:
        if request.method not in SAFE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
        return
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, description="Send the token as the header: Authorization: Bearer <token>.")
    user = user_for_api_token(secret.strip())
    if user is None:
        abort(401, description="The API token is unknown, expired or revoked.")
    # Keep the token's "last used" time even when the view fails or changes nothing. It is a
    # courtesy: when the database is busy with a writer, skip it rather than fail the call.
    # Only when it changed: a commit would end the transaction the view goes on reading in,
    # and expire the account just read, to be read again.
    if db.session.dirty:
        try:
            db.session.commit()
        except OperationalError:
            db.session.rollback()
            log.info("api token use not recorded: the database was busy")
    # Flask-Login answers current_user from here for the rest of the request.
    g._login_user = user


def init_app(app: Flask) -> None:
    """Take the API's blueprints out of the form CSRF check and authenticate API calls."""
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith(API_PREFIX):
            csrf.exempt(blueprint)
    app.before_request(authenticate)
