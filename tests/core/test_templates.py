"""Templates in the tests fail on a name nobody passed (the suite's StrictTemplates)."""

from __future__ import annotations

import pytest
from flask import render_template_string
from jinja2 import UndefinedError


def test_a_name_nobody_passed_fails_the_render(app):
    with app.test_request_context(), pytest.raises(UndefinedError):
        render_template_string("{{ nobody_passed_this }}")


def test_the_absent_csrf_field_of_a_form_renders_as_nothing(app):
    class Form:
        pass

    with app.test_request_context():
        assert render_template_string("<{{ form.csrf_token }}>", form=Form()) == "<>"
