"""Every HTML form of the app, filled with hostile values by hypothesis: never a server error.

The forms are found the way a person finds them: by following the links of the fully populated
world's pages as the callers who see the most (a manager and a site admin), and
reading every `<form method="post">` there. Each form is then sent many times with its fields
replaced by values of every shape people and scripts type: empty, huge, control characters,
private-use characters, NaN and infinities, numbers past any column, impossible dates, rules
that never match, markup, lists where one value is expected, files of random bytes. The CSRF
token stays valid, so the request reaches the form's own checks. Whatever is sent, the answer
is a page or a redirect (2xx, 3xx) or a clear refusal (4xx), never a 5xx.

FUZZ_EXAMPLES sets how many examples each form gets (default 12; CI keeps the default and a
fixed seed, so a failure there is a real, repeatable one).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_crawl import _links, _seed_urls, _sign_in, world  # noqa: F401 - world: fixture

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# A manager holds every right of an institution, an admin every right of the site (curating
# included): together they reach every form; the other roles reach subsets of those forms.
CALLERS = ("manager", "admin")
MAX_PAGES = 250  # pages visited per caller to find forms
# Forms that end the caller's session or destroy the world the other forms need: sent last.
DESTRUCTIVE = re.compile(r"/(delete|remove|revoke|reopen|dismiss|rotate|restore)\b|/feed")
SKIPPED = re.compile(r"^/logout$")

HOSTILE = [
    "",
    " ",
    "NaN",
    "sNaN",
    "-nan",
    "Infinity",
    "-Infinity",
    "1e400",
    "1E+20",
    "-1",
    "0",
    "0.0000000001",
    "99999999999999999999999",
    str(2**63),
    str(-(2**63) - 1),
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "27.11.2026",
    "\x00",
    "a\r\nb",
    "line\nbreak",
    "\x0b\x01\x1f\x7f\x85",
    "\ue000\ue001",
    "\ud7ff\ufffd\U0010ffff",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    '=HYPERLINK("http://x")',
    "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=31",
    "FREQ=SECONDLY",
    "FREQ=DAILY;COUNT=100000",
    "RRULE:FREQ=WEEKLY;UNTIL=99991231",
    "twice a year",
    "[" * 2000,
    "x" * 5000,
    "é" * 300,
]


@dataclass
class Form:
    """A form found on a page: where it posts, and its fields with their first values."""

    action: str
    page: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """Collect the post forms of a page, with their fields."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            if attributes.get("method", "get").lower() == "post":
                action = urljoin(self.page, attributes.get("action") or self.page)
                self.current = Form(action=action, page=self.page)
                self.forms.append(self.current)
            else:
                self.current = None
            return
        form = self.current
        name = attributes.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append(attributes.get("value", "on"))
                if "checked" in attributes:
                    form.fields.setdefault(name, []).append(attributes.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                form.fields.setdefault(name, []).append(attributes.get("value", ""))
        elif tag == "select":
            self.select = name
            form.fields.setdefault(name, [])
        elif tag == "option" and self.select:
            form.options.setdefault(self.select, []).append(attributes.get("value", ""))
        elif tag == "textarea":
            self.textarea = name
            form.fields.setdefault(name, [""])
        elif tag == "button" and attributes.get("value") is not None:
            form.options.setdefault(name, []).append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _is_csrf(name: str) -> bool:
    return name == "csrf_token" or name.endswith("-csrf_token")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _find_forms(client: Any, seeds: list[str]) -> list[Form]:
    """Follow links from the seeds and return one form per kind of action (ids made generic)."""
    queue, seen, found = list(seeds), set(seeds), {}
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        parser = _Forms(url)
        parser.feed(page)
        for form in parser.forms:
            action = _path(form.action)
            if SKIPPED.search(urlsplit(action).path):
                continue
            kind = re.sub(r"/\d+", "/N", urlsplit(action).path)
            found.setdefault(kind, form)
        for link in _links(page, url):
            if link not in seen and "/logout" not in link and "/static/" not in link:
                seen.add(link)
                queue.append(link)
    forms = list(found.values())
    return sorted(forms, key=lambda f: (bool(DESTRUCTIVE.search(_path(f.action))), f.action))


def _value(form: Form, name: str) -> st.SearchStrategy[Any]:
    """Return the strategy of one field: its own values, its options, or something hostile."""
    own = form.fields.get(name, []) + form.options.get(name, [])
    scalar = st.one_of(
        st.sampled_from(own or [""]),
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats().map(repr),
        st.dates().map(str),
    )
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=4))


def _file() -> st.SearchStrategy[tuple[io.BytesIO, str]]:
    content = st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(
            [
                b"",
                b"title,start\r\nA,2027-01-01,extra,cells\r\n",
                b"title\rstart\rA\r",
                b"PK\x03\x04" + b"\x00" * 100,
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
                b"indicator_id,period,value\n1,2027-Q1,NaN\n",
            ]
        ),
    )
    names = st.sampled_from(["plan.csv", "plan.xlsx", "values.csv", "evidence.pdf", "x"])
    return st.tuples(content.map(io.BytesIO), names)


@pytest.mark.parametrize("caller", CALLERS)
def test_no_form_answers_a_server_error_whatever_it_is_sent(app, world, caller):  # noqa: F811
    client = app.test_client()
    assert _sign_in(client, world.people[caller].email) == 302
    seeds, _ = _seed_urls(app, world)
    forms = _find_forms(client, seeds)
    assert len(forms) >= 5, f"{caller} found only {[f.action for f in forms]}"
    failures: list[str] = []

    def fuzz(form: Form) -> None:
        """Send one form its examples; fail with the first (shrunk) 5xx."""
        # CSRF fields (a form's own, or a prefixed one) keep their values: the point is to
        # reach the form's checks, which a refused token would never get to.
        csrf = {name: values[0] for name, values in form.fields.items() if _is_csrf(name)}
        names = sorted(name for name in set(form.fields) | set(form.options) if not _is_csrf(name))
        strategy = st.fixed_dictionaries(
            {name: _value(form, name) for name in names},
            optional={name: _file() for name in form.files},
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(values=strategy)
        def send(values: dict[str, Any]) -> None:
            data = {**values, **csrf}
            response = client.post(_path(form.action), data=data)
            assert response.status_code < 500, (
                f"{response.status_code} from POST {_path(form.action)} with {data!r}"
            )
            if response.status_code == 400:
                # A refusal must be the form's, not a lost CSRF token or session.
                assert "CSRF" not in response.get_data(as_text=True), (
                    f"POST {_path(form.action)} lost its CSRF token or session with {data!r}"
                )

        send()

    for form in forms:
        try:
            fuzz(form)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0][:2000])
        # A form that signs the caller out (a password change elsewhere) must not stop the run.
        if client.get("/account").status_code != 200:
            assert _sign_in(client, world.people[caller].email) == 302

    assert failures == [], f"{caller}: forms answered 5xx:\n" + "\n".join(failures)
