"""Institution pages show units, memberships and strategic partners."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def reference_data(runner):
    result = runner.invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output


def test_institutions_page_lists_institutions_and_networks(client, reference_data):
    page = client.get("/institutions").get_data(as_text=True)
    assert "University of Helsinki" in page
    assert "Jyväskylä Educational Consortium" in page
    assert 'href="https://www.una-europa.eu"' in page
    assert "within University of the Arctic (UArctic)" in page


def test_institution_page_shows_memberships_and_partners(client, reference_data):
    page = client.get("/institutions/university-of-helsinki").get_data(as_text=True)
    assert '<time datetime="2019-10-04">4 October 2019</time>' in page
    assert "Bridgehead organisation of EURAXESS Finland" in page
    assert "Human genomics, Forestry" in page
    assert "Language Centre" in page


def test_unknown_institution_is_a_404(client, reference_data):
    assert client.get("/institutions/nowhere").status_code == 404


# --- the list, a page at a time ----------------------------------------------------------------


@pytest.fixture
def many_institutions(app, make_institution):
    """Make 45 institutions, named so that their order by name is their number's."""
    for n in range(45):
        make_institution(f"uni-{n:02d}", name=f"University {n:02d}")


def _listed(page: str) -> list[str]:
    """Return the names of the institutions a list page links to, in order."""
    section = page.split('id="institutions-heading"')[1].split("</section>")[0]
    return re.findall(r'href="/institutions/uni-\d+">([^<]+)</a>', section)


def test_the_list_shows_a_page_of_institutions_and_links_the_others(client, many_institutions):
    page = client.get("/institutions").get_data(as_text=True)
    assert _listed(page) == [f"University {n:02d}" for n in range(20)]
    pager = page.split('class="pagination"')[1].split("</nav>")[0]
    assert '<span aria-current="page">1</span>' in pager
    assert 'rel="next" href="/institutions?page=2"' in pager
    assert 'href="/institutions?page=3">3</a>' in pager
    assert 'rel="prev"' not in pager


def test_the_last_page_holds_the_rest(client, many_institutions):
    page = client.get("/institutions?page=3").get_data(as_text=True)
    assert _listed(page) == [f"University {n:02d}" for n in range(40, 45)]
    pager = page.split('class="pagination"')[1].split("</nav>")[0]
    assert 'rel="prev" href="/institutions?page=2"' in pager
    assert 'rel="next"' not in pager


def test_the_page_size_is_kept_by_the_pages_links(client, many_institutions):
    page = client.get("/institutions?per_page=10&page=2").get_data(as_text=True)
    assert _listed(page) == [f"University {n:02d}" for n in range(10, 20)]
    assert 'href="/institutions?per_page=10&amp;page=5">5</a>' in page


def test_a_page_past_the_end_offers_the_last_page(client, many_institutions):
    response = client.get("/institutions?page=99999")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _listed(page) == []
    assert "Page 99999 is past the end of these results." in page
    assert 'href="/institutions?page=3">Go to the last page (3)' in page


def test_one_page_of_institutions_has_no_pager(client, make_institution):
    make_institution()
    page = client.get("/institutions").get_data(as_text=True)
    assert "Uni A" in page
    assert 'class="pagination"' not in page


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("page=abc", "Page"),
        ("page=-1", "Page"),
        ("page=0", "Page"),
        ("page=1.5", "Page"),
        (f"page={10**30}", "Page"),
        ("page=100001", "Page"),
        ("page=%00", "Page"),
        ("page=%EF%BC%92", "Page"),  # a full-width digit: not a page number here
        ("per_page=0", "Results per page"),
        ("per_page=101", "Results per page"),
        ("per_page=x", "Results per page"),
    ],
)
def test_an_unusable_page_or_size_is_named_and_the_first_page_shown(
    client, many_institutions, query, named
):
    response = client.get(f"/institutions?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Part of this address could not be used" in page
    assert f"<strong>{named}</strong>" in page
    assert _listed(page) == [f"University {n:02d}" for n in range(20)]


def test_the_page_size_is_bounded_and_the_largest_is_served(client, many_institutions):
    page = client.get("/institutions?per_page=100").get_data(as_text=True)
    assert len(_listed(page)) == 45
    assert 'class="pagination"' not in page
