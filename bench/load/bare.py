"""The framework's floor: a Flask app that returns a fixed page, served the same way."""

from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><title>bare</title><p>" + "Hello. " * 200 + "</p>"


@app.get("/")
def index() -> str:
    """Return the same small page every time."""
    return PAGE
