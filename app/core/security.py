"""Security headers sent on every response."""

from __future__ import annotations

from flask import Flask, Response

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


def init_app(app: Flask) -> None:
    """Add the headers in an after-request hook, which also runs for error responses."""
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
