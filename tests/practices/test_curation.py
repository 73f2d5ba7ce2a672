"""Curators edit the catalogue in the browser: every field, preview, history, restore, conflicts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.practices import services
from app.practices.forms import PracticeForm
from app.practices.models import Practice, PracticeRevision
from tests.conftest import login, sheet_text
from tests.html_safety import unsafe_parts

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<svg/onload=alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<body onload=alert(1)>",
    "[x](JAVASCRIPT:alert(1))",
    "<math><a xlink:href=javascript:alert(1)>x</a></math>",
    '"><script>alert(1)</script>',
]


def form_data(sheet, version=None, **changes):
    """Flatten a sheet into the POST body the edit page's form sends."""
    data = PracticeForm.data_from_sheet(sheet, version)
    data.update(changes)
    body = {}
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for sub, sub_value in row.items():
                    body[f"{key}-{index}-{sub}"] = sub_value
        elif isinstance(value, list) or value is not None:
            body[key] = value
    return body


@pytest.fixture
def curator(client, make_user):
    make_user("curator@example.org", is_curator=True)
    login(client, "curator@example.org")


@pytest.fixture
def sheet(make_practice):
    practice = make_practice(body="## About\n\nThe first body.")
    return services.sheet_from_practice(practice)


def test_curator_creates_a_sheet_with_every_field(client, curator, sheet):
    new = sheet.model_copy(
        update={
            "slug": "brand-new-sheet",
            "title": "A brand new sheet",
            "estimated": ["importance", "setup.cost"],
        }
    )
    response = client.post("/practices/new", data={**form_data(new), "save": "Save"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    created = services.get_practice("brand-new-sheet")
    again = services.sheet_from_practice(created)
    assert again.model_dump() == new.model_dump()
    revision = db.session.scalar(
        select(PracticeRevision).where(PracticeRevision.practice_id == created.id)
    )
    assert revision.source == "browser" and revision.author_email == "curator@example.org"


def test_edit_keeps_a_revision_naming_what_changed(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    data = form_data(
        sheet, practice.version, summary="A better summary.", setup_cost="3", note="clearer summary"
    )
    assert (
        client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"}).status_code
        == 302
    )
    db.session.expire_all()
    practice = services.get_practice(sheet.slug)
    assert practice.summary == "A better summary." and practice.setup_cost == 3
    (revision,) = services.revisions_of(practice)
    assert revision.changed_fields == ["summary", "setup"]
    assert revision.note == "clearer summary"
    page = client.get(f"/practices/{sheet.slug}/history").get_data(as_text=True)
    assert "curator@example.org" in page and "summary, setup" in page


def test_restore_brings_an_older_version_back_as_a_new_one(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, practice.version, title="Second title"), "save": "Save"},
    )
    db.session.expire_all()
    practice = services.get_practice(sheet.slug)
    client.post(
        f"/practices/{sheet.slug}/edit",
        data={
            **form_data(
                services.sheet_from_practice(practice), practice.version, title="Third title"
            ),
            "save": "Save",
        },
    )
    assert client.post(f"/practices/{sheet.slug}/history/1/restore").status_code == 302
    db.session.expire_all()
    practice = services.get_practice(sheet.slug)
    assert practice.title == "Second title"
    latest = services.revisions_of(practice)[0]
    assert latest.number == 3 and latest.source == "restore" and latest.changed_fields == ["title"]


def test_saving_over_a_newer_version_is_refused_and_keeps_the_typing(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    stale = practice.version
    client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, stale, title="Saved first"), "save": "Save"},
    )
    response = client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, stale, title="Typed second"), "save": "Save"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this sheet while you were editing it" in page
    assert 'value="Typed second"' in page
    db.session.expire_all()
    assert services.get_practice(sheet.slug).title == "Saved first"


def test_preview_renders_sanitised_markdown_and_saves_nothing(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    body = "## Preview me\n\n" + "\n\n".join(XSS)
    response = client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, practice.version, body=body), "preview": "Preview"},
    )
    page = response.get_data(as_text=True)
    preview = page.split('class="preview"')[1].split("</section>")[0]
    assert "<h2>Preview me</h2>" in preview
    assert unsafe_parts(preview) == []
    db.session.expire_all()
    assert services.get_practice(sheet.slug).body == "## About\n\nThe first body."


@pytest.mark.parametrize("payload", XSS)
def test_markdown_payloads_never_survive_on_the_sheet_page(client, curator, sheet, payload):
    practice = services.get_practice(sheet.slug)
    body = f"Before.\n\n{payload}\n\nAfter."
    client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, practice.version, body=body), "save": "Save"},
    )
    page = client.get(f"/practices/{sheet.slug}").get_data(as_text=True)
    rendered = page.split('class="sheet-body"')[1].split("</section>")[0]
    assert unsafe_parts(rendered) == []
    assert "After." in rendered


@pytest.mark.parametrize("payload", XSS)
def test_plain_text_fields_are_escaped_everywhere(client, curator, sheet, payload):
    practice = services.get_practice(sheet.slug)
    client.post(
        f"/practices/{sheet.slug}/edit",
        data={
            **form_data(
                sheet,
                practice.version,
                summary=payload,
                considerations=payload,
                **{"internal_actors": [{"unit": payload, "role": payload}]},
            ),
            "save": "Save",
        },
    )
    for path in (
        f"/practices/{sheet.slug}",
        "/practices",
        f"/practices/{sheet.slug}/history/1",
        f"/practices/compare?slugs={sheet.slug},{sheet.slug}x",
    ):
        page = client.get(path).get_data(as_text=True)
        main = page.split('<main id="main"')[1].split("</main>")[0]
        assert unsafe_parts(main, allowed=("form",)) == [], path


def test_errors_are_shown_by_their_fields_and_nothing_typed_is_lost(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version, summary="Kept summary", related="no-such-sheet")
    data["categories"] = []
    data["setup_indicators-0-name"] = ""
    data["setup_indicators-0-unit"] = ""
    data["setup_indicators-0-direction"] = ""
    response = client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kept summary" in page
    assert re.search(r"Categories</legend>.*?Give at least one.", page, re.S)
    assert page.count("Give at least one.") >= 2  # categories and the emptied indicators


def test_unknown_related_slug_is_named(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    response = client.post(
        f"/practices/{sheet.slug}/edit",
        data={**form_data(sheet, practice.version, related="no-such-sheet"), "save": "Save"},
    )
    assert "No listed sheet has the slug no-such-sheet." in response.get_data(as_text=True)


def test_new_sheet_cannot_take_a_used_or_reserved_address(client, curator, sheet):
    taken = client.post("/practices/new", data={**form_data(sheet), "save": "Save"})
    assert "Another sheet already has this address name." in taken.get_data(as_text=True)
    reserved = client.post(
        "/practices/new",
        data={**form_data(sheet.model_copy(update={"slug": "compare"})), "save": "Save"},
    )
    assert "taken by a page of the catalogue" in reserved.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/practices/new",
        "/practices/peer-learning-circle/edit",
        "/practices/peer-learning-circle/history",
    ],
)
def test_only_curators_reach_the_editor(client, make_user, sheet, path):
    assert client.get(path).headers["Location"].startswith("/login")
    make_user("ana@example.org")
    login(client, "ana@example.org")
    assert client.get(path).status_code == 403


def test_browser_edits_survive_a_sync_of_unchanged_files_and_changed_files_win(
    client, curator, runner, sheet_folder, sheet_data, tmp_path
):
    folder = sheet_folder(sheet_data(slug="synced-sheet"))
    runner.invoke(args=["practices", "sync", "--dir", str(folder)])
    practice = services.get_practice("synced-sheet")
    current = services.sheet_from_practice(practice)
    client.post(
        "/practices/synced-sheet/edit",
        data={
            **form_data(current, practice.version, summary="Edited in the browser"),
            "save": "Save",
        },
    )
    runner.invoke(args=["practices", "sync", "--dir", str(folder)])
    db.session.expire_all()
    assert services.get_practice("synced-sheet").summary == "Edited in the browser"
    out = tmp_path / "out"
    runner.invoke(args=["practices", "export", "--dir", str(out)])
    assert "summary: Edited in the browser" in (out / "synced-sheet.md").read_text()
    # A changed file wins; the browser's version stays in the history, ready to restore.
    (folder / "synced-sheet.md").write_text(
        sheet_text(sheet_data(slug="synced-sheet", summary="Changed in the file"))
    )
    result = runner.invoke(args=["practices", "sync", "--dir", str(folder)])
    assert "overwrote browser edits: synced-sheet" in result.output
    db.session.expire_all()
    practice = services.get_practice("synced-sheet")
    assert practice.summary == "Changed in the file"
    sources = [r.source for r in services.revisions_of(practice)]
    assert sources == ["sync", "browser", "sync"]


def test_sync_records_a_revision_per_created_or_changed_sheet(runner, sheet_folder, sheet_data):
    folder = sheet_folder(sheet_data(), sheet_data(slug="second-sheet"))
    runner.invoke(args=["practices", "sync", "--dir", str(folder)])
    runner.invoke(args=["practices", "sync", "--dir", str(folder)])
    numbers = db.session.execute(
        select(Practice.slug, PracticeRevision.number).join(PracticeRevision)
    ).all()
    assert sorted(numbers) == [("peer-learning-circle", 1), ("second-sheet", 1)]


def test_blank_rows_are_skipped_even_though_their_selects_send_a_value(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version)
    # What a browser sends for the empty rows under the indicators: the selects' first options.
    for phase in ("setup", "delivery"):
        for index in range(
            len(getattr(sheet, phase).indicators), len(getattr(sheet, phase).indicators) + 2
        ):
            data[f"{phase}_indicators-{index}-unit"] = "count"
            data[f"{phase}_indicators-{index}-direction"] = "higher"
    response = client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert len(services.get_practice(sheet.slug).indicators) == len(practice.indicators)


def test_every_problem_of_a_new_sheet_shows_in_one_round_in_plain_words(client, curator):
    response = client.post(
        "/practices/new",
        data={"title": "Staff buddy scheme", "slug": "Staff Buddy", "save": "Save"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use lowercase letters, digits and hyphens, e.g. peer-learning-circle." in page
    assert "Fill this in." in page  # the summary
    assert page.count("Choose one.") >= 7  # schedule, importance, scale and six levels
    assert "Give at least one." in page  # goals, categories, ...
    assert "validation" not in page and "String should" not in page


def test_saving_an_unchanged_sheet_adds_no_version(client, curator, sheet):
    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version)
    data["body"] = data["body"].replace("\n", "\r\n")  # what a browser's text area sends
    data["goals"] = list(reversed(data["goals"]))
    assert (
        client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"}).status_code
        == 302
    )
    db.session.expire_all()
    practice = services.get_practice(sheet.slug)
    assert services.revisions_of(practice) == [] and practice.version == 1


# --- the rendered body: stored, rendered outside the write lock, bounded --------------------


def test_sheet_page_shows_the_stored_html_without_rendering_again(client, make_practice):
    practice = make_practice(body="## About\n\nThe first body.")
    assert practice.body_html == "<h2>About</h2>\n<p>The first body.</p>\n"
    # Changed behind the app's back: the page shows what was stored, proving no render per view.
    practice.body_html = "<p>Stored rendering.</p>"
    db.session.commit()
    page = client.get(f"/practices/{practice.slug}").get_data(as_text=True)
    assert "<p>Stored rendering.</p>" in page and "The first body." not in page


def test_a_row_without_stored_html_is_rendered_when_shown(client, make_practice):
    # As after restoring a backup made before the column existed.
    practice = make_practice(body="Some *old* body.")
    practice.body_html = None
    db.session.commit()
    page = client.get(f"/practices/{practice.slug}").get_data(as_text=True)
    assert "<em>old</em>" in page


def test_save_sync_and_restore_store_the_rendered_body(
    client, curator, sheet, runner, sheet_folder, sheet_data
):
    for version, body in ((1, "Saved **here**."), (2, "Saved again.")):
        data = form_data(sheet, version, body=body)
        client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"})
    db.session.expire_all()
    assert services.get_practice(sheet.slug).body_html == "<p>Saved again.</p>\n"
    assert client.post(f"/practices/{sheet.slug}/history/1/restore").status_code == 302
    db.session.expire_all()
    restored = services.get_practice(sheet.slug)
    assert restored.body == "Saved **here**."
    assert restored.body_html == "<p>Saved <strong>here</strong>.</p>\n"
    folder = sheet_folder(sheet_data(slug="synced-sheet"))
    assert runner.invoke(args=["practices", "sync", "--dir", str(folder)]).exit_code == 0
    db.session.expire_all()
    assert "<h2>About</h2>" in services.get_practice("synced-sheet").body_html


@pytest.mark.parametrize("button", ["preview", "save"])
def test_the_body_is_rendered_while_no_transaction_is_open(
    client, curator, sheet, monkeypatch, button
):
    # For a POST, SQLite's transaction holds the write lock from its first query: a long render
    # inside it would make every other writer wait. The real renderer runs; we note the state.
    seen: list[bool] = []
    real = services.render_body

    def noting(sheet_):
        seen.append(db.session().in_transaction())
        return real(sheet_)

    monkeypatch.setattr(services, "render_body", noting)
    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version, body="A *new* body.")
    db.session.commit()
    response = client.post(f"/practices/{sheet.slug}/edit", data={**data, button: button})
    assert response.status_code in (200, 302)
    assert seen == [False]


def test_restore_renders_while_no_transaction_is_open(client, curator, sheet, monkeypatch):
    seen: list[bool] = []
    real = services.render_body

    def noting(sheet_):
        seen.append(db.session().in_transaction())
        return real(sheet_)

    data = form_data(sheet, 1, body="A saved body.")
    client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"})
    monkeypatch.setattr(services, "render_body", noting)
    db.session.commit()
    assert client.post(f"/practices/{sheet.slug}/history/1/restore").status_code == 302
    assert seen == [False]


def test_a_body_over_the_size_limit_is_refused_by_its_field(client, curator, sheet):
    from app.practices.schemas import BODY_MAX_CHARS

    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version, body="[" * (BODY_MAX_CHARS + 1))
    response = client.post(f"/practices/{sheet.slug}/edit", data={**data, "preview": "Preview"})
    assert response.status_code == 400
    assert f"at most {BODY_MAX_CHARS:,}" in response.get_data(as_text=True) or str(
        BODY_MAX_CHARS
    ) in response.get_data(as_text=True)


def test_a_body_of_brackets_at_the_limit_previews_and_saves(client, curator, sheet):
    # 20,000 of them took Python-Markdown a minute; the parser now takes linear time.
    from app.practices.schemas import BODY_MAX_CHARS

    practice = services.get_practice(sheet.slug)
    data = form_data(sheet, practice.version, body="[" * BODY_MAX_CHARS)
    preview = client.post(f"/practices/{sheet.slug}/edit", data={**data, "preview": "Preview"})
    assert preview.status_code == 200 and "[[[[" in preview.get_data(as_text=True)
    assert (
        client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"}).status_code
        == 302
    )


def test_a_revision_saved_under_the_earlier_larger_limit_still_shows_and_restores(
    client, curator, sheet
):
    # Bodies of up to 100,000 characters were accepted before the limit became 50,000.
    data = form_data(sheet, 1, body="An older body.")
    client.post(f"/practices/{sheet.slug}/edit", data={**data, "save": "Save"})
    revision = db.session.scalar(select(PracticeRevision))
    revision.snapshot = {**revision.snapshot, "body": "word " * 15_000}
    db.session.commit()
    assert client.get(f"/practices/{sheet.slug}/history/1").status_code == 200
    assert client.post(f"/practices/{sheet.slug}/history/1/restore").status_code == 302
