"""The Plotly script and stylesheets the app serves itself (no CDN)."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources
from pathlib import Path

import plotly

# The <style> elements plotly.js would inject, as files named after each element's id.
STYLES = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly"


@cache
def plotly_js() -> tuple[bytes, bytes]:
    """Return the plotly.js that ships inside the plotly package, plain and gzipped."""
    body = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    return body, gzip.compress(body, compresslevel=9, mtime=0)


@cache
def plotly_styles() -> list[str]:
    """Return the ids of Plotly's stylesheets (each file's name is its element's id)."""
    return sorted(path.stem for path in STYLES.glob("*.css"))


def plotly_version() -> str:
    """Return the version of the plotly package, which names the script's address."""
    return str(plotly.__version__)
