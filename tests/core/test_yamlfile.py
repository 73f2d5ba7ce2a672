"""Reading YAML quickly: load() gives what PyYAML's safe loader gives, and spots repeated keys."""

from __future__ import annotations

import pytest
import yaml

from app.core.yamlfile import YamlProblem, compose, load, repeated_keys
from tests.conftest import SHIPPED_PRACTICES

DOCUMENTS = [
    "a: 1\nb: [1, 2.5, null, true, 2020-01-01, '3']\nc: {d: e}\n",
    "a: &x [1]\nb: *x\n",
    "a: &x {k: 1}\nb:\n  <<: *x\n  j: 2\n",
    "x: !!set {a, b}\n",
    "1: a\n'1': b\n",
    "a: !!binary aGVsbG8=\n",
    "x: 'quoted'\ny: |\n  block\n  text\n",
    "- a\n- {b: c}\n",
    # A plain scalar of each implicit type, and look-alikes that stay strings.
    "a: yes\nb: Off\nc: ~\nd:\ne: -1.5\nf: .inf\ng: 0x1F\nh: 2020-01-01 10:00:00\ni: 1:30\n"
    "j: +1\nk: 1e3\nl: 0o17\nm: NULL\nn: -.nan\no: 1_000\nq: 'yes'\n",
    "",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_load_gives_what_the_safe_loader_gives(text):
    assert load(text) == (yaml.safe_load(text), False)


def test_load_gives_the_shipped_sheets_front_matter_as_the_safe_loader_does():
    for path in SHIPPED_PRACTICES.glob("*.md"):
        front = path.read_text(encoding="utf-8").split("---\n", 2)[1]
        assert load(front) == (yaml.safe_load(front), False), path.name


def test_load_keeps_a_recursive_alias_recursive():
    data, _ = load("a: &r [*r]\n")
    assert data["a"][0] is data["a"]


def test_load_spots_a_repeated_key_at_any_depth_and_repeated_keys_says_where():
    text = "a: 1\nb:\n  - c: 1\n    d: 2\n    c: 3\na: 4\n"
    assert load(text) == ({"a": 4, "b": [{"c": 3, "d": 2}]}, True)
    assert repeated_keys(compose(text)[1]) == [(("b", 0, "c"), 4, 2), (("a",), 5, 0)]


def test_load_reports_unreadable_yaml_with_its_line():
    with pytest.raises(YamlProblem) as raised:
        load("a: 1\nb: [unclosed\n")
    assert raised.value.line >= 2
    with pytest.raises(YamlProblem):
        load("? [a]\n: b\n")  # an unhashable key
