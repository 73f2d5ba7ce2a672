"""The Plotly script and stylesheets the app serves itself (no CDN).

plotly.js ships inside the plotly package, outside the static folder, so `make static` would
never compress it: `python -m app.charts.assets app/static` (a step of `make static`) copies it
into the static folder under its version's name, before the folder is precompressed. WhiteNoise
then serves its .br and .gz at a content-hashed address, as any static file. Without that copy
(a checkout where `make static` has not run) the script is served by charts.views, gzipped
once per worker.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources
from pathlib import Path

import plotly

# Plotly's files in the static folder: the script's copy, and the <style> elements plotly.js
# would inject, as files named after each element's id.
STATIC_FOLDER = "vendor/plotly"
STYLES = Path(__file__).resolve().parent.parent / "static" / STATIC_FOLDER


@cache
def plotly_js_body() -> bytes:
    """Return the plotly.js that ships inside the plotly package."""
    return resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()


@cache
def plotly_js() -> tuple[bytes, bytes]:
    """Return the plotly.js that ships inside the plotly package, plain and gzipped."""
    body = plotly_js_body()
    return body, gzip.compress(body, compresslevel=9, mtime=0)


@cache
def plotly_styles() -> list[str]:
    """Return the ids of Plotly's stylesheets (each file's name is its element's id)."""
    return sorted(path.stem for path in STYLES.glob("*.css"))


def plotly_version() -> str:
    """Return the version of the plotly package, which names the script's address."""
    return str(plotly.__version__)


def plotly_static_name() -> str:
    """Return the name of the script's copy in the static folder, for this plotly package."""
    return f"{STATIC_FOLDER}/plotly-{plotly_version()}.min.js"


def write_plotly_js(static_root: Path) -> Path:
    """Copy plotly.js into a static folder, under this plotly version's name.

    Copies of other versions go, with their compressed bodies: a static folder never serves
    a script older than the package that draws the figures. An unchanged copy is left as it
    is, so that `make static` does not compress it again.
    """
    target = static_root / plotly_static_name()
    body = plotly_js_body()
    for old in target.parent.glob("plotly-*.min.js*"):
        if not old.name.startswith(target.name):
            old.unlink()
    if not target.is_file() or target.read_bytes() != body:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return target


if __name__ == "__main__":  # python -m app.charts.assets app/static (make static)
    import sys

    print(write_plotly_js(Path(sys.argv[1])))
