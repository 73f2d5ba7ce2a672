"""GET /charts/plotly-<version>.min.js: the Plotly script, from the app itself, when the static
folder has no precompressed copy of it (see app/charts/assets.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask.typing import ResponseReturnValue

from app.charts.assets import plotly_js, plotly_static_name, plotly_styles, plotly_version
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
    """Return the address of the Plotly script for chart pages: its precompressed copy in the
    static folder when `make static` made one for this plotly version, else this blueprint's."""
    name = plotly_static_name()
    # Outside development the static files are listed once, at start-up; there WhiteNoise
    # serves only those, so the copy counts only if the list has it.
    manifest = current_app.extensions.get("static_manifest")
    if manifest is None:
        present = (Path(current_app.static_folder or "") / name).is_file()
    else:
        present = name in manifest
    if present:
        return url_for("static", filename=name)
    return url_for("charts.plotly_script", version=plotly_version())


@bp.app_template_global()
def plotly_stylesheets() -> list[tuple[str, str]]:
    """Return the id and address of each stylesheet Plotly would otherwise inject."""
    return [
        (name, url_for("static", filename=f"vendor/plotly/{name}.css")) for name in plotly_styles()
    ]
