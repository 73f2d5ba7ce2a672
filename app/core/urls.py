"""Absolute links for emails, feeds and API fields, built from configuration only.

A link built from the request would carry whatever `Host` header the caller sent: a password
reset asked for with `Host: evil.example` would mail a valid token to that host. Every
absolute link therefore starts with PUBLIC_BASE_URL, and the request's host plays no part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """Return the absolute address of an endpoint under the configured public base URL."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
