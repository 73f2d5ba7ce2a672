"""No user-facing string outside the catalogues: every template's text and every message of the
code goes through gettext, so a later feature cannot forget one.

Templates: the literal text between Jinja's tags (outside `{% trans %}` blocks) may hold no
words, neither as text of the page nor in attributes people read (title, alt, placeholder,
aria-label, a button's value). Python: the strings people read (flash messages, form labels
and their descriptions, validation messages) are calls of gettext, not literals.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "templates"
APP = ROOT / "app"

# Words that read the same in every language of the interface: names and formats.
NOT_WORDS = {"OpenAPI", "JSON", "CSV", "XLSX", "API", "iCal", "ORCID", "HEInnovate", "EUR"}
HOLE = "\ue000"  # stands for whatever Jinja writes there (an expression or a tag)
WORD = re.compile(r"[^\W\d_]{2,}")
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "summary"}


def _literal_html(source: str, env: Environment) -> str:
    """Return a template's literal text, each Jinja expression or tag replaced by HOLE."""
    parts: list[str] = []
    in_trans = False
    previous = ""
    for _line, kind, value in env.lex(source):
        if kind == "name" and previous == "block_begin":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "data" and not in_trans:
            parts.append(value)
        elif not parts or parts[-1] != HOLE:
            parts.append(HOLE)
        if kind != "whitespace":
            previous = kind
    return "".join(parts)


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.replace(HOLE, " ")) if w not in NOT_WORDS]


class _Text(HTMLParser):
    """Collect the text people read of a page's literal HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        kind = dict(attrs).get("type") or ""
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and kind in ("submit", "button")
            )
            if read and value and _words(value):
                self.found.append(f'{tag} {name}="{value}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _words(data):
            self.found.append(" ".join(data.split()))


def _untranslated_in_template(path: Path, env: Environment) -> list[str]:
    parser = _Text()
    parser.feed(_literal_html(path.read_text(encoding="utf-8"), env))
    parser.close()
    return parser.found


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_template_holds_no_text_outside_the_catalogue(app, path):
    found = _untranslated_in_template(path, app.jinja_env)
    assert not found, f"{path.relative_to(ROOT)} writes words without gettext: {found}"


def test_the_template_check_finds_a_forgotten_string(app):
    env = app.jinja_env
    source = (
        '<p>{{ _("Saved") }}</p><button title="Remove it">{{ x }}</button>'
        "<h1>Plans of {{ name }}</h1>{% trans %}Fine here{% endtrans %}"
        '<input type="submit" value="Send"><script>var a = "ok";</script>'
    )
    parser = _Text()
    parser.feed(_literal_html(source, env))
    assert parser.found == ['button title="Remove it"', f"Plans of {HOLE}", 'input value="Send"']


# Python: which calls' arguments people read.
FIELD_CALL = re.compile(r".*Field$")
MESSAGE_CALLS = {
    "flash": (0,),
    "ValidationError": (0,),
    "FieldProblem": (1,),
    "SelectChoice": (1,),
    "abort": (1,),  # the sentence of an error page
    "ValueError": (0,),  # a schema's or a parser's problem, shown beside a field or a row
}
MESSAGE_KEYWORDS = {"label", "description", "message"}
# pydantic's Field: its description is the OpenAPI document's, for developers.
NOT_MESSAGES = {"Field"}
# Modules whose words people do not read in the interface: command-line output (operators),
# the JSON API's answers and its OpenAPI document (developers), the checks of configuration
# files read at start-up (operators).
SKIPPED = ("cli.py", "openapi.py", "api.py", "auth.py", "bodies.py", "vocabularies.py")


def _literal(node: ast.AST) -> bool:
    """Tell whether an argument is text written in the code (not a gettext call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_words(node.value))
    return isinstance(node, ast.JoinedStr)


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _untranslated_in_module(path: Path) -> list[str]:
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        if name in NOT_MESSAGES:
            continue
        positions = MESSAGE_CALLS.get(name, (0,) if FIELD_CALL.match(name) else ())
        arguments = [node.args[i] for i in positions if i < len(node.args)]
        arguments += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
        if name == "dict" or FIELD_CALL.match(name):
            for keyword in node.keywords:
                if keyword.arg == "render_kw" and isinstance(keyword.value, ast.Dict):
                    arguments += [
                        v
                        for k, v in zip(keyword.value.keys, keyword.value.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value in READ_ATTRIBUTES
                    ]
        found += [
            f"line {a.lineno}: {name}({ast.unparse(a)[:60]})" for a in arguments if _literal(a)
        ]
    return found


MODULES = sorted(p for p in APP.rglob("*.py") if p.name not in SKIPPED and p.parent.name != "api")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(APP)))
def test_module_says_nothing_to_people_outside_the_catalogue(path):
    found = _untranslated_in_module(path)
    assert not found, f"{path.relative_to(ROOT)} has messages without gettext: {found}"


def test_the_module_check_finds_a_forgotten_string(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "flash(_('Saved.'))\nflash('Deleted.')\nflash(f'Gone {x}')\n"
        "name = StringField(_l('Name'))\ntitle = StringField('Title')\n"
        "note = TextAreaField(_l('Note'), description='Say more')\n"
        "raise ValidationError('Too long.')\n"
        "abort(404, 'No such plan.')\nabort(404, _('No such plan.'))\n"
        "x = Field(description='For the OpenAPI document.')\n"
    )
    found = _untranslated_in_module(module)
    assert [line.split(":")[0] for line in found] == [
        "line 2",
        "line 3",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
    ]


# Enums whose values nobody reads as words: languages go by their own names (the switcher),
# the outbox's states are said in whole sentences of its template.
UNLABELLED = {"Language", "Delivery", "MailStatus", "MailKind"}


def _enums(kind: type) -> list[type]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_enums(sub)]
    return found


def test_every_enum_people_read_has_labels_in_the_catalogue(app):
    from enum import StrEnum

    from app.core.enums import _LABELS

    ours = {e.__name__ for e in _enums(StrEnum) if e.__module__.startswith("app.")}
    assert ours - UNLABELLED - set(_LABELS) == set(), "register them with label_with()"
    assert ours >= UNLABELLED, "an enum of the list is gone: take it off the list"


def test_a_lazy_message_is_escaped_in_html(app):
    from markupsafe import escape

    from app.core.i18n import lazy_gettext

    with app.test_request_context("/"):
        shown = escape(lazy_gettext("Plan %(name)s", name="<script>"))
    assert "<script>" not in shown and "&lt;script&gt;" in shown
