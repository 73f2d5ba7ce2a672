"""Which addresses are whose: the API's prefix, safe redirect targets, absolute links.

A link built from the request would carry whatever `Host` header the caller sent: a password
reset asked for with `Host: evil.example` would mail a valid token to that host. Every
absolute link therefore starts with PUBLIC_BASE_URL, and the request's host plays no part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

# Every JSON endpoint lives under it: errors there are JSON, sign-in is a 401, not a redirect.
API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Tell whether the current request is an API call."""
    return request.path.startswith(API_PREFIX)


def external_url(endpoint: str, **values: Any) -> str:
    """Return the absolute address of an endpoint under the configured public base URL."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None, default: str) -> str:
    """Return `target` if it is a path of this site, else `default`.

    Refuses absolute and scheme-relative URLs and the tricks browsers read as such:
    backslashes, control characters and their percent-encoded forms.
    """
    if not target:
        return default
    for candidate in (target, unquote(target)):
        if any(ord(c) < 32 or c == "\\" for c in candidate):
            return default
        parts = urlsplit(candidate)
        if (
            parts.scheme
            or parts.netloc
            or not candidate.startswith("/")
            or candidate.startswith("//")
        ):
            return default
    return target


def safe_page(target: str | None, default: str) -> str:
    """Return `target` if it is a path of this site that answers GET, else `default`.

    For a redirect after a form: a page rendered in answer to a POST-only address (the
    language switch's confirmation) names that address as the page to return to, and a
    redirect there would end on 405.
    """
    back = safe_next(target, default)
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(back).path, method="GET")
    except (NotFound, MethodNotAllowed):
        return default
    except RequestRedirect:
        pass  # the address with a trailing slash added: it answers GET once redirected
    return back
