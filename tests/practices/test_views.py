"""The catalogue pages: browse, one sheet, compare; all of it without JavaScript."""

from __future__ import annotations

import re

import pytest

from app.core.extensions import db, utcnow
from app.practices import services
from tests.conftest import listed_count
from tests.html_safety import unsafe_parts


def test_home_redirects_to_the_catalogue(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/practices")


def test_catalogue_lists_the_shipped_sheets_with_facet_counts(client, catalogue):
    page = client.get("/practices").get_data(as_text=True)
    assert f"{listed_count()} practices" in page
    assert "Sending staff on job shadowing" in page
    assert re.search(r'name="category"\s+value="capacity-building-staff"', page)
    assert re.search(r'aria-label="\d+ practices">\d+</span>', page)


def test_filters_and_search_live_in_the_url(client, catalogue):
    response = client.get("/practices?q=job+shadowing&target_group=administrative-staff&sort=title")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "matching “job shadowing”" in page
    assert 'value="administrative-staff" checked' in page
    assert '<option value="title" selected>' in page
    assert "<mark>" in page


def test_active_filter_links_remove_one_value(client, catalogue):
    page = client.get("/practices?category=networking&category=language-support").get_data(
        as_text=True
    )
    assert 'href="/practices?category=language-support"' in page
    assert 'href="/practices?category=networking"' in page


def test_unknown_filter_value_is_named_and_left_out(client, catalogue):
    response = client.get("/practices?category=astrology")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "unknown value &#39;astrology&#39;" in page
    assert "Sending staff on job shadowing" in page


def test_pagination_links_keep_the_filters(client, catalogue):
    page = client.get("/practices?per_page=5&goal=improved-skills").get_data(as_text=True)
    assert "per_page=5&amp;goal=improved-skills&amp;page=2" in page


def test_sheet_page_shows_every_part_of_the_sheet(client, catalogue):
    practice = services.get_practice("sending-staff-on-job-shadowing")
    sheet = services.sheet_from_practice(practice)
    page = client.get("/practices/sending-staff-on-job-shadowing").get_data(as_text=True)
    for text in [
        "Setting it up",
        "Delivering it",
        "What to consider",
        "Challenges",
        "Internal actors",
        "External collaborators",
        "Good examples",
        "Types of activity",
        "Sources",
        sheet.setup.indicators[0].name,
        sheet.delivery.actors[0],
        sheet.good_examples[0].name,
        sheet.internal_actors[0].unit,
        sheet.activity_types[0].name,
    ]:
        assert text.replace("'", "&#39;") in page, text
    # Levels as symbols with their words for screen readers.
    assert (
        f'<span class="visually-hidden">{["low", "medium", "high"][practice.setup_cost - 1]}</span>'
        in page
    )
    assert "<h2>" in page


def test_sheet_body_markdown_is_sanitised(client, make_practice):
    make_practice(
        body="Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    page = client.get("/practices/peer-learning-circle").get_data(as_text=True)
    body = page.split('class="sheet-body"')[1].split("</section>")[0]
    assert unsafe_parts(body) == []
    assert "<script" not in body and "<img" not in body


def test_withdrawn_sheet_still_answers_with_a_notice(client, make_practice):
    practice = make_practice()
    practice.withdrawn_at = utcnow()
    db.session.commit()
    page = client.get("/practices/peer-learning-circle").get_data(as_text=True)
    assert "has been withdrawn" in page


def test_unknown_sheet_is_a_404_page(client, catalogue):
    response = client.get("/practices/no-such-sheet")
    assert response.status_code == 404
    assert "Back to the practice catalogue" in response.get_data(as_text=True)


def test_compare_shows_sheets_side_by_side(client, catalogue):
    slugs = "hosting-a-study-visit,sending-staff-on-job-shadowing,regular-gatherings-of-international-office-staff"
    response = client.get(f"/practices/compare?slugs={slugs}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Compare 3 practices" in page
    header = page.split("<thead>")[1].split("</thead>")[0]
    titles = [services.get_practice(slug).title for slug in slugs.split(",")]
    positions = [header.index(title.replace("'", "&#39;")) for title in titles]
    assert positions == sorted(positions)
    assert page.count('<th scope="row">Setup: indicators</th>') == 1


def test_compare_accepts_repeated_slugs_from_the_list_form(client, catalogue):
    response = client.get(
        "/practices/compare?slugs=hosting-a-study-visit&slugs=sending-staff-on-job-shadowing"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("slugs", ["hosting-a-study-visit", "a,b,c,d,e", ""])
def test_compare_of_too_few_or_many_goes_back_to_the_list_with_the_ticks_kept(
    client, catalogue, slugs
):
    response = client.get(f"/practices/compare?slugs={slugs}&from=/practices?q%3Dstaff")
    assert response.status_code == 303
    ticked = [slug for slug in slugs.split(",") if slug]
    expected = "/practices?" + "&".join(["q=staff", *(f"ticked={slug}" for slug in ticked)])
    assert response.headers["Location"] == expected + "#compare"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tick two to four practices to compare; you ticked <span" in page
    assert f'class="compare-count">{len(ticked)}</span>' in page
    checked = re.findall(r'name="slugs" value="([^"]+)" id="[^"]+" checked', page)
    assert checked == [slug for slug in ticked if slug == "hosting-a-study-visit"]
    assert "Tick two to four" in page.split('class="notice notice-error compare-message"')[1]


def test_the_list_says_nothing_about_comparing_until_asked(client, catalogue):
    page = client.get("/practices").get_data(as_text=True)
    assert 'class="notice notice-error compare-message" role="alert" hidden' in page
    assert " checked>" not in page.split('class="practice-list"')[1]


def test_compare_with_an_unknown_slug_is_a_404(client, catalogue):
    response = client.get("/practices/compare?slugs=hosting-a-study-visit,nope")
    assert response.status_code == 404


def test_pages_make_a_constant_number_of_queries(client, make_practice, catalogue):
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(
        db.engine,
        "before_cursor_execute",
        # Queries, not the BEGIN that starts each SQLite transaction.
        lambda *a: None if a[2].startswith("BEGIN") else statements.append(a[2]),
    )
    client.get("/practices?per_page=5")
    few = len(statements)
    statements.clear()
    client.get("/practices?per_page=17")
    many = len(statements)
    statements.clear()
    client.get("/practices/sending-staff-on-job-shadowing")
    detail = len(statements)
    assert few == many
    assert detail <= 4


def test_sheet_whose_key_left_the_vocabulary_still_shows(client, make_practice):
    practice = make_practice()
    first_goal = next(term for term in practice.terms if term.vocabulary == "goals")
    first_goal.key = "a-retired-goal"
    db.session.commit()
    response = client.get("/practices/peer-learning-circle")
    assert response.status_code == 200
    assert "a-retired-goal" in response.get_data(as_text=True)
    assert (
        client.get("/api/v1/practices/peer-learning-circle").get_json()["goals"][0]
        == "a-retired-goal"
    )


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_compare_back_link_never_leaves_the_site(client, catalogue, target):
    response = client.get(f"/practices/compare?slugs=a&from={target}")
    assert response.headers["Location"] == "/practices?ticked=a#compare"
    both = (
        f"/practices/compare?slugs=hosting-a-study-visit,supporting-scholars-at-risk&from={target}"
    )
    page = client.get(both).get_data(as_text=True)
    # No link leads there (the language switcher carries the page's own address back, as text).
    assert not [href for href in re.findall(r'href="([^"]*)"', page) if "evil.example" in href]


def test_page_past_the_end_offers_the_last_page(client, catalogue):
    page = client.get("/practices?page=99999").get_data(as_text=True)
    assert "Page 99999 is past the end of these results." in page
    assert 'href="/practices?page=1">Go to the last page (1)' in page


@pytest.mark.parametrize("query", ["page=99999999999999999999999", "q=*", "page=0"])
def test_unusable_arguments_are_named_not_a_crash(client, catalogue, query):
    response = client.get(f"/practices?{query}")
    assert response.status_code == 400
    assert "Part of this address could not be used" in response.get_data(as_text=True)
    api = client.get(f"/api/v1/practices?{query}")
    assert api.status_code == 400
    assert api.get_json()["error"]["fields"]


# --- ratings that are estimates ---------------------------------------------------------------


def test_estimated_ratings_are_marked_on_the_sheet_compare_and_api(client, make_practice):
    make_practice(estimated=["importance", "setup.cost"])
    make_practice(slug="other-sheet", title="Another sheet")
    page = client.get("/practices/peer-learning-circle").get_data(as_text=True)
    assert page.count("(estimate)") == 2 + 1  # two marks and the note that explains them
    facts = page.split('class="sheet-facts"')[1].split("</dl>")[0]
    importance = facts.split("<dt>Importance</dt>")[1].split("</dd>")[0]
    assert "(estimate)" in importance
    setup = page.split('id="setup-heading"')[1].split("</dl>")[0]
    cost = setup.split("<dt>Cost</dt>")[1].split("</dd>")[0]
    effort = setup.split("<dt>Personnel effort</dt>")[1].split("</dd>")[0]
    assert "(estimate)" in cost and "(estimate)" not in effort
    compare = client.get("/practices/compare?slugs=peer-learning-circle,other-sheet")
    assert compare.get_data(as_text=True).count('class="estimate"') == 2
    detail = client.get("/api/v1/practices/peer-learning-circle").get_json()
    assert detail["estimated"] == ["importance", "setup.cost"]
    listed = client.get("/api/v1/practices").get_json()["items"]
    assert {item["slug"]: item["estimated"] for item in listed} == {
        "peer-learning-circle": ["importance", "setup.cost"],
        "other-sheet": [],
    }


def test_a_sheet_without_estimates_shows_no_note(client, make_practice):
    make_practice()
    assert "(estimate)" not in client.get("/practices/peer-learning-circle").get_data(as_text=True)


@pytest.mark.parametrize(
    ("estimated", "message"),
    [
        (["setup.price"], "setup.price"),
        (["importance", "importance"], "listed twice"),
    ],
)
def test_estimated_takes_known_ratings_once(sheet_data, vocab, estimated, message):
    from pydantic import ValidationError

    from app.practices.schemas import PracticeSheet

    with pytest.raises(ValidationError) as caught:
        PracticeSheet.model_validate(sheet_data(estimated=estimated), context={"vocab": vocab})
    assert message in str(caught.value)
