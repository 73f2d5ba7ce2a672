"""Institution pages show units, memberships and strategic partners."""

from __future__ import annotations

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
