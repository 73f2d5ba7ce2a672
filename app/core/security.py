"""Security headers sent on every response, and the signed session cookie."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

# No inline script or style anywhere in the templates, so the policy can forbid both.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(*, production: bool) -> dict[str, str]:
    """Return the headers every response carries, pages and static files alike.

    A static SVG opened on its own is a document that could run script, so the files get the
    same policy as the pages (app/core/static.py adds these, since Flask never sees them).
    """
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its signer made once per set of keys rather than
    once per request, and none made for a visitor who sent no cookie.

    Building the signer serialises a test value to learn its type: a sixth of the cost of a
    page answered from the store. The keys are the secret and its fallbacks, read on every
    request as Flask reads them, so a changed secret takes effect at once.
    """

    def __init__(self) -> None:
        self._signers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        signer = self._signers.get(keys)
        if signer is None:
            signer = super().get_signing_serializer(app)
            if len(self._signers) > 8:  # secrets changed in one process (tests): start over
                self._signers.clear()
            self._signers[keys] = signer  # type: ignore[assignment]
        return signer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if not session and not session.modified:
            # Nothing to write or delete (Flask reads seven cookie settings first to find
            # that out); only say that the answer depended on the cookie, as Flask does.
            if session.accessed and "cookie" not in response.headers.get("Vary", "").lower():
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_csrf(app: Flask) -> None:
    """Check the CSRF token of every request that can change something, as Flask-WTF's own
    hook does (its views and blueprints marked exempt included), asking the method first.

    Flask-WTF's hook looks up the view's exemptions before it looks at the method, on every
    GET too; the config turns it off (WTF_CSRF_CHECK_DEFAULT) and this one runs in its place,
    right after it, before any other hook.
    """
    from app.core.extensions import csrf

    @app.before_request
    def _check_csrf() -> None:
        if request.method in app.config["WTF_CSRF_METHODS"] and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Add the headers in an after-request hook, which also runs for error responses, and
    sign the session cookie with a signer made once."""
    app.session_interface = SessionCookies()
    headers_to_set = security_headers(
        production=app.config["APP_ENV"] not in {"development", "testing"}
    )

    lowered = [(name.lower(), name, value) for name, value in headers_to_set.items()]

    @app.after_request
    def _set_headers(response: Response) -> Response:
        # One pass over the answer's headers rather than one per header set (setdefault):
        # this runs on every answer, a page from the store included.
        present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118 - a view
        for key, name, value in lowered:
            if key not in present:
                response.headers.add(name, value)
        return response
