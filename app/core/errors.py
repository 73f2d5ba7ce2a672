"""Error answers: a generic page for people, one JSON shape for the API."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.core.urls import is_api_request, safe_next

log = logging.getLogger(__name__)


def error_payload(status: int, title: str, detail: str, **extra: object) -> dict[str, object]:
    """Build the one error shape of the API: {"error": {status, title, detail, ...}}."""
    error = ErrorDetail(status=status, title=title, detail=detail, **extra)  # type: ignore[arg-type]
    return Error(error=error).model_dump(exclude_none=True)


def json_error(status: int, title: str, detail: str, **extra: object) -> Response:
    """Return an API error response of the one shape."""
    response = jsonify(error_payload(status, title, detail, **extra))
    response.status_code = status
    return response


class ErrorDetail(BaseModel):
    """What went wrong: the status, its name, a sentence, and what is wrong where."""

    model_config = ConfigDict(extra="forbid")

    status: int
    title: str
    detail: str
    # Left out (not null) when no field is to blame.
    fields: dict[str, str] | SkipJsonSchema[None] = Field(
        default=None, description="Each invalid parameter with what is wrong."
    )


class Error(BaseModel):
    """The one error shape of the API (the OpenAPI document's Error)."""

    error: ErrorDetail


def _handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    """Render an HTTP error without leaking internals."""
    status = error.code or 500
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no address can be built for it, so no page either.
        return Response(
            "400 Bad Request: this server does not answer for that host name.\n",
            status=400,
            mimetype="text/plain",
        )
    # Headers the error carries, such as Allow on a 405 (HTTP requires it there).
    extra = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    # An API call always gets JSON errors.
    if is_api_request():
        response = json_error(status, error.name, error.description or error.name)
        response.headers.extend(extra)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    detail = error.description
    if status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        detail = (
            f"What you sent is larger than {limit} MB altogether, so nothing was saved. "
            "Go back and send smaller or fewer files."
        )
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=error.name,
            detail=detail,
            back_url=_same_site(request.referrer) if status == 413 else None,
            back_label="Go back",
        ),
        status,
        extra,
    )


def _same_site(address: str | None) -> str | None:
    """Return the page the visitor came from if it is on this site, else None."""
    if not address:
        return None
    parts = urlsplit(address)
    if parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, "") or None


def _handle_unexpected(error: Exception) -> ResponseReturnValue:
    """Log the traceback and answer a generic 500: no traceback, no SQL reaches the user."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
