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


def _compiled(app, name: str, source: str) -> str:
    """Render `source` as if it were the template `name`."""
    return app.jinja_env.from_string(app.jinja_env.parse(source, name=name, filename=name)).render(
        value="  kept\n    as typed"
    )


def test_an_html_template_s_own_indentation_is_left_out(app):
    out = _compiled(app, "page.html", "<ul>\n    <li>one</li>\n\t<li>two</li>\n</ul>")
    assert out == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"


def test_what_a_template_shows_keeps_its_indentation(app):
    out = _compiled(app, "page.html", "<div>\n  <pre>{{ value }}</pre>\n</div>")
    assert out == "<div>\n<pre>  kept\n    as typed</pre>\n</div>"


def test_text_templates_keep_their_indentation(app):
    assert _compiled(app, "mail.txt", "Hello\n    there") == "Hello\n    there"


def test_a_page_has_no_indented_lines_outside_what_it_shows(client):
    page = client.get("/practices").get_data(as_text=True)
    assert "\n    <" not in page
