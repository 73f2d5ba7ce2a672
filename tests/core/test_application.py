"""The app's Flask class answers `ensure_sync` as Flask does, more cheaply."""

from __future__ import annotations

import functools

import pytest
from flask import Flask

from app.core.application import App


def plain(value: int) -> int:
    return value


async def coroutine() -> None:
    return None


class Hooks:
    def after(self, response: object) -> object:
        return response


def test_a_plain_function_or_bound_method_is_returned_as_it_is():
    app = App(__name__)
    assert app.ensure_sync(plain) is plain
    method = Hooks().after
    assert app.ensure_sync(method) == method


def test_a_coroutine_takes_flask_own_path():
    # Without asgiref installed Flask refuses a coroutine view; with it, wraps it. Either way
    # it is not handed back as if it were synchronous, and both classes agree.
    for cls in (Flask, App):
        with pytest.raises(RuntimeError, match="async"):
            cls(__name__).ensure_sync(coroutine)


def test_what_has_no_code_of_its_own_takes_flask_own_path():
    partial = functools.partial(plain, 1)
    assert App(__name__).ensure_sync(partial) is partial


def test_the_factory_makes_the_app_with_it(app):
    assert isinstance(app, App)
