"""Bounds on the JSON bodies of the API, checked before any view parses one.

Python's JSON reader recurses once per nesting level, so a body of 100,000 "[" raised
RecursionError (a 500) inside the view; and the largest valid body is a few tens of kilobytes.
One hook here bounds every body of every API route, whatever view reads it.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

from app.api.auth import SAFE_METHODS
from app.core.urls import is_api_request

# Far above any valid request (an activity with every text at its longest is about 60 KB).
MAX_JSON_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes) -> int:
    """Return how deeply a JSON text nests arrays and objects (brackets in strings aside)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_json_body() -> None:
    """Refuse an API body that is too large (413) or nests too deeply (400)."""
    if not is_api_request() or request.method in SAFE_METHODS:
        return
    if (request.content_length or 0) > MAX_JSON_BYTES:
        abort(413, description=f"The request body is larger than {MAX_JSON_BYTES // 1024} KB.")
    if not request.is_json:
        return  # the view answers that it wants JSON
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        abort(413, description=f"The request body is larger than {MAX_JSON_BYTES // 1024} KB.")
    if json_depth(raw) > MAX_JSON_DEPTH:
        abort(400, description=f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")


def init_app(app: Flask) -> None:
    """Check every API body before its view runs."""
    app.before_request(check_json_body)
