"""`flask practices sync` reads only what changed, and writes in bulk what the ORM used to write.

The parse counts come from a spy: files.read_sheet_text, replaced by a wrapper that records
each file name and calls the real function.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import JSON, Text, cast, select, text

from app.core.extensions import db
from app.core.vocabularies import vocabularies
from app.practices import files as practice_files
from app.practices import services
from app.practices.models import (
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeTerm,
    PracticeTranslation,
)
from tests.conftest import SHIPPED_PRACTICES, VOCABULARY_FILE, sheet_text


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Record the name of every file the real read_sheet_text parses."""
    names: list[str] = []
    real = practice_files.read_sheet_text

    def spy(name: str, *args: Any, **kwargs: Any):
        names.append(Path(name).name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(practice_files, "read_sheet_text", spy)
    return names


def sync(runner, folder: Path):
    return runner.invoke(args=["practices", "sync", "--dir", str(folder)])


def vocabulary_copy(app, tmp_path: Path, name: str, change) -> None:
    """Make the app use a copy of the shipped vocabularies with `change(data)` applied."""
    data = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    app.config["VOCABULARY_FILE"] = str(path)


def test_an_unchanged_file_is_not_parsed_again_and_a_changed_one_is(
    runner, sheet_folder, sheet_data, parsed
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    assert sync(runner, folder).exit_code == 0
    assert sorted(parsed) == ["peer-learning-circle.md", "second-sheet.md"]
    parsed.clear()
    sheet_folder(sheet_data(slug="second-sheet", title="A changed title"))
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output
    assert parsed == ["second-sheet.md"]
    assert "0 created, 1 updated, 1 unchanged, 0 withdrawn" in result.output
    db.session.expire_all()
    titles = dict(db.session.execute(select(Practice.slug, Practice.title)).all())
    assert titles["second-sheet"] == "A changed title"
    parsed.clear()
    assert sync(runner, folder).exit_code == 0
    assert parsed == []


def test_check_reads_every_file_even_unchanged_ones(runner, sheet_folder, sheet_data, parsed):
    folder = sheet_folder(sheet_data())
    sync(runner, folder)
    parsed.clear()
    result = runner.invoke(args=["practices", "sync", "--dir", str(folder), "--check"])
    assert result.exit_code == 0
    assert parsed == ["peer-learning-circle.md"]


def test_a_vocabulary_change_checks_unchanged_files_again_and_keeps_database_edits(
    app, runner, sheet_folder, sheet_data, parsed, tmp_path
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    sync(runner, folder)
    practice = db.session.scalar(select(Practice).where(Practice.slug == "second-sheet"))
    practice.summary = "Edited in the database"
    db.session.commit()
    parsed.clear()

    def add_category(data: dict[str, Any]) -> None:
        data["categories"]["peer-support"] = {
            "en": "Peer support",
            "fi": "Vertaistuki",
            "sv": "Kamratstöd",
        }

    vocabulary_copy(app, tmp_path, "more.yml", add_category)
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output
    assert sorted(parsed) == ["peer-learning-circle.md", "second-sheet.md"]
    # Checked again, but the files did not change: nothing is rewritten.
    assert "0 created, 0 updated, 2 unchanged" in result.output
    db.session.expire_all()
    assert (
        db.session.scalar(select(Practice.summary).where(Practice.slug == "second-sheet"))
        == "Edited in the database"
    )
    assert db.session.scalar(select(Practice.version).where(Practice.slug == "second-sheet")) == 1
    # Checked once under the new vocabularies: the next sync skips them again.
    parsed.clear()
    assert sync(runner, folder).exit_code == 0
    assert parsed == []


def test_a_file_made_invalid_by_a_vocabulary_change_blocks_the_sync(
    app, runner, sheet_folder, sheet_data, tmp_path
):
    folder = sheet_folder(
        sheet_data(),
        sheet_data(slug="networked", categories=["capacity-building-staff", "networking"]),
    )
    assert sync(runner, folder).exit_code == 0
    sheet_folder(sheet_data(title="Changed but must not land"))

    def drop_networking(data: dict[str, Any]) -> None:
        del data["categories"]["networking"]

    vocabulary_copy(app, tmp_path, "fewer.yml", drop_networking)
    result = sync(runner, folder)
    assert result.exit_code == 1
    line = (
        sheet_text(
            sheet_data(slug="networked", categories=["capacity-building-staff", "networking"])
        )
        .split("\n")
        .index("- networking")
        + 1
    )
    assert f"{folder}/networked.md:{line}: categories.1: unknown value 'networking'" in (
        result.output
    )
    assert "1 problem(s) in 1 of 2 file(s); nothing was changed." in result.output
    db.session.expire_all()
    assert (
        db.session.scalar(select(Practice.title).where(Practice.slug == "peer-learning-circle"))
        == "Peer learning circle for welcome services"
    )


def test_all_or_nothing_holds_when_unchanged_files_are_skipped(
    runner, sheet_folder, sheet_data, parsed
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"), sheet_data(slug="third"))
    sync(runner, folder)
    parsed.clear()
    sheet_folder(
        sheet_data(title="Changed but must not land"),
        sheet_data(slug="third", importance="vital"),
    )
    result = sync(runner, folder)
    assert result.exit_code == 1
    assert sorted(parsed) == ["peer-learning-circle.md", "third.md"]
    assert f"{folder}/third.md:" in result.output and "unknown value 'vital'" in result.output
    assert "nothing was changed" in result.output
    db.session.expire_all()
    titles = set(db.session.scalars(select(Practice.title)))
    assert "Changed but must not land" not in titles


@pytest.mark.parametrize("synced_before", [False, True])
def test_a_file_that_cannot_be_read_is_listed_and_nothing_changes(
    runner, sheet_folder, sheet_data, synced_before
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    if synced_before:  # then the folder is hashed up front, to compare with the last sync
        assert sync(runner, folder).exit_code == 0
    sheet_folder(sheet_data(title="Changed but must not land"))
    (folder / "ghost.md").symlink_to(folder / "no-such-file.md")  # a link to nothing
    result = sync(runner, folder)
    assert result.exit_code == 1, result.output
    assert f"{folder}/ghost.md:1: file: cannot be read" in result.output
    assert "nothing was changed" in result.output
    db.session.expire_all()
    assert "Changed but must not land" not in set(db.session.scalars(select(Practice.title)))


def test_an_unchanged_file_whose_related_sheet_is_gone_blocks_the_sync(
    runner, sheet_folder, sheet_data
):
    folder = sheet_folder(sheet_data(related=["second-sheet"]), sheet_data(slug="second-sheet"))
    assert sync(runner, folder).exit_code == 0
    (folder / "second-sheet.md").unlink()
    result = sync(runner, folder)
    assert result.exit_code == 1
    assert "related.0: no practice sheet with slug 'second-sheet' in this folder" in result.output
    db.session.expire_all()
    assert (
        db.session.scalar(select(Practice.withdrawn_at).where(Practice.slug == "second-sheet"))
        is None
    )


def test_a_removed_file_is_withdrawn_while_the_others_are_skipped(
    runner, sheet_folder, sheet_data, parsed
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    sync(runner, folder)
    (folder / "second-sheet.md").unlink()
    result = sync(runner, folder)
    assert "0 created, 0 updated, 1 unchanged, 1 withdrawn" in result.output
    # A listed sheet lost its file: every file is read, so a related sheet gone is seen.
    assert parsed.count("peer-learning-circle.md") == 2
    parsed.clear()
    assert sync(runner, folder).exit_code == 0
    assert parsed == []
    # A withdrawn sheet's file is read before the sheet is listed again.
    (folder / "second-sheet.md").write_text(
        sheet_text(sheet_data(slug="second-sheet")), encoding="utf-8"
    )
    result = sync(runner, folder)
    assert "1 restored" in result.output
    assert parsed == ["second-sheet.md"]


def shipped_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED_PRACTICES, folder)
    return folder


def test_a_changed_translation_is_compared_with_its_unchanged_english_sheet(
    runner, tmp_path, parsed
):
    folder = shipped_copy(tmp_path)
    assert sync(runner, folder).exit_code == 0
    parsed.clear()
    path = sorted(folder.glob("*.fi.md"))[0]
    text = path.read_text(encoding="utf-8")
    assert "scale_of_change: 1\n" in text or "scale_of_change: 2\n" in text
    level = "3" if "scale_of_change: 3\n" not in text else "1"
    changed = text.replace("scale_of_change: 1\n", f"scale_of_change: {level}\n").replace(
        "scale_of_change: 2\n", f"scale_of_change: {level}\n"
    )
    path.write_text(changed, encoding="utf-8")
    result = sync(runner, folder)
    assert result.exit_code == 1
    slug = path.name.split(".")[0]
    assert f"{slug}.md" in parsed
    assert f"{path}:" in result.output and "scale_of_change: is " in result.output


# --- the bulk writes give what the unit of work gave ------------------------------------------


def catalogue_state() -> dict[str, Any]:
    """Return every row the sync writes, without ids and times, keyed by slug."""
    slugs = dict(db.session.execute(select(Practice.id, Practice.slug)).all())
    skip = {"id", "practice_id", "created_at", "updated_at"}

    def rows(model) -> list[dict[str, Any]]:
        found = []
        for row in db.session.scalars(select(model)):
            values = {c.key: getattr(row, c.key) for c in model.__mapper__.column_attrs}
            values = {k: v for k, v in values.items() if k not in skip}
            if hasattr(row, "practice_id"):
                values["slug"] = slugs[row.practice_id]
            found.append(values)
        return sorted(found, key=repr)

    def json_texts(model) -> list[tuple[str, ...]]:
        # The JSON columns' text as stored, which a search by text reads (exemplified_by).
        columns = [cast(c, Text) for c in model.__table__.columns if isinstance(c.type, JSON)]
        return sorted(map(tuple, db.session.execute(select(*columns))))

    models = (Practice, PracticeTerm, PracticeIndicator, PracticeRevision, PracticeTranslation)
    return {model.__tablename__: rows(model) for model in models} | {
        f"{model.__tablename__} as JSON text": json_texts(model)
        for model in (Practice, PracticeRevision, PracticeTranslation)
    }


def unit_of_work_sync(folder: Path, app) -> None:
    """Store the sheets of a folder one ORM object at a time, as sync did before bulk writes."""
    files = practice_files.read_folder(
        folder, vocabularies(), app.config["PRACTICE_FILE_MAX_BYTES"]
    )
    practices = {}
    for item in files:
        if not item.is_translation:
            practice = services.apply_sheet(Practice(), item.sheet, item.body_html)
            practice.source_digest = item.digest
            db.session.add(practice)
            practices[item.sheet.slug] = practice
    db.session.flush()
    for item in files:
        if item.is_translation:
            practice = practices[item.sheet.slug]
            row = PracticeTranslation(practice=practice, language=item.language)
            services.apply_translation(row, item.sheet, item.body_html)
            row.source_digest = item.digest
            row.source_version = practice.version
            db.session.add(row)
        else:
            db.session.add(
                services._revision(
                    practices[item.sheet.slug], item.sheet, None, 1, source="sync", author=None
                )
            )
    db.session.commit()


@pytest.mark.parametrize("processes", [1, 2])
def test_a_bulk_sync_writes_what_the_unit_of_work_wrote(
    app, runner, tmp_path, monkeypatch, processes
):
    from tests.conftest import _empty_tables

    # With 2, the files are read by forked processes, as a sync of many files does.
    monkeypatch.setattr(practice_files, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: processes)
    folder = shipped_copy(tmp_path)
    assert sync(runner, folder).exit_code == 0
    db.session.expire_all()
    bulk = catalogue_state()
    _empty_tables()
    unit_of_work_sync(folder, app)
    db.session.expire_all()
    reference = catalogue_state()
    assert len(bulk["practices"]) == len(list(SHIPPED_PRACTICES.glob("*.md"))) // 3
    assert bulk["practice_translations"] and bulk["practice_revisions"]
    for table in reference:
        assert bulk[table] == reference[table], table


@pytest.mark.parametrize("processes", [1, 2])
def test_a_bulk_update_writes_what_the_unit_of_work_wrote(
    app, runner, tmp_path, monkeypatch, processes
):
    from tests.conftest import _empty_tables

    # With 2, the readers send rows, not sheets: the changed fields come from those rows.
    monkeypatch.setattr(practice_files, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: processes)

    first, second = shipped_copy(tmp_path), tmp_path / "second"
    shutil.copytree(first, second)
    path = sorted(second.glob("*.md"))[0]
    slug = path.name.split(".")[0]
    for name in (f"{slug}.md", f"{slug}.fi.md", f"{slug}.sv.md"):
        target = second / name
        target.write_text(
            target.read_text(encoding="utf-8").replace("\n---\n", "\n---\nAn added line.\n\n", 1),
            encoding="utf-8",
        )
    assert sync(runner, first).exit_code == 0
    result = sync(runner, second)
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "translations: 2 synced" in result.output
    db.session.expire_all()
    bulk = catalogue_state()
    _empty_tables()
    # The reference: the second folder stored whole, then the first sync's revision put back.
    unit_of_work_sync(second, app)
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    practice.version = 2
    for row in db.session.scalars(
        select(PracticeTranslation).where(PracticeTranslation.practice_id == practice.id)
    ):
        row.source_version = 2
    revision = db.session.scalar(
        select(PracticeRevision).where(PracticeRevision.practice_id == practice.id)
    )
    revision.number = 2
    revision.changed_fields = ["body"]
    first_sheet = practice_files.read_folder(
        first, vocabularies(), app.config["PRACTICE_FILE_MAX_BYTES"]
    )
    first_sheet = next(f for f in first_sheet if f.path.name == f"{slug}.md").sheet
    db.session.add(services._revision(practice, first_sheet, None, 1, source="sync", author=None))
    db.session.commit()
    db.session.expire_all()
    reference = catalogue_state()
    for table in reference:
        assert bulk[table] == reference[table], table


def _full_text_state() -> dict[str, Any]:
    """Return SQLite's full-text indexes as searches see them, and the triggers."""
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    state: dict[str, Any] = {"triggers": db.session.execute(text(triggers)).all()}
    for index, table, words in (
        ("practices_fts", "practices", ("staff", "mobility", "network*")),
        ("practices_fts_translations", "practice_translations", ("yliopisto*", "personal*")),
    ):
        query = text(
            f"SELECT t.title FROM {index} JOIN {table} t ON t.id = {index}.rowid "
            f"WHERE {index} MATCH :word ORDER BY t.title"
        )
        state[index] = {
            word: db.session.execute(query, {"word": word}).scalars().all() for word in words
        }
    return state


def test_many_new_rows_are_indexed_at_once_as_their_triggers_would(
    app, runner, tmp_path, monkeypatch
):
    from tests.conftest import _empty_tables

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's full-text triggers")
    folder = shipped_copy(tmp_path)
    assert sync(runner, folder).exit_code == 0
    by_triggers = _full_text_state()
    assert all(by_triggers["practices_fts"].values())
    assert all(by_triggers["practices_fts_translations"].values())
    _empty_tables()
    monkeypatch.setattr(services, "BULK_INDEX_FROM", 1)
    assert sync(runner, folder).exit_code == 0
    assert _full_text_state() == by_triggers
    # The triggers are back: a sheet added later is indexed by them.
    monkeypatch.setattr(services, "BULK_INDEX_FROM", 10**6)
    path = sorted(folder.glob("*.md"))[1]
    text_of = path.read_text(encoding="utf-8")
    slug = path.name.split(".")[0]
    added = folder / "zz-added-sheet.md"
    added.write_text(
        text_of.replace(f"slug: {slug}\n", "slug: zz-added-sheet\n").replace(
            "title: ", "title: Zymurgy ", 1
        ),
        encoding="utf-8",
    )
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output
    found = db.session.execute(
        text("SELECT rowid FROM practices_fts WHERE practices_fts MATCH 'zymurgy'")
    ).all()
    assert len(found) == 1
