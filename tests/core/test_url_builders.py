"""The suite's reuse of compiled URL builders (tests/conftest.py) changes no address."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing.rules import Rule


def _code(builder) -> tuple:
    code = builder.__code__
    return code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_name


def test_every_reused_builder_is_the_one_werkzeug_compiles_afresh(app: Flask) -> None:
    compile_afresh = Rule._compile_builder.compile_builder
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        for append_unknown in (False, True):
            reused = rule._compile_builder(append_unknown)
            assert _code(reused) == _code(compile_afresh(rule, append_unknown)), rule.rule


def test_a_second_app_builds_the_same_addresses(app: Flask, migrated_database: str) -> None:
    from tests.conftest import build_app

    other = build_app(migrated_database)
    for first, second in zip(app.url_map.iter_rules(), other.url_map.iter_rules(), strict=True):
        assert first.rule == second.rule and first.endpoint == second.endpoint
        assert first._build is not second._build  # each rule is bound to its own builder
    with app.test_request_context(), other.test_request_context():
        from flask import url_for

        # The static file's name carries its content's hash (app/core/static.py).
        assert re.fullmatch(
            r"/static/style\.[0-9a-f]{12}\.css\?v=1", url_for("static", filename="style.css", v=1)
        )
