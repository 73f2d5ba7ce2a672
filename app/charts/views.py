"""GET /charts/plotly-<version>.min.js: the Plotly script, from the app itself."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask.typing import ResponseReturnValue

from app.charts.assets import plotly_js, plotly_styles, plotly_version
from app.permissions import PUBLIC, access

bp = Blueprint("charts", __name__, url_prefix="/charts")
YEAR = 365 * 24 * 3600


@bp.get("/plotly-<version>.min.js")
@access(PUBLIC)
def plotly_script(version: str) -> ResponseReturnValue:
    """Serve plotly.js, gzipped when the browser accepts it, cached for a year.

    The version is in the address, so a new plotly package changes the URL and the
    long cache never serves a stale script.
    """
    if version != plotly_version():
        abort(404)
    plain, packed = plotly_js()
    gzipped = "gzip" in request.accept_encodings
    response = Response(packed if gzipped else plain, mimetype="text/javascript")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    response.set_etag(f"plotly-{version}-{'gz' if gzipped else 'plain'}")
    return response.make_conditional(request)


@bp.app_template_global()
def plotly_script_url() -> str:
    """Return the address of the Plotly script for chart pages."""
    return url_for("charts.plotly_script", version=plotly_version())


@bp.app_template_global()
def plotly_stylesheets() -> list[tuple[str, str]]:
    """Return the id and address of each stylesheet Plotly would otherwise inject."""
    return [
        (name, url_for("static", filename=f"vendor/plotly/{name}.css")) for name in plotly_styles()
    ]
