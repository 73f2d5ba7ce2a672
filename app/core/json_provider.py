"""JSON written with orjson: the API's answers, several times faster than the standard library.

Reading stays with the standard library (Flask's default), which takes integers of any size.
What orjson writes differently is made the same as before: keys sorted, dates and times as
HTTP dates, decimals as strings, integer keys as strings; non-ASCII text is written as UTF-8
rather than as \\u escapes, which parses to the same value.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider, writing with orjson."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise to a JSON string (with the standard library when asked for its options)."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any) -> Any:
        """Return a JSON response of the arguments, as `jsonify` does (compact, bytes as-is)."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(
            orjson.dumps(obj, default=self.default, option=OPTIONS), mimetype=self.mimetype
        )
