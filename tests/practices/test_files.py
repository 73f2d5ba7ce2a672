"""The practice file format: every kind of bad file is refused with its line, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.practices.files import check_across_files, read_folder, read_sheet_text, render_sheet
from app.practices.schemas import PracticeSheet
from tests.conftest import SHIPPED_PRACTICES, sheet_text

MAX = 256 * 1024


def read(text: str | bytes, vocab, name: str = "peer-learning-circle.md"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_sheet_text(name, raw, vocab, MAX)


def only_problem(result) -> str:
    assert result.sheet is None
    assert len(result.problems) == 1, result.problems
    return str(result.problems[0])


def test_valid_file_reads_every_field(vocab, sheet_data):
    result = read(sheet_text(sheet_data(), body="## About\n\nHello."), vocab)
    assert result.problems == []
    sheet = result.sheet
    assert sheet.slug == "peer-learning-circle"
    assert sheet.setup.cost == 1 and sheet.delivery.time == 1
    assert sheet.setup.indicators[0].unit == "count"
    assert sheet.good_examples[0].institution == "EURAXESS Germany"
    assert sheet.body == "## About\n\nHello."
    assert len(result.digest) == 64


def test_unknown_vocabulary_value_names_line_and_allowed_values(vocab, sheet_data):
    text = sheet_text(sheet_data(categories=["capacity-building-staff", "astrology"]))
    message = only_problem(read(text, vocab))
    line = text.split("\n").index("- astrology") + 1
    assert message.startswith(
        f"peer-learning-circle.md:{line}: categories.1: unknown value 'astrology'"
    )
    assert "allowed: capacity-building-staff, networking" in message


def test_unknown_level_in_a_phase_is_located(vocab, sheet_data):
    text = sheet_text(sheet_data(setup={"cost": 5}))
    message = only_problem(read(text, vocab))
    line = text.split("\n").index("  cost: 5") + 1
    assert message.startswith(f"peer-learning-circle.md:{line}: setup.cost:")
    assert "Choose a level from 1 to 3, not 5." in message


def test_missing_required_field_is_reported(vocab, sheet_data):
    data = sheet_data()
    del data["summary"]
    assert only_problem(read(sheet_text(data), vocab)).endswith("summary: missing required field")


def test_every_problem_of_a_file_is_listed(vocab, sheet_data):
    data = sheet_data(importance="vital", delivery_schedule="sometimes")
    del data["title"]
    result = read(sheet_text(data), vocab)
    fields = sorted(problem.field for problem in result.problems)
    assert fields == ["delivery_schedule", "importance", "title"]


def test_unknown_field_is_refused(vocab, sheet_data):
    message = only_problem(read(sheet_text(sheet_data(colour="blue")), vocab))
    assert "colour: unknown field" in message


def test_malformed_yaml_gives_the_line(vocab):
    text = "---\ntitle: A title\nslug: [unclosed\nsummary: x\n---\nbody\n"
    message = only_problem(read(text, vocab))
    assert message.startswith("peer-learning-circle.md:")
    assert "front matter: malformed YAML" in message
    assert int(message.split(":")[1]) >= 3


def repeat_line(text: str, line: str, after: str) -> tuple[str, int]:
    """Repeat `line` of a file's text right after the line `after`; return the text and the
    1-based line of the repeat."""
    lines = text.split("\n")
    at = lines.index(after) + 1
    lines.insert(at, line)
    return "\n".join(lines), at + 1


def test_a_repeated_key_is_refused_with_both_lines(vocab, sheet_data):
    text = sheet_text(sheet_data())
    first = text.split("\n").index("importance: important") + 1
    text, line = repeat_line(text, "importance: important", after="scale_of_change: 1")
    message = only_problem(read(text, vocab))
    assert message == (
        f"peer-learning-circle.md:{line}: importance: repeated key 'importance' "
        f"(first on line {first}); give each key once"
    )


def test_a_repeated_key_inside_a_phase_is_located(vocab, sheet_data):
    text = sheet_text(sheet_data())
    setup = text.split("\n").index("setup:")
    first = text.split("\n").index("  cost: 1", setup) + 1
    text, line = repeat_line(text, "  cost: 1", after="  time: 2")
    message = only_problem(read(text, vocab))
    assert message.startswith(f"peer-learning-circle.md:{line}: setup.cost: repeated key 'cost'")
    assert f"(first on line {first})" in message


def test_a_repeated_key_is_listed_with_every_other_problem(vocab, sheet_data):
    text = sheet_text(sheet_data(delivery_schedule="sometimes"))
    text, line = repeat_line(text, "title: Another title", after="slug: peer-learning-circle")
    result = read(text, vocab)
    assert result.sheet is None
    assert [(p.line, p.field) for p in result.problems if p.field == "title"] == [(line, "title")]
    assert sorted(p.field for p in result.problems) == ["delivery_schedule", "title"]


def test_not_utf8_is_refused_with_the_line_of_the_bad_byte(vocab, sheet_data):
    raw = sheet_text(sheet_data()).encode("utf-8") + b"caf\xe9\n"
    message = only_problem(read(raw, vocab))
    line = raw.count(b"\n")
    assert message.startswith(f"peer-learning-circle.md:{line}: file: not UTF-8 (byte 0xe9")


def test_oversized_file_is_refused_before_parsing(vocab, sheet_data):
    raw = sheet_text(sheet_data(), body="x" * (MAX + 1))
    assert "file: file is" in only_problem(read(raw, vocab))
    assert f"the limit is {MAX}" in only_problem(read(raw, vocab))


def test_missing_front_matter_is_refused(vocab):
    assert "front matter: the file must start with a '---' line" in only_problem(
        read("# Just Markdown\n", vocab)
    )


def test_unclosed_front_matter_is_refused(vocab):
    assert "no closing '---' line" in only_problem(read("---\ntitle: x\n", vocab))


def test_slug_must_match_file_name(vocab, sheet_data):
    message = only_problem(read(sheet_text(sheet_data()), vocab, name="other-name.md"))
    assert "slug: must match the file name ('other-name')" in message


def test_unsafe_source_url_is_refused(vocab, sheet_data):
    data = sheet_data(sources=[{"title": "x", "url": "javascript:alert(1)"}])
    assert "sources.0.url" in only_problem(read(sheet_text(data), vocab))


def test_duplicate_slug_is_named_with_the_other_file(vocab, sheet_data):
    first = read(sheet_text(sheet_data()), vocab, name="x/peer-learning-circle.md")
    second = read(sheet_text(sheet_data()), vocab, name="y/peer-learning-circle.md")
    (problem,) = check_across_files([first, second])
    assert problem.file == "y/peer-learning-circle.md"
    assert "duplicate slug 'peer-learning-circle', also in x/peer-learning-circle.md" in str(
        problem
    )


def test_related_slug_must_exist_in_the_folder(vocab, sheet_data):
    result = read(sheet_text(sheet_data(related=["no-such-sheet"])), vocab)
    (problem,) = check_across_files([result])
    assert problem.field == "related.0"
    assert "no practice sheet with slug 'no-such-sheet'" in problem.message


def test_every_shipped_sheet_is_in_canonical_form(vocab):
    for path in sorted(SHIPPED_PRACTICES.glob("*.md")):
        result = read_sheet_text(str(path), path.read_bytes(), vocab, MAX)
        assert result.problems == [], result.problems
        assert render_sheet(result.sheet) == path.read_text(encoding="utf-8"), path.name


line_text = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co")),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=line_text.filter(lambda s: len(s) >= 3),
    summary=line_text,
    actors=st.lists(line_text, min_size=1, max_size=4),
    considerations=st.lists(line_text, max_size=4),
    body=st.text(max_size=300),
)
def test_render_then_read_gives_the_same_sheet(
    vocab, sheet_data, title, summary, actors, considerations, body
):
    data = sheet_data(
        title=title, summary=summary, considerations=considerations, setup={"actors": actors}
    )
    data["body"] = body
    sheet = PracticeSheet.model_validate(data, context={"vocab": vocab})
    text = render_sheet(sheet)
    again = read(text, vocab)
    assert again.problems == []
    assert again.sheet == sheet.model_copy(update={"body": again.sheet.body})
    assert render_sheet(again.sheet) == text


@pytest.mark.parametrize("name", ["goals", "categories", "mobility_stages", "target_groups"])
def test_vocabulary_lists_refuse_repeated_values(vocab, sheet_data, name):
    value = sheet_data()[name][0]
    message = only_problem(read(sheet_text(sheet_data(**{name: [value, value]})), vocab))
    assert f"{name}: listed twice: {value}" in message


def test_folder_reading_skips_non_markdown(tmp_path: Path, vocab, sheet_data):
    (tmp_path / "notes.txt").write_text("not a sheet")
    (tmp_path / "peer-learning-circle.md").write_text(sheet_text(sheet_data()), encoding="utf-8")
    assert [f.path.name for f in read_folder(tmp_path, vocab, MAX)] == ["peer-learning-circle.md"]


def test_a_broken_file_is_not_echoed_as_an_unknown_related_sheet(vocab, sheet_data):
    broken = read("---\ntitle: [unclosed\n---\n", vocab, name="other-sheet.md")
    pointing = read(sheet_text(sheet_data(related=["other-sheet"])), vocab)
    assert broken.problems and pointing.problems == []
    assert check_across_files([broken, pointing]) == []


def test_shipped_ratings_that_the_sources_do_not_give_are_marked_as_estimates(vocab):
    # The source documents show the levels only as pictures without values, and give an
    # importance for the inter-institutional events practice alone.
    levels = {"scale_of_change", "setup.cost", "setup.time", "setup.effort"}
    levels |= {"delivery.cost", "delivery.time", "delivery.effort"}
    for path in sorted(SHIPPED_PRACTICES.glob("*.md")):
        sheet = read_sheet_text(str(path), path.read_bytes(), vocab, MAX).sheet
        expected = levels | (
            set() if sheet.slug == "inter-institutional-trainings-and-workshops" else {"importance"}
        )
        assert set(sheet.estimated) == expected, path.name


def test_helsinki_staff_training_days_example_gives_its_2026_dates_and_window(vocab):
    # From the seed: held 6-8 May 2026; the application form open 14 January to 13 February 2026.
    path = SHIPPED_PRACTICES / "international-staff-training-days.md"
    sheet = read_sheet_text(str(path), path.read_bytes(), vocab, MAX).sheet
    helsinki = next(e for e in sheet.good_examples if e.institution == "University of Helsinki")
    assert "6-8 May 2026" in helsinki.description
    assert "from 14 January to 13 February 2026" in helsinki.description
    assert "about a month" not in helsinki.description  # the real window, not a rough one


def test_search_marker_characters_are_removed_from_a_file(vocab, sheet_data):
    # A file with a marker takes the long way through the data; one without skips it.
    result = read(sheet_text(sheet_data(title="Peer \ue000learning\ue001 circle")), vocab)
    assert result.problems == []
    assert result.sheet.title == "Peer learning circle"


def test_reading_in_several_processes_gives_what_one_process_gives(
    app, vocab, tmp_path, monkeypatch
):
    from app.practices import files

    folder = tmp_path / "sheets"
    folder.mkdir()
    for path in SHIPPED_PRACTICES.glob("*.md"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    # A translation that changes a level: its reader, which has the English sheet at hand,
    # finds that difference.
    changed = folder / "benchmarking-in-university-networks.fi.md"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("scale_of_change: 2", "scale_of_change: 3"),
        encoding="utf-8",
    )
    monkeypatch.setattr(files, "PARALLEL_FROM", 1)
    alone = read_folder(folder, vocab, MAX, render=True)
    shared = read_folder(folder, vocab, MAX, render=True, workers=2)
    assert [f.path for f in shared] == [f.path for f in alone]
    assert [f.problems for f in shared] == [f.problems for f in alone]
    assert any(f.problems for f in shared)
    assert [(f.slug, f.related, f.digest, f.body_html) for f in shared] == [
        (f.slug, f.related, f.digest, f.body_html) for f in alone
    ]
    assert sum(f.valid for f in shared) == len(shared) - 1
    # What comes back from a reader is the outline, not the sheet, the bytes nor a valid
    # file's node tree.
    assert all(f.sheet is None and f.raw == b"" for f in shared)
    assert all(f.node is None for f in shared if f.valid)
    assert all(f.differences is not None for f in shared if f.is_translation and f.valid)
    across = check_across_files(shared)
    assert across == check_across_files(alone)
    assert [(p.file, p.field) for p in across] == [(str(changed), "scale_of_change")]


def test_a_sheet_and_its_translations_are_read_in_one_chunk():
    from app.practices.files import _chunks_by_sheet

    names = ["/s/a-1.md", "/s/a.fi.md", "/s/a.md", "/s/a.sv.md", "/s/b.md", "/s/c.md"]
    assert _chunks_by_sheet(names, 1) == [names[:1], names[1:4], names[4:5], names[5:]]
    assert _chunks_by_sheet(names, 2) == [names[:4], names[4:]]


def test_a_problem_across_files_is_placed_from_the_file_read_again(vocab, tmp_path, sheet_data):
    text = sheet_text(sheet_data(related=["no-such-sheet"]))
    (tmp_path / "peer-learning-circle.md").write_text(text, encoding="utf-8")
    (item,) = read_folder(tmp_path, vocab, MAX)
    assert item.node is None and item.raw == b""
    (problem,) = check_across_files([item])
    assert problem.line == text.split("\n").index("- no-such-sheet") + 1
