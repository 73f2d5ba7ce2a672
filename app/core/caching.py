"""Rendered pages kept for anonymous readers, and answers to conditional requests.

A page decorated with `cached_page` is stored once per data version, language and normalised
query, and answered from the store without loading a user, querying or rendering:

- Only anonymous requests are served from or fill the store: no signed-in user in the
  session (checked on the cookie, without loading the account), no "remember me" cookie, no
  API token, no flashed message waiting. Everyone else gets the view as it is.
- What differs per visitor is never stored: a page is rendered for the store with markers in
  place of the CSRF token and of the request's own address (`slot`), and each answer puts in
  the visitor's own. A body that still holds this request's CSRF token is not stored.
- Only 200 answers are stored, and only queries up to KEY_MAX_LENGTH characters.
- Invalidation is by version: the key holds the version the feature reads (one cheap
  statement), so a change committed by any worker on any machine is seen by the next request.

The store is Flask-Caching's: in-process (SimpleCache) by default, shared through Redis when
CACHE_REDIS_URL is set (see the README's "Caching" section).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache as cache_once
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.http import http_date, is_resource_modified, quote_etag
from werkzeug.utils import get_content_type

from app.core.data_version import Scope, announce, data_version, scoped_version
from app.core.extensions import cache
from app.core.i18n import anonymous_language, current_language

View = TypeVar("View", bound=Callable[..., Any])

# A query longer than this (normalised) is answered but not stored: searches are unbounded.
KEY_MAX_LENGTH = 400


# Markers a page rendered for the store holds where each visitor's own value goes.
def _visitor_token() -> str:
    """Return the visitor's CSRF token for a stored page, or none to a visitor who came
    without a session cookie.

    Making a token makes a session and a cookie, on every first visit of a reader, crawler or
    link preview that never sends a form: half the cost of a cached hit. A form sent without
    a token asks for one first (/csrf-token, static/app.js); without JavaScript, the language
    switch, the one form a stored page has, asks to confirm with a token of its own. The
    check of every form stays as it was: no token, no change.
    """
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return ""
    return generate_csrf()


SLOTS: dict[str, Callable[[], str]] = {
    "csrf_token": _visitor_token,
    "path": lambda: request.full_path if request.query_string else request.path,
    "full_path": lambda: request.full_path,
    # A signed-in page shared by its readers names each of them in its header.
    "user_label": lambda: current_user.shown_name,
}
_RENDERING = "_rendering_for_cache"


def _marker(name: str) -> str:
    return f"\x00slot:{name}\x00"


@dataclass(frozen=True)
class Version:
    """What a feature's pages are built from: a token that changes with every change, and when."""

    token: str
    changed_at: datetime


@dataclass(frozen=True)
class Stored:
    """A rendered answer as the store keeps it: its text cut at the markers, so that an answer
    joins the pieces rather than searching the whole page once per marker."""

    parts: tuple[bytes, ...]  # text, a slot's name, text, a slot's name, ..., text
    mimetype: str


_MARKERS = re.compile(b"\x00slot:([a-z_]{1,40})\x00")
# A page's own slots, for this request (`shared_page`'s `slots`).
_PAGE_SLOTS = "_page_slots"


def _slot_value(name: str) -> str:
    """Return this request's value for a slot: the page's own, else the app's."""
    own: dict[str, Callable[[], str]] = g.get(_PAGE_SLOTS) or {}
    return (own.get(name) or SLOTS[name])()


def slot(name: str) -> Markup | str:
    """Return a per-visitor value for a template: its marker when the page is rendered for
    the store, else the value itself."""
    if g.get(_RENDERING):
        return Markup(_marker(name))  # noqa: S704 - a fixed marker, replaced before sending
    return _slot_value(name)


def _csrf_token(*args: Any, **kwargs: Any) -> Markup | str:
    """The templates' csrf_token(): a marker when rendering for the store, never a token."""
    if g.get(_RENDERING):
        return Markup(_marker("csrf_token"))  # noqa: S704 - a fixed marker
    return generate_csrf(*args, **kwargs)


def _fill_slots(body: bytes) -> bytes:
    """Put this visitor's own values where a page rendered for the store has markers."""
    return _join(tuple(_MARKERS.split(body)))


def _join(parts: tuple[bytes, ...]) -> bytes:
    """Join a stored page's pieces with this visitor's own value in each slot."""
    if len(parts) == 1:
        return parts[0]
    own: dict[str, Callable[[], str]] = g.get(_PAGE_SLOTS) or {}
    values: dict[bytes, bytes] = {}
    pieces = list(parts)
    for index in range(1, len(pieces), 2):
        name = pieces[index]
        value = values.get(name)
        if value is None:
            text = name.decode()
            value = values[name] = str(escape((own.get(text) or SLOTS[text])())).encode()
        pieces[index] = value
    return b"".join(pieces)


def anonymous() -> bool:
    """Tell, from the cookie and headers alone, whether the request comes from nobody signed
    in and has nothing personal waiting (a flashed message)."""
    return (
        "_user_id" not in session
        and "_flashes" not in session
        and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
        and "Authorization" not in request.headers
    )


def sorted_query(
    args: MultiDict[str, str], drop: Mapping[str, str] | None = None, split: Iterable[str] = ()
) -> str:
    """Return query arguments in one order with blanks and default values left out, so that
    `?a=1&b=2` and `?b=2&page=1&a=1` name the same page.

    `split` names arguments whose values may also be comma-separated lists.
    """
    if not args:
        return ""
    drop = drop or {}
    splitting = set(split)
    pairs = set()
    for key, raw in args.items(multi=True):
        values = [value.strip() for value in raw.split(",")] if key in splitting else [raw]
        for value in values:
            if value and drop.get(key) != value:
                pairs.add((key, value))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


@cache_once
def _release(root: Path) -> str:
    """Return a fingerprint of the code, templates and message catalogues being served, so
    that a deployment does not answer from pages an older release stored in a shared store.

    Read once per process; built from the files' contents, not their times, so that every
    worker of every machine serving one release shares the entries of a shared store.
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".mo", ".yml"} and path.is_file():
            digest.update(f"{path.relative_to(root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def cached_page(
    name: str,
    *,
    version: Callable[[], Version],
    query: Callable[[MultiDict[str, str]], str | None] | None,
    per_language: bool = True,
    cache_control: str = "no-cache",
) -> Callable[[View], View]:
    """Store a public view's anonymous answers and answer conditional requests for them.

    `version` reads the data version the page is built from. `query` returns the normalised
    query that tells the page's variants apart, or None when this request's page must not be
    stored (a ticked compare box, say); without it every query shows the same page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def answer(*args: Any, **kwargs: Any) -> Any:
            if not current_app.config["CACHE_PAGES"] or not anonymous():
                return view(*args, **kwargs)
            variant = query(request.args) if query is not None else ""
            if variant is None or len(variant) > KEY_MAX_LENGTH:
                return view(*args, **kwargs)
            now = version()
            language = anonymous_language() if per_language else "-"
            place = "/".join(f"{key}={value}" for key, value in sorted(kwargs.items()))
            key = hashlib.sha256(
                "\n".join(
                    (current_app.extensions["release"], name, now.token, language, place, variant)
                ).encode()
            ).hexdigest()[:32]
            etag = key[:20]
            headers = _headers(etag, now, cache_control, per_language)
            environ = request.environ
            if not CONDITIONS.isdisjoint(environ) and not is_resource_modified(
                environ, etag=etag, last_modified=now.changed_at
            ):
                return Response(status=304, headers=headers)
            stored = cache.get(key)
            if stored is None:
                g.setdefault(_RENDERING, True)
                try:
                    response = current_app.make_response(view(*args, **kwargs))
                finally:
                    g.pop(_RENDERING, None)
                body = response.get_data()
                token = g.get("csrf_token")
                if (
                    response.status_code != 200
                    or not anonymous()
                    or (token and token.encode() in body)
                ):
                    response.set_data(_fill_slots(body))
                    return response
                stored = Stored(tuple(_MARKERS.split(body)), response.mimetype or "text/html")
                cache.set(key, stored)
            return Response(
                _join(stored.parts), headers=headers, content_type=_content_type(stored.mimetype)
            )

        return answer  # type: ignore[return-value]

    return decorate


class SharedPageReadTheReader(RuntimeError):
    """A page rendered to be shared by its readers read something of the reader it is
    rendered for that its key does not hold: show it through a slot instead."""


@dataclass(frozen=True)
class _Role:
    """A role as a shared page sees it: no way back to the account that holds it."""

    institution_id: int
    role: str
    institution: Any


@dataclass(frozen=True)
class _Reader:
    """The reader as a page rendered for the store sees them, in templates and in the code
    they call alike: only what the page's key holds (`reader_facts`)."""

    is_admin: bool
    is_curator: bool
    roles: tuple[_Role, ...]
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # Python's and Jinja's own questions (`__html__`)
        raise SharedPageReadTheReader(f"current_user.{name}")


def _reader() -> _Reader:
    user = current_user
    return _Reader(
        is_admin=bool(user.is_admin),
        is_curator=bool(user.is_curator),
        roles=tuple(
            sorted(
                (_Role(r.institution_id, r.role, r.institution) for r in user.roles),
                key=lambda r: (r.institution_id, r.role),
            )
        ),
    )


def shared_page(
    template: str,
    *,
    name: str,
    place: tuple[object, ...],
    context: Callable[[], dict[str, Any]],
    scope: Scope | None = None,
    slots: dict[str, Callable[[], str]] | None = None,
) -> Response | str:
    """Render a signed-in page that every reader with the same roles sees alike, once per
    data version (app/core/data_version.py), language and place.

    With a `scope`, the version is that of writes outside every scope and of that scope's
    own: the page must read no scoped row of any other scope (a plan's page, no other plan's
    activities), as tests/core/test_data_scopes.py checks of each.

    The caller has already decided that the reader may see the page; `place` names the page
    (a plan's id, its page number, the day its figures are reckoned on). A page rendered for
    the store sees a reader made of what its key holds: admin and curator or not, and the
    roles held where (`_Reader`). What is the reader's own is never stored: their name in the
    header, their CSRF token and the page's `slots` (a feed address with the reader's key in
    it) are filled in per request, and a template, or code it calls, that reads anything else
    of the reader fails while rendering for the store (SharedPageReadTheReader) rather than
    keep it. `context` builds the template's variables, and only on a miss. A reader with a
    flashed message waiting gets the page rendered for them alone.
    """
    g._page_slots = slots or {}  # this request's own (g outlives a request in tests)
    if not current_app.config["CACHE_PAGES"] or "_flashes" in session:
        return render_template(template, **context())
    reader = _reader()
    facts = (reader.is_admin, reader.is_curator, [(r.institution_id, r.role) for r in reader.roles])
    key = hashlib.sha256(
        repr(
            (
                current_app.extensions["release"],
                name,
                data_version() if scope is None else (scope, scoped_version(scope)),
                current_language(),
                place,
                facts,
            )
        ).encode()
    ).hexdigest()[:32]
    stored = cache.get(key)
    if stored is None:
        own = g.get("_login_user")
        g._login_user = reader  # what current_user answers, for the templates and the code
        g.setdefault(_RENDERING, True)
        try:
            body = render_template(template, **context()).encode()
        finally:
            g.pop(_RENDERING, None)
            g._login_user = own
        token = g.get("csrf_token")
        if token and token.encode() in body:
            return Response(_fill_slots(body), mimetype="text/html")
        stored = Stored(tuple(_MARKERS.split(body)), "text/html")
        cache.set(key, stored)
    return Response(_join(stored.parts), mimetype=stored.mimetype)


# The headers that make a request conditional: without any of them, the page is sent.
CONDITIONS = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_RANGE"})


def _headers(
    etag: str, now: Version, cache_control: str, per_language: bool
) -> list[tuple[str, str]]:
    """Return an answer's validators and caching policy.

    Given to the answer as text when it is made: the typed setters parse and rebuild each
    header, a fifth of the cost of an answer from the store.
    """
    headers = [
        ("ETag", quote_etag(etag)),
        ("Last-Modified", _http_date(now.changed_at)),
        ("Cache-Control", cache_control),
    ]
    if per_language:
        headers.append(("Vary", "Accept-Language, Cookie"))
    return headers


@lru_cache(maxsize=8)
def _content_type(mimetype: str) -> str:
    return get_content_type(mimetype, "utf-8")


@lru_cache(maxsize=64)
def _http_date(moment: datetime) -> str:
    return http_date(moment)


def init_app(app: Flask) -> None:
    """Bind the store, and let templates name per-visitor values (`slot`)."""
    if not app.config.get("CACHE_TYPE"):
        app.config["CACHE_TYPE"] = (
            "RedisCache" if app.config.get("CACHE_REDIS_URL") else "SimpleCache"
        )
    cache.init_app(app)
    app.add_template_global(slot)
    # Flask-WTF's own global (and context processor, which a later one overrides) would put
    # a visitor's token into a page rendered for the store.
    app.jinja_env.globals["csrf_token"] = _csrf_token
    app.context_processor(lambda: {"csrf_token": _csrf_token})
    app.extensions["release"] = _release(Path(app.root_path))
    app.url_value_preprocessor(_announce_plan)


def _announce_plan(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A page whose address names a plan is keyed on that plan's version (the plan page,
    its dashboard and indicators, and the API's activities read its kept outline): say so
    before the reader's account is read, so that both versions come in one statement."""
    if values and isinstance(values.get("plan_id"), int):
        announce(("plan", values["plan_id"]))
