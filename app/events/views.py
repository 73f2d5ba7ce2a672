"""Pages of an event: the public call, and the organiser's pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__)
