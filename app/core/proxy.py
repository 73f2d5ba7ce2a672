"""Trust the X-Forwarded-* headers of the proxies in front of the app, when there are some."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the app in ProxyFix when TRUSTED_PROXY_COUNT names how many proxies stand in front.

    Off by default: without a proxy, anyone could claim any address in X-Forwarded-For and
    slip past the per-address sign-in limits. Behind nginx the count is 1, and then the
    client's address, scheme and host come from the headers nginx sets (and overwrites).
    """
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count < 0:
        raise RuntimeError("TRUSTED_PROXY_COUNT must be 0 (no proxy) or the number of proxies.")
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
