"""`flask practices sync` and `export`: idempotent, all-or-nothing, withdrawing, round-tripping."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.core.extensions import db
from app.practices.models import Practice, PracticeIndicator, PracticeTerm
from tests.conftest import SHIPPED_PRACTICES, sheet_text


def sync(runner, folder: Path):
    return runner.invoke(args=["practices", "sync", "--dir", str(folder)])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sync_creates_practices_with_terms_and_indicators(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet", title="Second sheet"))
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged, 0 withdrawn" in result.output
    practice = db.session.scalar(select(Practice).where(Practice.slug == "peer-learning-circle"))
    assert practice.terms_of("goals") == ["better-communication", "improved-skills"]
    assert [i.name for i in practice.indicators_of("setup")] == ["Partner offices committed"]
    assert practice.setup_partners == ["Neighbouring universities"]
    assert practice.body == "## About\n\nA short body."


def test_sync_twice_changes_nothing_the_second_time(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    before = db.session.scalar(select(Practice.updated_at))
    terms = count(PracticeTerm)
    result = sync(runner, folder)
    assert result.exit_code == 0
    assert "0 created, 0 updated, 1 unchanged, 0 withdrawn" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Practice.updated_at)) == before
    assert count(PracticeTerm) == terms


def test_sync_updates_a_changed_file(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    sheet_folder(sheet_data(title="A new title", categories=["networking"], setup={"cost": 3}))
    result = sync(runner, folder)
    assert "1 updated" in result.output
    db.session.expire_all()
    practice = db.session.scalar(select(Practice))
    assert practice.title == "A new title"
    assert practice.setup_cost == 3
    assert practice.terms_of("categories") == ["networking"]


def test_one_bad_file_changes_nothing_and_every_problem_is_listed(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    sheet_folder(
        sheet_data(title="Changed but must not land"),
        sheet_data(slug="bad-one", importance="vital", setup={"cost": 9}),
    )
    (folder / "not-utf8.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    result = sync(runner, folder)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(
        line.startswith(f"{folder}/bad-one.md:") and "importance: unknown value 'vital'" in line
        for line in lines
    )
    assert any("bad-one.md" in line and "setup.cost:" in line for line in lines)
    assert any("not-utf8.md:2: file: not UTF-8" in line for line in lines)
    assert "3 problem(s) in 2 of 3 file(s); nothing was changed." in lines[-1]
    db.session.expire_all()
    assert db.session.scalar(select(Practice.title)) == "Peer learning circle for welcome services"
    assert count(Practice) == 1


def test_a_repeated_key_blocks_the_sync_and_is_listed_with_its_place(
    runner, sheet_folder, sheet_data
):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    sheet_folder(sheet_data(title="Changed but must not land"))
    text = sheet_text(sheet_data(slug="repeats", categories=["networking"]))
    lines = text.split("\n")
    first = lines.index("categories:") + 1
    lines.insert(lines.index("---", 1), "categories: [capacity-building-staff]")
    repeat = lines.index("categories: [capacity-building-staff]") + 1
    (folder / "repeats.md").write_text("\n".join(lines), encoding="utf-8")
    for command in (["--check"], []):
        result = runner.invoke(args=["practices", "sync", "--dir", str(folder), *command])
        assert result.exit_code == 1, result.output
        assert (
            f"{folder}/repeats.md:{repeat}: categories: repeated key 'categories' "
            f"(first on line {first}); give each key once"
        ) in result.output
        assert "1 problem(s) in 1 of 2 file(s); nothing was changed." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Practice.title)) == "Peer learning circle for welcome services"
    assert count(Practice) == 1


def test_a_removed_file_is_withdrawn_not_deleted_and_comes_back(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    sync(runner, folder)
    (folder / "second-sheet.md").unlink()
    result = sync(runner, folder)
    assert "1 withdrawn" in result.output
    assert "withdrawn (file gone): second-sheet" in result.output
    db.session.expire_all()
    withdrawn = db.session.scalar(select(Practice).where(Practice.slug == "second-sheet"))
    assert withdrawn is not None and withdrawn.withdrawn
    sheet_folder(sheet_data(slug="second-sheet"))
    result = sync(runner, folder)
    assert "1 restored" in result.output
    db.session.expire_all()
    assert not db.session.scalar(select(Practice).where(Practice.slug == "second-sheet")).withdrawn


def test_a_database_edit_survives_a_sync_of_the_unchanged_file(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    practice = db.session.scalar(select(Practice))
    practice.summary = "Edited in the database"
    db.session.commit()
    sync(runner, folder)
    db.session.expire_all()
    assert db.session.scalar(select(Practice.summary)) == "Edited in the database"


def test_check_flag_validates_without_writing(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    result = runner.invoke(args=["practices", "sync", "--dir", str(folder), "--check"])
    assert result.exit_code == 0
    assert "1 file(s) checked, no problems." in result.output
    assert count(Practice) == 0


def test_missing_folder_is_a_clear_error(runner, tmp_path):
    result = sync(runner, tmp_path / "nowhere")
    assert result.exit_code != 0
    assert "no such folder" in result.output


def test_sync_then_export_reproduces_every_shipped_file(runner, tmp_path):
    assert sync(runner, SHIPPED_PRACTICES).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(args=["practices", "export", "--dir", str(out)])
    assert result.exit_code == 0, result.output
    shipped = sorted(SHIPPED_PRACTICES.glob("*.md"))
    assert sorted(p.name for p in out.glob("*.md")) == [p.name for p in shipped]
    for path in shipped:
        assert (out / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_export_writes_database_edits_back_as_a_valid_sheet(
    runner, sheet_folder, sheet_data, tmp_path
):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    practice = db.session.scalar(select(Practice))
    practice.summary = "Edited in the database"
    db.session.commit()
    out = tmp_path / "out"
    runner.invoke(args=["practices", "export", "--dir", str(out)])
    text = (out / "peer-learning-circle.md").read_text(encoding="utf-8")
    assert "summary: Edited in the database" in text
    assert sync(runner, out).exit_code == 0


def test_export_leaves_withdrawn_sheets_out_unless_asked(
    runner, sheet_folder, sheet_data, tmp_path
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    sync(runner, folder)
    (folder / "second-sheet.md").unlink()
    sync(runner, folder)
    runner.invoke(args=["practices", "export", "--dir", str(tmp_path / "a")])
    runner.invoke(args=["practices", "export", "--dir", str(tmp_path / "b"), "--include-withdrawn"])
    assert len(list((tmp_path / "a").glob("*.md"))) == 1
    assert len(list((tmp_path / "b").glob("*.md"))) == 2


def test_deleting_a_practice_removes_its_terms_and_indicators(app, make_practice):
    practice = make_practice()
    db.session.delete(practice)
    db.session.commit()
    assert count(PracticeTerm) == 0
    assert count(PracticeIndicator) == 0


def test_shipped_file_with_crlf_line_endings_reads_the_same(runner, tmp_path, sheet_data):
    folder = tmp_path / "crlf"
    folder.mkdir()
    text = sheet_text(sheet_data()).replace("\n", "\r\n")
    (folder / "peer-learning-circle.md").write_bytes(text.encode("utf-8"))
    assert sync(runner, folder).exit_code == 0
    assert db.session.scalar(select(Practice.body)) == "## About\n\nA short body."


def test_an_empty_folder_is_refused_rather_than_withdrawing_everything(
    runner, sheet_folder, sheet_data, tmp_path
):
    sync(runner, sheet_folder(sheet_data()))
    empty = tmp_path / "empty"
    empty.mkdir()
    result = sync(runner, empty)
    assert result.exit_code == 1
    assert "no *.md practice sheets; nothing was changed" in result.output
    assert db.session.scalar(select(Practice.withdrawn_at)) is None
