"""URL converters shared by every route."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

# Ids are 32-bit integers in both databases.
MAX_ID = 2**31 - 1
# No row has this id: an address with a larger number than any id names nothing.
NO_ID = 0


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id column names no row.

    It becomes 0, which the views answer with 404, instead of reaching the database driver,
    which cannot bind it (a 500). A `max=` on the converter would be cleaner, but werkzeug's
    matcher then answers 405 rather than 404 for the other methods of the same address.
    """

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_ID


class SegmentConverter(UnicodeConverter):
    """`<name>` in every route: the unreserved characters of RFC 3986 only.

    Slugs, signed tokens, chart names and versions are all made of them. Anything else (a NUL,
    a control character, a space) names nothing here and is a 404 by routing, before a view
    could hand it to a query: PostgreSQL refuses NUL in a text parameter with an error (a 500).
    """

    regex = r"[A-Za-z0-9._~-]+"


def init_app(app: Flask) -> None:
    """Replace the int and default converters before any route is added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter
