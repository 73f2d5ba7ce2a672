"""`flask restore` of a malformed file: one line per problem, exit 1, nothing restored, no secret.

A backup holds password hashes, session and feed keys and API token hashes: whatever is wrong
with a file, the command names the place of each problem and never prints a row.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.accounts.services import create_api_token
from app.core.extensions import db
from app.data import services
from tests.conftest import _empty_tables

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def backup(app, runner, two_institutions, tmp_path) -> tuple[dict[str, Any], list[str]]:
    """A backup of a small world as a document, and the secrets in it; the database emptied."""
    people, _ = two_institutions
    create_api_token(people["planner"], "script", 30)
    db.session.commit()
    file = tmp_path / "backup.json"
    assert runner.invoke(args=["data", "backup", str(file)]).exit_code == 0
    document = json.loads(file.read_text(encoding="utf-8"))
    secrets = [
        row[column]
        for table, column in (
            ("users", "password_hash"),
            ("users", "session_token"),
            ("users", "feed_key"),
            ("api_tokens", "token_hash"),
            ("plans", "feed_token"),
        )
        for row in document["tables"][table]
        if row[column]
    ]
    assert len(secrets) > 10
    _empty_tables()
    return document, secrets


def restore(runner, tmp_path: Path, content: bytes | str | Any, name: str = "bad.json", *args):
    """Run `flask restore` on a file with this content (a document is written as JSON)."""
    file = tmp_path / name
    if isinstance(content, bytes):
        file.write_bytes(content)
    elif isinstance(content, str):
        file.write_text(content, encoding="utf-8")
    else:
        file.write_text(json.dumps(content), encoding="utf-8")
    return runner.invoke(args=["data", "restore", str(file), *args])


def total_rows() -> int:
    db.session.remove()
    return sum(db.session.scalar(select(func.count()).select_from(t)) for t in services.tables())


def assert_refused(result, secrets: list[str]) -> list[str]:
    """Check a refusal: exit 1, a clear message, nothing restored, no secret; return its lines."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "nothing restored" in result.output
    assert "Traceback" not in result.output and "Aborted" not in result.output
    for secret in secrets:
        assert secret not in result.output
    assert total_rows() == 0
    return result.output.splitlines()


def _set(document: dict[str, Any], table: str, column: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["tables"][table][0][column] = value
    return changed


# (what is wrong, how to make it, what the line says)
SHAPES = [
    ("a list", lambda d: [d], "not a backup of this app"),
    ("no tables", lambda d: {**d, "tables": []}, 'no "tables" object'),
    (
        "rows not a list",
        lambda d: {**d, "tables": {**d["tables"], "users": {}}},
        "table users: expected a list of rows",
    ),
    (
        "a row not an object",
        lambda d: {**d, "tables": {**d["tables"], "plans": ["x"]}},
        "table plans, row 1: expected an object",
    ),
    (
        "a missing table",
        lambda d: {**d, "tables": {k: v for k, v in d["tables"].items() if k != "activities"}},
        "table activities: missing from the backup",
    ),
    (
        "an unknown table",
        lambda d: {**d, "tables": {**d["tables"], "x\nEvil": []}},
        "table x Evil: not a table of this app",
    ),
    (
        "an unknown column",
        lambda d: _set(d, "users", "shoe_size", 42),
        "table users, row 1: unknown column(s) shoe_size",
    ),
    (
        "text for a number",
        lambda d: _set(d, "plans", "institution_id", "one"),
        "table plans, row 1, column institution_id: expected a whole number",
    ),
    ("a float id", lambda d: _set(d, "plans", "id", 1.5), "column id: expected a whole number"),
    (
        "a number for a date",
        lambda d: _set(d, "plans", "period_start", 20270101),
        "column period_start: expected text",
    ),
    (
        "a bad date",
        lambda d: _set(d, "plans", "period_start", "2027-13-45"),
        "column period_start: expected a date (ISO 8601)",
    ),
    (
        "a bad time",
        lambda d: _set(d, "users", "created_at", "yesterday"),
        "column created_at: expected a date and time",
    ),
    (
        "text for an amount",
        lambda d: _set(d, "activities", "budget_planned", "lots"),
        "column budget_planned: expected a number",
    ),
    (
        "an infinite amount",
        lambda d: _set(d, "activities", "budget_planned", "Infinity"),
        "column budget_planned: expected a finite number",
    ),
    (
        "text for a flag",
        lambda d: _set(d, "users", "is_admin", "yes"),
        "column is_admin: expected true or false",
    ),
    (
        "a file not in base64",
        lambda d: _set(d, "evidence_files", "content", "%%%"),
        "column content: expected base64 text",
    ),
    (
        "null where required",
        lambda d: _set(d, "users", "email", None),
        "column email: may not be empty (null)",
    ),
    (
        "too long a text",
        lambda d: _set(d, "users", "email", "a" * 300),
        "column email: longer than 254 characters",
    ),
    (
        "a huge number",
        lambda d: _set(d, "plans", "id", 10**30),
        "column id: the number is out of range",
    ),
    (
        "a missing column",
        lambda d: {
            **d,
            "tables": {
                **d["tables"],
                "users": [{k: v for k, v in d["tables"]["users"][0].items() if k != "email"}],
            },
        },
        "column email: missing",
    ),
]


@pytest.mark.parametrize(("what", "make", "line"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_malformed_shape_is_named_on_its_own_line(runner, tmp_path, backup, what, make, line):
    document, secrets = backup
    lines = assert_refused(restore(runner, tmp_path, make(document)), secrets)
    assert any(line in text for text in lines), (line, lines)


def test_every_problem_is_listed(runner, tmp_path, backup):
    document, secrets = backup
    broken = _set(_set(document, "users", "is_admin", "yes"), "plans", "period_start", 1)
    lines = assert_refused(restore(runner, tmp_path, broken), secrets)
    assert len([text for text in lines if text.startswith("  table ")]) == 2


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
def test_a_truncated_file_says_so(runner, tmp_path, backup, suffix):
    document, secrets = backup
    whole = json.dumps(document).encode()
    if suffix.endswith(".gz"):
        whole = gzip.compress(whole)
    result = restore(runner, tmp_path, whole[: len(whole) // 2], "cut" + suffix)
    lines = assert_refused(result, secrets)
    assert "not a readable backup" in lines[0]


@FAST
@given(data=st.data())
def test_any_truncation_or_damage_is_refused(runner, tmp_path, backup, data):
    document, secrets = backup
    whole = json.dumps(document).encode()
    gzipped = data.draw(st.booleans())
    content = gzip.compress(whole) if gzipped else whole
    cut = data.draw(st.integers(min_value=0, max_value=len(content) - 2))
    damaged = content[:cut]
    if data.draw(st.booleans()):
        damaged += data.draw(st.binary(max_size=20))
        if damaged == content[: len(damaged)] and len(damaged) >= len(content) - 1:
            return  # hypothesis rebuilt the file whole
    result = restore(runner, tmp_path, damaged, "damaged.json.gz" if gzipped else "damaged.json")
    assert_refused(result, secrets)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@FAST
@given(data=st.data())
def test_any_value_anywhere_restores_all_or_nothing(runner, tmp_path, backup, data):
    document, secrets = backup
    changed = copy.deepcopy(document)
    table = data.draw(st.sampled_from(sorted(t for t, rows in changed["tables"].items() if rows)))
    row = data.draw(st.sampled_from(changed["tables"][table]))
    column = data.draw(st.sampled_from(sorted(row)))
    row[column] = data.draw(JSON)
    result = restore(runner, tmp_path, changed)
    if result.exit_code == 0:  # a value the column takes: then everything is there
        assert total_rows() == sum(len(rows) for rows in document["tables"].values())
        _empty_tables()
        return
    assert_refused(result, secrets)


@FAST
@given(value=JSON)
def test_any_json_document_is_refused_cleanly(runner, tmp_path, backup, value):
    _, secrets = backup
    assert_refused(restore(runner, tmp_path, value), secrets)


def test_a_file_too_large_once_unpacked_is_refused_before_it_is_read_whole(
    runner, tmp_path, backup
):
    _, secrets = backup
    bomb = gzip.compress(b" " * 5_000_000)
    result = restore(runner, tmp_path, bomb, "bomb.json.gz", "--max-bytes", "1000000")
    assert "larger than 1,000,000 bytes" in assert_refused(result, secrets)[0]


def test_json_nested_too_deeply_is_refused(runner, tmp_path, backup):
    _, secrets = backup
    result = restore(runner, tmp_path, "[" * 100_000 + "]" * 100_000)
    assert_refused(result, secrets)


def test_text_that_is_not_utf8_is_refused(runner, tmp_path, backup):
    _, secrets = backup
    assert "not UTF-8" in assert_refused(restore(runner, tmp_path, b"\xff\xfe{}"), secrets)[0]


def test_a_row_the_database_refuses_is_named_without_its_contents(runner, tmp_path, backup):
    document, secrets = backup
    changed = copy.deepcopy(document)
    twin = dict(changed["tables"]["users"][0], id=9999)  # the same email twice
    changed["tables"]["users"].append(twin)
    lines = assert_refused(restore(runner, tmp_path, changed), secrets)
    assert "table users: the database refused a row" in lines[0]


def test_a_backup_to_a_folder_that_does_not_exist_says_so(runner, tmp_path):
    result = runner.invoke(args=["data", "backup", str(tmp_path / "missing" / "b.json")])
    assert result.exit_code == 1
    assert "not written" in result.output and "Traceback" not in result.output
