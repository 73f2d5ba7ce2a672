"""Sheet translations: synced beside their English sheet, refused when they change more than
text, shown in the reader's language with an English fallback, and found by their words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, g
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.core.extensions import db
from app.practices import services
from app.practices.models import Practice, PracticeTranslation
from app.practices.schemas import PracticeSheet
from app.practices.search import parse_query, search_practices
from tests.conftest import sheet_text

FINNISH = {
    "title": "Vertaisoppimisen piiri palvelujen kehittäjille",
    "summary": "Eri korkeakoulujen neuvojat ratkaisevat todellisia tapauksia yhdessä.",
    "setup": {
        "actors": ["Kansainväliset palvelut"],
        "partners": ["Naapurikorkeakoulut"],
        "indicators": [{"name": "Sitoutuneet kumppanit", "unit": "count", "direction": "higher"}],
    },
    "delivery": {
        "actors": ["Isäntäyksikkö"],
        "indicators": [
            {"name": "Osallistujia tapaamista kohden", "unit": "count", "direction": "higher"}
        ],
    },
    "internal_actors": [{"unit": "Henkilöstöpalvelut", "role": "Laskee ajan koulutukseksi."}],
    "external_collaborators": [{"organisation": "EURAXESS-keskus", "role": "Tuo uutiset."}],
    "activity_types": [{"name": "Tapausklinikka", "description": "Jokainen tuo tapauksen."}],
    "considerations": ["Sopikaa rytmi, jota jaksatte pitää."],
    "challenges": ["Kiireiset jaksot tyhjentävät huoneen."],
    "good_examples": [
        {"name": "Neuvojien työpajat", "institution": "EURAXESS Saksa", "description": "Kahdesti."}
    ],
    "sources": [{"title": "Tiimin muistiinpanot"}],
}
FINNISH_BODY = "## Tietoa\n\nYhteistyö korkeakoulu kerrallaan."

SWEDISH = {
    "title": "Kollegialt lärande för handledare",
    "summary": "Handledare från flera lärosäten löser verkliga fall tillsammans.",
}


def translated(sheet_data, language_data: dict, **overrides) -> dict:
    """Return the test sheet with its prose replaced by a translation's (phases merged)."""
    data = sheet_data(**overrides)
    for key, value in language_data.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def write(folder: Path, name: str, data: dict, body: str = FINNISH_BODY) -> Path:
    path = folder / name
    path.write_text(sheet_text(data, body), encoding="utf-8")
    return path


def sync(runner, folder: Path):
    return runner.invoke(args=["practices", "sync", "--dir", str(folder)])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def folder(sheet_folder, sheet_data) -> Path:
    """A folder with the English test sheet and its Finnish translation."""
    folder = sheet_folder(sheet_data())
    write(folder, "peer-learning-circle.fi.md", translated(sheet_data, FINNISH))
    return folder


# --- sync ----------------------------------------------------------------------------------------


def test_sync_stores_a_good_translation_against_the_english_version(runner, folder):
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output
    assert "translations: 1 synced" in result.output
    practice = db.session.scalar(select(Practice))
    row = db.session.scalar(select(PracticeTranslation))
    assert (row.practice_id, row.language) == (practice.id, "fi")
    assert row.title == FINNISH["title"]
    assert row.source_version == practice.version
    assert "Yhteistyö korkeakoulu kerrallaan." in row.body_html
    assert "Sitoutuneet kumppanit" in row.search_text
    # The stored sheet is the translation, its non-text fields the English sheet's.
    sheet = PracticeSheet.model_validate(row.sheet, context={"trusted": True})
    assert sheet.setup.indicators[0].name == "Sitoutuneet kumppanit"
    assert sheet.setup.cost == practice.setup_cost


def test_an_unchanged_translation_is_skipped_and_a_removed_one_deleted(runner, folder):
    sync(runner, folder)
    again = sync(runner, folder)
    assert "translations: 0 synced, 1 unchanged" in again.output
    (folder / "peer-learning-circle.fi.md").unlink()
    gone = sync(runner, folder)
    assert gone.exit_code == 0, gone.output
    assert "1 removed" in gone.output
    assert count(PracticeTranslation) == 0


def _problem_line(output: str, name: str, where: str) -> tuple[int, str]:
    """Return the line and message of the problem reported for a file's field."""
    found = re.search(rf"{re.escape(name)}:(\d+): {re.escape(where)}: (.*)", output)
    assert found, output
    return int(found.group(1)), found.group(2)


@pytest.mark.parametrize(
    ("overrides", "where", "line_holds", "reason"),
    [
        ({"setup": {"cost": 3}}, "setup.cost", "cost: 3", "is 3 here but 1 in the English sheet"),
        ({"goals": ["visibility"]}, "goals", "goals:", "in the English sheet"),
        (
            {
                "setup": {
                    "indicators": [{"name": "Kumppanit", "unit": "percent", "direction": "higher"}]
                }
            },
            "setup.indicators.0.unit",
            "unit: percent",
            "'percent' here but 'count' in the English sheet",
        ),
        ({"related": ["second-sheet"]}, "related", "related:", "in the English sheet"),
        ({"importance": "essential"}, "importance", "importance:", "in the English sheet"),
        (
            {"considerations": ["Yksi.", "Kaksi."]},
            "considerations",
            "considerations:",
            "has 2 item(s) here but 1 in the English sheet",
        ),
        (
            {"sources": [{"title": "Muistiinpanot", "url": "https://example.org/"}]},
            "sources.0.url",
            "url:",
            "in the English sheet",
        ),
    ],
)
def test_a_translation_differing_in_a_non_text_field_is_refused_at_its_place(
    runner, sheet_folder, sheet_data, overrides, where, line_holds, reason
):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet", title="Second sheet"))
    data = translated(sheet_data, FINNISH)
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    path = write(folder, "peer-learning-circle.fi.md", data)
    result = sync(runner, folder)
    assert result.exit_code == 1
    line, message = _problem_line(result.output, "peer-learning-circle.fi.md", where)
    assert reason in message
    assert "a translation" in message
    assert line_holds in path.read_text(encoding="utf-8").splitlines()[line - 1]
    # All or nothing: the good English sheets are not loaded either.
    assert count(Practice) == 0
    assert count(PracticeTranslation) == 0


def test_a_translation_without_its_english_sheet_is_refused(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data())
    write(folder, "other-sheet.fi.md", translated(sheet_data, FINNISH, slug="other-sheet"))
    result = sync(runner, folder)
    assert result.exit_code == 1
    line, message = _problem_line(result.output, "other-sheet.fi.md", "slug")
    assert message == "no English sheet other-sheet.md beside this translation"
    assert line == 3  # the '---' line, the title, then the slug
    assert count(Practice) == 0


def test_a_translation_of_an_unknown_language_is_refused(runner, folder, sheet_data):
    write(folder, "peer-learning-circle.de.md", translated(sheet_data, FINNISH))
    result = sync(runner, folder)
    assert result.exit_code == 1
    line, message = _problem_line(result.output, "peer-learning-circle.de.md", "language")
    assert line == 1
    assert "unknown language 'de'" in message
    assert "fi, sv" in message
    assert count(Practice) == 0


def test_a_translation_must_keep_the_slug_of_its_file(runner, folder, sheet_data):
    write(folder, "peer-learning-circle.sv.md", translated(sheet_data, SWEDISH, slug="kollegialt"))
    result = sync(runner, folder)
    assert result.exit_code == 1
    _, message = _problem_line(result.output, "peer-learning-circle.sv.md", "slug")
    assert message == "must match the file name ('peer-learning-circle')"


def test_a_translation_is_validated_by_the_sheet_schema(runner, folder, sheet_data):
    data = translated(sheet_data, SWEDISH)
    data["summary"] = ""
    write(folder, "peer-learning-circle.sv.md", data)
    result = sync(runner, folder)
    assert result.exit_code == 1
    assert "peer-learning-circle.sv.md:" in result.output
    assert ": summary: " in result.output
    assert count(Practice) == 0


# --- pages ---------------------------------------------------------------------------------------


def page(client, url: str, language: str = "en") -> str:
    """Return a page as a reader of a language gets it."""
    # The test's app context outlives each request, and Flask-Babel keeps the request's
    # locale in g: forget the previous request's.
    g.pop("_flask_babel", None)
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def notice(app: Flask, language: str, which: dict) -> str:
    """Return a notice as the app's catalogues write it in a language."""
    with app.test_request_context(headers={"Accept-Language": language}):
        return str(which[language])


def test_a_translated_sheet_is_shown_in_the_readers_language(app, client, runner, folder):
    sync(runner, folder)
    html = page(client, "/practices/peer-learning-circle", "fi")
    assert f'<h1 lang="fi">{FINNISH["title"]}</h1>' in html
    assert "Sitoutuneet kumppanit" in html  # an indicator's name
    assert "Yhteistyö korkeakoulu kerrallaan." in html  # the body
    assert "Partner offices committed" not in html
    assert notice(app, "fi", services.NOT_TRANSLATED) not in html
    english = page(client, "/practices/peer-learning-circle")
    assert '<h1 lang="en">Peer learning circle for welcome services</h1>' in english


def test_an_untranslated_sheet_falls_back_to_english_with_a_notice(app, client, runner, folder):
    sync(runner, folder)
    html = page(client, "/practices/peer-learning-circle", "sv")
    assert notice(app, "sv", services.NOT_TRANSLATED) in html
    assert '<h1 lang="en">Peer learning circle for welcome services</h1>' in html
    assert 'lang="en"' in html.split("<h1", 1)[1].split("Human resources")[0]


def test_the_list_shows_translated_titles_and_says_which_are_english(
    app, client, runner, folder, sheet_data
):
    write(folder, "second-sheet.md", sheet_data(slug="second-sheet", title="Second sheet"), "")
    sync(runner, folder)
    html = page(client, "/practices", "fi")
    assert FINNISH["title"] in html
    assert "Peer learning circle for welcome services" not in html
    assert "Second sheet" in html
    assert notice(app, "fi", services.SOME_NOT_TRANSLATED) in html
    english = page(client, "/practices")
    assert "Peer learning circle for welcome services" in english
    assert notice(app, "fi", services.SOME_NOT_TRANSLATED) not in english


def test_compare_shows_each_sheet_in_the_readers_language(app, client, runner, folder, sheet_data):
    write(folder, "second-sheet.md", sheet_data(slug="second-sheet", title="Second sheet"), "")
    sync(runner, folder)
    html = page(client, "/practices/compare?slugs=peer-learning-circle,second-sheet", "fi")
    assert FINNISH["title"] in html
    assert "Tapausklinikka" in html
    assert "Second sheet" in html
    assert notice(app, "fi", services.SOME_NOT_TRANSLATED) in html


def _edit(sheet_change: dict) -> None:
    practice = db.session.scalar(select(Practice))
    sheet = services.sheet_from_practice(practice)
    services.save_sheet(practice, sheet.model_copy(update=sheet_change), author=None)
    db.session.commit()


def test_an_edit_of_the_english_text_keeps_the_translation_marked_as_older(
    app, client, runner, folder
):
    sync(runner, folder)
    _edit({"summary": "A new English summary."})
    html = page(client, "/practices/peer-learning-circle", "fi")
    assert FINNISH["title"] in html
    assert notice(app, "fi", {"fi": services.TRANSLATED_FROM_EARLIER}) in html


def test_an_edit_of_a_level_shows_english_until_the_translation_follows(
    app, client, runner, folder, sheet_data
):
    sync(runner, folder)
    practice = db.session.scalar(select(Practice))
    sheet = services.sheet_from_practice(practice)
    _edit({"setup": sheet.setup.model_copy(update={"cost": 3})})
    html = page(client, "/practices/peer-learning-circle", "fi")
    assert '<h1 lang="en">Peer learning circle for welcome services</h1>' in html
    assert notice(app, "fi", services.TRANSLATION_BEHIND) in html
    # The translator updates the file to the new level; the next sync shows it again.
    write(
        folder,
        "peer-learning-circle.md",
        sheet_data(setup={"cost": 3}),
        "## About\n\nA short body.",
    )
    write(folder, "peer-learning-circle.fi.md", translated(sheet_data, FINNISH, setup={"cost": 3}))
    assert sync(runner, folder).exit_code == 0
    html = page(client, "/practices/peer-learning-circle", "fi")
    assert f'<h1 lang="fi">{FINNISH["title"]}</h1>' in html


# --- search --------------------------------------------------------------------------------------


def find(vocab, q: str, language: str = "en"):
    query = parse_query(MultiDict({"q": q}), vocab, 20, 100)
    return search_practices(query, vocab, language)


def slugs(result) -> list[str]:
    return [item.slug for item in result.items]


@pytest.fixture
def translated_catalogue(runner, folder, sheet_data) -> None:
    """The Finnish test sheet, its Swedish translation, and an untranslated English sheet."""
    write(folder, "peer-learning-circle.sv.md", translated(sheet_data, SWEDISH), "Samarbete.")
    write(folder, "second-sheet.md", sheet_data(slug="second-sheet", title="Second sheet"), "")
    result = sync(runner, folder)
    assert result.exit_code == 0, result.output


def test_search_finds_a_sheet_by_a_word_of_its_translations(app, vocab, translated_catalogue):
    # Words as they stand in the translations, found whatever the reader's language.
    assert slugs(find(vocab, "Tapausklinikka")) == ["peer-learning-circle"]
    assert slugs(find(vocab, "handledare", "fi")) == ["peer-learning-circle"]
    assert slugs(find(vocab, "welcome")) == ["peer-learning-circle"]
    assert slugs(find(vocab, "Tapausklinikka nowhere")) == []


def test_search_highlights_in_the_language_a_sheet_is_shown_in(app, vocab, translated_catalogue):
    result = find(vocab, "Tapausklinikka", "fi")
    title, snippet = result.highlights[result.items[0].id]
    assert "".join(text for text, _ in title) == FINNISH["title"]
    assert ("Tapausklinikka", True) in snippet
    assert result.shown[0].title == FINNISH["title"]
    english = find(vocab, "Tapausklinikka", "en")
    assert english.shown[0].title == "Peer learning circle for welcome services"
    assert english.items[0].id not in english.highlights or not any(
        marked for _, marked in english.highlights[english.items[0].id][1]
    )


def test_search_stems_finnish_and_swedish_on_postgresql(app, vocab, translated_catalogue):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("stemming of Finnish and Swedish is PostgreSQL's (see the SQLite test)")
    # The Finnish snowball stemmer conflates these forms; the English sheet has none of them.
    # Forms the sheet does not hold: found by the stem they share with the sheet's words.
    assert slugs(find(vocab, "yhteistyötä")) == ["peer-learning-circle"]  # body: Yhteistyö
    assert slugs(find(vocab, "korkeakouluja", "fi")) == ["peer-learning-circle"]  # korkeakoulu
    assert slugs(find(vocab, "tapausklinikalla")) == ["peer-learning-circle"]  # Tapausklinikka
    # Swedish: "handledarna" finds "handledare", "lärosäte" finds "lärosäten".
    assert slugs(find(vocab, "handledarna", "sv")) == ["peer-learning-circle"]
    assert slugs(find(vocab, "lärosäte")) == ["peer-learning-circle"]


def test_search_on_sqlite_matches_translations_by_word_prefix(app, vocab, translated_catalogue):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own behaviour")
    # No Finnish or Swedish stemmer in FTS5: a typed word finds the words it begins...
    assert slugs(find(vocab, "korkeakoulu")) == ["peer-learning-circle"]  # and korkeakoulujen
    assert slugs(find(vocab, "lärosäte")) == ["peer-learning-circle"]  # lärosäten
    assert slugs(find(vocab, "Tapausklinik")) == ["peer-learning-circle"]
    # ...case and diacritics aside...
    assert slugs(find(vocab, "YHTEISTYO")) == ["peer-learning-circle"]
    # ...but a form the sheet does not hold finds nothing, unlike on PostgreSQL.
    assert slugs(find(vocab, "yhteistyötä")) == []  # the body says "Yhteistyö"
    assert slugs(find(vocab, "tapausklinikalla")) == []
    assert slugs(find(vocab, "handledarna")) == []  # the sheet says "handledare"
