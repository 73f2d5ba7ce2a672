"""Logging: one line per event on stderr, which gunicorn and systemd collect."""

from __future__ import annotations

import logging

from flask import Flask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    """Send the app's own loggers to stderr unless the host process configured logging already."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    logging.getLogger("app").setLevel(app.config.get("LOG_LEVEL", "INFO"))
