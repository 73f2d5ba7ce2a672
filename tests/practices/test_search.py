"""Catalogue search: filters with counts, full-text ranking and highlighting, sorting, pages."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from app.core.extensions import db
from app.practices import services
from app.practices.models import Practice
from app.practices.schemas import PracticeSheet
from app.practices.search import QueryError, parse_query, search_practices

# The private-use characters the search once marked matches with, as a text could hold them.
FORGED = "\ue000forged\ue001"


def search(vocab, **args):
    query = parse_query(MultiDict(args), vocab, 20, 100)
    return search_practices(query, vocab)


def counts(result, facet):
    return {value.key: value.count for value in result.facets[facet]}


@pytest.fixture
def three(make_practice):
    """Three sheets that differ in category, setup cost and words."""
    make_practice(
        slug="a-job-shadowing",
        title="Job shadowing abroad",
        categories=["networking"],
        setup={"cost": 1},
        body="Staff follow a colleague at a partner office.",
    )
    make_practice(
        slug="b-welcome-week",
        title="Welcome week",
        summary="An orientation week.",
        categories=["capacity-building-staff", "networking"],
        setup={"cost": 2},
        body="Mentions job shadowing once in passing.",
    )
    make_practice(
        slug="c-language-cafe",
        title="Language café",
        categories=["language-support"],
        setup={"cost": 1},
        target_groups=["students"],
        body="Talk over coffee.",
    )


def test_no_filter_lists_everything_by_title(app, vocab, three):
    result = search(vocab)
    assert result.total == 3
    assert [p.slug for p in result.items] == [
        "a-job-shadowing",
        "c-language-cafe",
        "b-welcome-week",
    ]


def test_filter_narrows_and_values_within_a_facet_are_ored(app, vocab, three):
    assert search(vocab, category="language-support").total == 1
    both = search(vocab, category=["language-support", "capacity-building-staff"])
    assert sorted(p.slug for p in both.items) == ["b-welcome-week", "c-language-cafe"]


def test_filters_of_different_facets_are_anded(app, vocab, three):
    result = search(vocab, category="networking", setup_cost="1")
    assert [p.slug for p in result.items] == ["a-job-shadowing"]


def test_counts_follow_the_other_filters(app, vocab, three):
    result = search(vocab, setup_cost="1")
    # Two sheets cost little to set up: one networking, one language support.
    assert counts(result, "category")["networking"] == 1
    assert counts(result, "category")["language-support"] == 1
    assert counts(result, "category")["capacity-building-staff"] == 0
    # A facet's own filter does not shrink its counts: picking "2" as well would add one sheet.
    assert counts(result, "setup_cost") == {"1": 2, "2": 1, "3": 0}
    assert counts(result, "target_group")["students"] == 1


def test_counts_follow_the_search(app, vocab, three):
    result = search(vocab, q="shadowing")
    assert counts(result, "category")["networking"] == 2
    assert counts(result, "category")["language-support"] == 0


def test_every_vocabulary_value_is_offered_with_its_label(app, vocab, three):
    result = search(vocab)
    values = result.facets["importance"]
    assert [v.key for v in values] == vocab.keys("importance")
    assert values[0].label == "Essential"


def test_search_ranks_title_matches_first(app, vocab, three):
    result = search(vocab, q="job shadowing")
    assert [p.slug for p in result.items] == ["a-job-shadowing", "b-welcome-week"]
    assert result.query.effective_sort == "relevance"


def test_search_stems_words(app, vocab, three):
    assert next(p.slug for p in search(vocab, q="shadowed").items) == "a-job-shadowing"


def test_search_highlights_the_matched_words(app, vocab, three):
    result = search(vocab, q="shadowing")
    title, _snippet = result.highlights[result.items[0].id]
    assert title == [("Job ", False), ("shadowing", True), (" abroad", False)]
    other = result.highlights[result.items[1].id][1]
    assert ("shadowing", True) in other


@pytest.mark.parametrize(
    "field",
    [
        {"title": f"Job {FORGED} shadowing"},
        {"summary": f"A summary {FORGED}."},
        {"body": f"A body {FORGED}."},
        {"considerations": [f"Consider {FORGED}."]},
        {"challenges": [f"A challenge {FORGED}."]},
        {"setup": {"actors": [f"Office {FORGED}"]}},
        {"activity_types": [{"name": f"Type {FORGED}", "description": "Words."}]},
        {"good_examples": [{"name": "Case", "institution": FORGED, "description": "Words."}]},
        {"internal_actors": [{"unit": "Office", "role": f"Role {FORGED}"}]},
        {"sources": [{"title": f"Notes {FORGED}"}]},
    ],
)
def test_marker_characters_are_removed_from_every_text_of_a_sheet(sheet_data, vocab, field):
    sheet = PracticeSheet.model_validate(sheet_data(**field), context={"vocab": vocab})
    dumped = sheet.model_dump_json()
    assert "forged" in dumped
    assert "\ue000" not in dumped and "\ue001" not in dumped


def test_marker_characters_are_removed_from_a_search(vocab):
    query = parse_query(MultiDict({"q": f"job {FORGED}"}), vocab, 20, 100)
    assert query.q == "job forged"


def test_marker_characters_stored_before_never_become_marks(app, client, vocab, three):
    # A text stored before the markers were removed at input still holds them.
    db.session.execute(
        update(Practice)
        .where(Practice.slug == "a-job-shadowing")
        .values(title=f"Job shadowing {FORGED}", search_text=f"Staff {FORGED} shadowing.")
    )
    db.session.commit()
    result = search(vocab, q="shadowing")
    for title, snippet in result.highlights.values():
        marked = [text for text, is_match in title + snippet if is_match]
        assert marked and set(marked) == {"shadowing"}
        assert not any("\ue000" in text or "\ue001" in text for text, _ in title + snippet)
    page = client.get("/practices?q=shadowing").get_data(as_text=True)
    assert "<mark>forged</mark>" not in page and "forged" in page
    api = client.get("/api/v1/practices?q=shadowing").get_json()
    assert "[Job shadowing forged]" not in api["items"][0]["highlight"]["title"]
    assert api["items"][0]["highlight"]["title"] == "Job [shadowing] forged"


def test_snippets_keep_a_name_apart_from_its_description(app, make_practice):
    practice = make_practice(body="## Before departure\n\nAgree the goals.")
    # Snippets are cut from this text, where line breaks read as spaces.
    assert "Before departure.\nAgree the goals." in practice.search_text
    assert "Case clinic. Each office brings one case." in practice.search_text
    assert "Advisor workshops. EURAXESS Germany. Twice a year." in practice.search_text


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("job -shadowing", "job shadowing"),
        ("title:job", "title job"),
        ('"job" OR "shadowing"', "job or shadowing"),
        ("NEAR(job shadowing)", "near job shadowing"),
        ("job* shadow^", "job shadow"),
        ("'; DROP TABLE practices; --", "drop table practices"),
    ],
)
def test_search_syntax_is_read_as_plain_words(app, vocab, three, typed, words):
    assert [p.slug for p in search(vocab, q=typed).items] == [
        p.slug for p in search(vocab, q=words).items
    ]


@pytest.mark.parametrize("typed", ["*", '"', "-", "(", "%", "\\", "🙂", "?!"])
def test_a_search_without_words_is_refused(vocab, typed):
    with pytest.raises(QueryError) as error:
        parse_query(MultiDict({"q": typed}), vocab, 20, 100)
    assert "no words to search for" in error.value.problems["q"]


def test_search_without_match_returns_nothing(app, vocab, three):
    result = search(vocab, q="quantum")
    assert result.total == 0 and result.items == []


def test_withdrawn_sheets_are_not_listed(app, vocab, three):
    from app.core.extensions import db, utcnow

    practice = services.get_practice("c-language-cafe")
    practice.withdrawn_at = utcnow()
    db.session.commit()
    assert search(vocab).total == 2
    assert counts(search(vocab), "category")["language-support"] == 0


def test_sort_by_setup_cost(app, vocab, three):
    result = search(vocab, sort="setup_cost")
    assert [p.setup_cost for p in result.items] == [1, 1, 2]


def test_pagination_splits_and_counts_pages(app, vocab, three):
    first = search(vocab, per_page="2")
    second = search(vocab, per_page="2", page="2")
    assert first.pages == 2 and len(first.items) == 2 and len(second.items) == 1
    assert {p.slug for p in first.items}.isdisjoint({p.slug for p in second.items})


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"category": "astrology"}, "category"),
        ({"setup_cost": "9"}, "setup_cost"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"page": "100001"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page": "٣"}, "page"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_values_are_refused_by_name(vocab, args, field):
    with pytest.raises(QueryError) as error:
        parse_query(MultiDict(args), vocab, 20, 100)
    assert field in error.value.problems


def test_comma_separated_values_count_as_several(vocab):
    query = parse_query(MultiDict({"category": "networking,language-support"}), vocab, 20, 100)
    assert query.filters == {"category": ["networking", "language-support"]}


def test_facet_counts_take_one_query_whatever_the_filters(app, vocab, three):
    from sqlalchemy import event

    from app.core.extensions import db

    statements: list[str] = []

    def record(*args):
        if not args[2].startswith("BEGIN"):  # transaction control, not a query
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        search(vocab)
        plain = len(statements)
        statements.clear()
        search(
            vocab,
            q="shadowing",
            category="networking",
            setup_cost=["1", "2"],
            goal="improved-skills",
        )
        filtered = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # total + page + terms of the page + facet counts (+ highlights when searching)
    assert plain == 4
    assert filtered == 5


def test_page_links_show_the_ends_and_the_neighbours(app, vocab, make_practice):
    for number in range(14):
        make_practice(slug=f"sheet-{number:02d}", title=f"Sheet {number:02d}")
    # A gap of exactly one page (5) shows that page instead of an ellipsis.
    assert search(vocab, per_page="2", page="2").page_links() == [1, 2, 3, 4, 5, 6, 7]
    assert search(vocab, per_page="1", page="4").page_links() == [1, 2, 3, 4, 5, 6, None, 13, 14]
    assert search(vocab, per_page="1", page="7").page_links() == [
        1,
        2,
        None,
        5,
        6,
        7,
        8,
        9,
        None,
        13,
        14,
    ]
