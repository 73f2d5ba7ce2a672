"""Pages of the selection committee and the organiser's decisions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("selection", __name__)
