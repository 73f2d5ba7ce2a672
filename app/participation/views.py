"""Pages of taking part: meeting, participant lists, check-in, certificates, feedback."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("participation", __name__)
