"""Error answers: a generic page for people, one JSON shape for the API."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, SecurityError

from app.core.i18n import lazy_gettext as _l
from app.core.urls import is_api_request, safe_next

log = logging.getLogger(__name__)


class NotFoundWithWayOn(NotFound):
    """A 404 whose page offers a way on besides the catalogue (an applicant's dead link: the
    calls for events)."""

    def __init__(self, description: str, back_url: str, back_label: str) -> None:
        super().__init__(description=description)
        self.back_url = back_url
        self.back_label = back_label


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


# The pages' own words for the statuses people meet; Werkzeug's are English only.
TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in needed"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    415: _l("Unsupported file type"),
    422: _l("Cannot be processed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Not available right now"),
}
DETAILS = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l("Sign in to see this page."),
    403: _l("Your account may not open this page."),
    404: _l("There is nothing at this address. It may have been moved or deleted."),
    405: _l("This address does not take that kind of request."),
    409: _l("Someone else changed this at the same time. Reload the page and try again."),
    415: _l("That kind of file cannot be read here."),
    422: _l("What was sent could not be processed."),
    429: _l("Too many tries in a short time. Wait a moment and try again."),
    500: _l("The error is logged. Try again in a moment; if it happens again, tell us."),
    503: _l("The service is not available right now. Try again in a moment."),
}


def _page_words(error: HTTPException, status: int) -> tuple[str, str]:
    """Return the title and sentence of an error page in the reader's language.

    A view's own description (given through gettext) is kept; Werkzeug's default is replaced.
    """
    title = str(TITLES.get(status, error.name))
    default = type(error).description
    detail = error.description
    if not detail or detail == default:
        detail = str(DETAILS.get(status, detail or title))
    return title, detail


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
    title, detail = _page_words(error, status)
    if status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        detail = _(
            "What you sent is larger than %(limit)s MB altogether, so nothing was saved. "
            "Go back and send smaller or fewer files.",
            limit=limit,
        )
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            detail=detail,
            **_way_on(error, status),
        ),
        status,
        extra,
    )


def _way_on(error: HTTPException, status: int) -> dict[str, str | None]:
    """Return the error page's way back besides the catalogue, if it has one."""
    if isinstance(error, NotFoundWithWayOn):
        return {"back_url": error.back_url, "back_label": error.back_label}
    return {
        "back_url": _same_site(request.referrer) if status == 413 else None,
        "back_label": _("Go back"),
    }


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
