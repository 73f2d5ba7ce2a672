"""Static files: versioned addresses cached for a year, precompressed bodies, headers as pages."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import brotli
import pytest
from flask import Flask, render_template_string, url_for
from whitenoise.compress import Compressor

from app import create_app
from app.charts.assets import plotly_js_body, plotly_static_name, plotly_version, write_plotly_js
from tests.conftest import PROJECT_ROOT, make_config

STATIC = PROJECT_ROOT / "app" / "static"
YEAR = "max-age=31536000"


def static_copy(tmp_path: Path) -> Path:
    """Copy a few of the app's static files into tmp_path and precompress them as make does."""
    root = tmp_path / "static"
    (root / "vendor").mkdir(parents=True)
    for name in ("style.css", "app.js", "favicon.svg"):
        shutil.copy(STATIC / name, root / name)
    shutil.copy(STATIC / "style.css", root / "vendor" / "nested.css")
    compressor = Compressor(use_brotli=False, quiet=True)
    for path in list(root.rglob("*")):
        if path.is_file():
            for _ in compressor.compress(str(path)):
                pass
    return root


def static_app(root: Path, **overrides) -> Flask:
    """Return an app serving the static files of root (no database is touched)."""
    return create_app(make_config("sqlite://", STATIC_DIR=str(root), **overrides))


def static_url(app: Flask, filename: str, base_url: str | None = None) -> str:
    """Return the address a page would use for a static file."""
    with app.test_request_context(base_url=base_url):
        return url_for("static", filename=filename)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return static_copy(tmp_path)


def test_a_static_file_has_a_versioned_address_cached_for_a_year(root):
    app = static_app(root)
    address = static_url(app, "style.css")
    assert re.fullmatch(r"/static/style\.[0-9a-f]{12}\.css", address)
    response = app.test_client().get(address)
    assert response.status_code == 200
    assert response.data == (root / "style.css").read_bytes()
    cache_control = response.headers["Cache-Control"]
    assert YEAR in cache_control and "public" in cache_control and "immutable" in cache_control
    assert response.headers["Content-Type"].startswith("text/css")


def test_a_nested_file_is_versioned_in_its_own_folder(root):
    app = static_app(root)
    address = static_url(app, "vendor/nested.css")
    assert re.fullmatch(r"/static/vendor/nested\.[0-9a-f]{12}\.css", address)
    assert app.test_client().get(address).status_code == 200


def test_the_plain_name_still_answers_with_a_short_cache(root):
    response = static_app(root).test_client().get("/static/style.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert "max-age=60" in response.headers["Cache-Control"]


def test_a_browser_accepting_gzip_gets_the_precompressed_body(root):
    app = static_app(root)
    response = app.test_client().get(
        static_url(app, "app.js"), headers={"Accept-Encoding": "gzip, deflate"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < (root / "app.js").stat().st_size
    assert gzip.decompress(response.data) == (root / "app.js").read_bytes()


def test_a_browser_without_gzip_gets_the_plain_body(root):
    app = static_app(root)
    response = app.test_client().get(static_url(app, "app.js"), headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in response.headers
    assert response.data == (root / "app.js").read_bytes()


def test_a_changed_file_gets_a_new_address_and_the_old_one_is_gone(root):
    before = static_url(static_app(root), "style.css")
    (root / "style.css").write_text("body { color: black; }\n", encoding="utf-8")
    changed = static_app(root)
    after = static_url(changed, "style.css")
    assert after != before
    client = changed.test_client()
    assert client.get(after).data == b"body { color: black; }\n"
    assert client.get(before).status_code == 404
    # Files that did not change keep their address.
    assert static_url(static_app(root), "app.js") == static_url(changed, "app.js")


def test_a_missing_static_file_is_a_404(root):
    client = static_app(root).test_client()
    assert client.get("/static/no-such-file.css").status_code == 404
    assert client.get("/static/style.000000000000.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_static_files_carry_the_security_headers_of_the_pages(root):
    app = static_app(root)
    client = app.test_client()
    for address in (static_url(app, "favicon.svg"), "/static/favicon.svg"):
        headers = client.get(address).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Access-Control-Allow-Origin" not in headers
        assert "Strict-Transport-Security" not in headers  # testing, as development: plain http


def test_production_static_files_carry_hsts(root):
    app = static_app(
        root, APP_ENV="production", TESTING=False, PUBLIC_BASE_URL="https://planner.example.org"
    )
    address = static_url(app, "style.css", base_url="https://planner.example.org")
    response = app.test_client().get(address, base_url="https://planner.example.org")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_links_plain_names_and_sees_a_change_at_once(root):
    app = static_app(root, APP_ENV="development")
    assert static_url(app, "style.css") == "/static/style.css"
    client = app.test_client()
    (root / "style.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    response = client.get("/static/style.css")
    assert response.data == b"p { margin: 0; }\n"
    assert "immutable" not in response.headers["Cache-Control"]


def test_pages_link_the_versioned_static_files(client):
    page = client.get("/practices").get_data(as_text=True)
    manifest = client.application.extensions["static_manifest"]
    for name in ("style.css", "print.css", "app.js", "favicon.svg"):
        assert f'"/static/{manifest[name]}"' in page
        assert f'"/static/{name}"' not in page
    for address in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        response = client.get(address)
        assert response.status_code == 200, address
        assert "immutable" in response.headers["Cache-Control"], address


def plotly_address(app: Flask) -> str:
    """Return the address chart pages load the Plotly script from."""
    with app.test_request_context():
        return render_template_string("{{ plotly_script_url() }}")


@pytest.fixture(scope="module")
def with_plotly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A static folder with plotly.js copied in and precompressed, as `make static` does."""
    root = static_copy(tmp_path_factory.mktemp("plotly"))
    script = write_plotly_js(root)
    for _ in Compressor(use_brotli=False, quiet=True).compress(str(script)):
        pass
    # make static writes the .br at Brotli's best (about 10 s for this file); a quicker one
    # will do to see it served, as long as it is smaller than the .gz (WhiteNoise sends the
    # smallest body the browser accepts).
    (root / f"{plotly_static_name()}.br").write_bytes(
        brotli.compress(script.read_bytes(), quality=5)
    )
    return root


def test_make_static_copies_plotly_js_into_the_static_folder(tmp_path):
    script = write_plotly_js(tmp_path)
    assert script == tmp_path / "vendor" / "plotly" / f"plotly-{plotly_version()}.min.js"
    assert script.read_bytes() == plotly_js_body()
    # An unchanged copy is left alone (make static does not compress it again) ...
    stamp = script.stat().st_mtime_ns
    assert write_plotly_js(tmp_path).stat().st_mtime_ns == stamp
    # ... and an older version's copy goes, with its compressed bodies.
    older = [script.parent / f"plotly-0.0.1.min.js{suffix}" for suffix in ("", ".gz", ".br")]
    for path in older:
        path.write_bytes(b"old")
    kept = script.parent / f"{script.name}.gz"
    kept.write_bytes(b"kept")
    write_plotly_js(tmp_path)
    assert not any(path.exists() for path in older)
    assert kept.exists()


def test_the_makefile_copies_plotly_js_before_precompressing():
    recipe = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    copy = recipe.index("-m app.charts.assets app/static")
    assert copy < recipe.index("-m whitenoise.compress", copy)


@pytest.mark.parametrize(("accepted", "encoding"), [("gzip", "gzip"), ("br, gzip", "br")])
def test_the_copied_plotly_script_is_served_precompressed_and_cached_for_a_year(
    with_plotly, accepted, encoding
):
    app = static_app(with_plotly)
    address = plotly_address(app)
    name = plotly_static_name().removesuffix(".js")
    assert re.fullmatch(rf"/static/{re.escape(name)}\.[0-9a-f]{{12}}\.js", address), address
    response = app.test_client().get(address, headers={"Accept-Encoding": accepted})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert YEAR in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    # The body is the file make static wrote, read from disk: nothing compressed at runtime.
    assert response.data == (with_plotly / f"{plotly_static_name()}.{encoding[:2]}").read_bytes()
    unpack = gzip.decompress if encoding == "gzip" else brotli.decompress
    assert unpack(response.data) == plotly_js_body()


def test_development_links_the_copied_plotly_script_by_its_plain_name(with_plotly):
    app = static_app(with_plotly, APP_ENV="development")
    address = plotly_address(app)
    assert address == f"/static/{plotly_static_name()}"
    response = app.test_client().get(address, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_without_a_copy_the_plotly_script_is_served_gzipped_and_cached_for_a_year(root):
    app = static_app(root)
    address = plotly_address(app)
    assert address == f"/charts/plotly-{plotly_version()}.min.js"
    response = app.test_client().get(address, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert YEAR in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    body = gzip.decompress(response.data)
    assert len(response.data) < len(body) / 3
    assert body == plotly_js_body()


def test_options_and_other_methods_are_answered_by_flask_as_for_any_address(root):
    app = static_app(root)
    client = app.test_client()
    for address in ("/static/style.css", static_url(app, "style.css")):
        options = client.options(address)
        assert options.status_code == 200
        assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
        assert client.post(address).status_code == 405
    assert client.head(static_url(app, "style.css")).status_code == 200
