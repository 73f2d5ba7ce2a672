"""GET /api/v1/openapi.json."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from app.api.openapi import build_openapi
from app.core.vocabularies import vocabularies
from app.permissions import PUBLIC, access

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@access(PUBLIC)
def openapi() -> ResponseReturnValue:
    """Serve the OpenAPI document of the API."""
    return jsonify(build_openapi(vocabularies(), current_app.config))
