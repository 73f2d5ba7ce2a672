"""Static files served by WhiteNoise: versioned names cached for a year, precompressed bodies.

At start-up every file of the static folder gets a second address with its content's hash in
the name (`style.css` -> `style.3f2a1b9c0d4e.css`), and `url_for("static", ...)` hands out that
one. A changed file gets a new address, so the old one can be cached for a year without
ever going stale; the plain name stays reachable with a short cache. `make static` writes a
`.gz` and a `.br` beside each file (`python -m whitenoise.compress`), which WhiteNoise sends
to a browser that accepts them.

WhiteNoise answers before Flask, so Flask's after-request hooks never see these responses:
the security headers are added here too, the same ones as on every page.

In development the files change under the running server: there WhiteNoise looks each one up
on every request and pages link the plain names.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from whitenoise import WhiteNoise

from app.core.security import security_headers

# What browsers may keep a file under its plain name (unversioned) before asking again.
SHORT_MAX_AGE = 60
YEAR = 365 * 24 * 3600
COMPRESSED_SUFFIXES = (".gz", ".br")


class StaticFiles(WhiteNoise):  # type: ignore[misc]
    """WhiteNoise for GET and HEAD; every other method goes on to Flask, which answers OPTIONS
    with the allowed methods and anything else with 405, as for any of its addresses."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)


@cache
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """Return the first 12 hex digits of a file's SHA-256 (cached while it is unchanged)."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()[:12]


def versioned_name(name: str, digest: str) -> str:
    """Return a file name with the digest before its extension: `a/b.css` -> `a/b.<digest>.css`."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def build_manifest(root: Path) -> dict[str, str]:
    """Map each file under root (by its `/`-separated relative name) to its versioned name."""
    manifest: dict[str, str] = {}
    for directory, _, files in os.walk(root):
        for file in files:
            if file.endswith(COMPRESSED_SUFFIXES) or file.startswith("."):
                continue
            path = Path(directory) / file
            stat = path.stat()
            name = path.relative_to(root).as_posix()
            manifest[name] = versioned_name(
                name, _digest(str(path), stat.st_size, stat.st_mtime_ns)
            )
    return manifest


def init_app(app: Flask) -> None:
    """Put WhiteNoise in front of the app and make url_for hand out versioned static names."""
    root = Path(app.config.get("STATIC_DIR") or app.static_folder or "")
    app.static_folder = str(root)
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"
    extra_headers = security_headers(
        production=app.config["APP_ENV"] not in {"development", "testing"}
    )

    def add_headers(headers: Any, path: str, url: str) -> None:
        for name, value in extra_headers.items():
            headers[name] = value

    if app.config["APP_ENV"] == "development":
        app.wsgi_app = StaticFiles(  # type: ignore[method-assign]
            app.wsgi_app,
            root=root,
            prefix=prefix,
            autorefresh=True,
            max_age=0,
            allow_all_origins=False,
            add_headers_function=add_headers,
        )
        return

    manifest = build_manifest(root)
    versioned_urls = {prefix + versioned for versioned in manifest.values()}
    static = StaticFiles(
        app.wsgi_app,
        max_age=SHORT_MAX_AGE,
        allow_all_origins=False,
        add_headers_function=add_headers,
        immutable_file_test=lambda path, url: url in versioned_urls,
    )
    static.FOREVER = YEAR  # WhiteNoise's default is ten years; a year is what HTTP caches honour
    static.add_files(root, prefix)
    # The hashed names point at the same files (and their .gz/.br): no copies on disk. This
    # method is WhiteNoise's own step of add_files, not in its documentation, hence the pin
    # and tests/core/test_static.py.
    for name, versioned in manifest.items():
        static.add_file_to_dictionary(prefix + versioned, str(root / name))
    app.wsgi_app = static  # type: ignore[method-assign]
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _versioned_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]
