"""The vocabularies file: every key's label in en, fi and sv, read in the request's language."""

from __future__ import annotations

import pytest
from flask import g

from app.core.vocabularies import REQUIRED_LISTS, VocabularyFileError, parse_vocabularies
from tests.conftest import VOCABULARY_FILE

GOOD = """\
goals:
  better-communication:
    en: Better communication
    fi: Parempi viestintä
    sv: Bättre kommunikation
"""


def lists_with(extra: str = "") -> str:
    """Return a file with every required list (one key each) and the given text after it."""
    parts = [GOOD]
    for name in REQUIRED_LISTS:
        if name != "goals":
            parts.append(f"{name}:\n  a-key:\n    en: A\n    fi: Ä\n    sv: Å\n")
    return "".join(parts) + extra


def test_a_label_is_given_in_each_language():
    vocab = parse_vocabularies("v.yml", lists_with())
    assert vocab.keys("goals") == ["better-communication"]
    assert vocab.label("goals", "better-communication", "fi") == "Parempi viestintä"
    assert vocab.label("goals", "better-communication", "sv") == "Bättre kommunikation"
    assert vocab.in_language("en")["goals"] == {"better-communication": "Better communication"}
    # A key the list no longer has is shown as itself.
    assert vocab.label("goals", "retired", "fi") == "retired"


def test_labels_follow_the_language_of_the_request(app):
    vocab = parse_vocabularies("v.yml", lists_with())
    for language, label in [("fi", "Parempi viestintä"), ("sv", "Bättre kommunikation")]:
        g.pop("_flask_babel", None)
        with app.test_request_context(headers={"Accept-Language": language}):
            assert vocab.label("goals", "better-communication") == label
            assert vocab.lists["goals"]["better-communication"] == label
    g.pop("_flask_babel", None)
    with app.test_request_context():
        assert vocab.label("goals", "better-communication") == "Better communication"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("extra:\n  k:\n    en: E\n    fi: F\n", "no label in sv"),
        ("extra:\n  k:\n    en: E\n    fi: F\n    sv: S\n    de: D\n", "unknown language de"),
        ("extra:\n  k: Only English\n", "give the label in each language"),
        ("extra:\n  k:\n    en: E\n    fi: ''\n    sv: S\n", "no label in fi"),
    ],
)
def test_a_key_without_all_three_labels_is_refused_at_its_line(extra, message):
    text = lists_with(extra)
    with pytest.raises(VocabularyFileError) as error:
        parse_vocabularies("v.yml", text)
    problem = error.value.problems[0]
    assert (problem.file, problem.field) == ("v.yml", "extra.k")
    assert message in problem.message
    # The line is the key's own.
    assert text.splitlines()[problem.line - 1].startswith("  k:")
    assert str(problem).startswith(f"v.yml:{problem.line}: extra.k: ")


def test_a_missing_list_is_refused():
    with pytest.raises(VocabularyFileError) as error:
        parse_vocabularies("v.yml", GOOD)
    assert "categories: missing list" in str(error.value)


def test_the_shipped_file_has_every_label_in_three_languages():
    vocab = parse_vocabularies(str(VOCABULARY_FILE), VOCABULARY_FILE.read_text(encoding="utf-8"))
    for name, values in vocab.translations.items():
        for key, labels in values.items():
            assert set(labels) == {"en", "fi", "sv"}, (name, key)
            assert all(labels.values()), (name, key)


def test_a_why_list_explains_the_keys_of_its_list_in_the_reader_language(app):
    text = lists_with(
        "why_goals:\n  better-communication:\n    en: Why E\n    fi: Miksi F\n    sv: Varför S\n"
    )
    vocab = parse_vocabularies("v.yml", text)
    assert vocab.why("goals", "better-communication", "fi") == "Miksi F"
    assert vocab.why("goals", "better-communication", "en") == "Why E"
    # A key the file does not explain, and a list it does not explain, say nothing.
    assert vocab.why("goals", "unknown") is None
    assert vocab.why("categories", "anything") is None


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            "why_goals:\n  nope:\n    en: E\n    fi: F\n    sv: S\n",
            "why_goals.nope",
            "nope is not a key of goals",
        ),
        (
            "why_nothing:\n  k:\n    en: E\n    fi: F\n    sv: S\n",
            "why_nothing",
            "not a list of this file",
        ),
    ],
)
def test_a_why_list_of_keys_its_list_lacks_is_refused_at_its_line(extra, field, message):
    with pytest.raises(VocabularyFileError) as error:
        parse_vocabularies("v.yml", lists_with(extra))
    problem = error.value.problems[0]
    assert problem.field == field
    assert message in problem.message


def test_the_shipped_file_explains_every_stage_target_group_and_goal():
    vocab = parse_vocabularies(str(VOCABULARY_FILE), VOCABULARY_FILE.read_text(encoding="utf-8"))
    for name in ("mobility_stages", "target_groups", "goals"):
        for key in vocab.keys(name):
            assert all(vocab.why(name, key, language) for language in ("en", "fi", "sv")), key
