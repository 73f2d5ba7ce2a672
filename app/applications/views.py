"""Pages of applying: asking for a link, the form, the applicant's own page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__)
