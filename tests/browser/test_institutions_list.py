"""The list of institutions a page at a time, on a phone: the pager wraps, nothing scrolls
sideways, and its links lead through the pages."""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.institutions.models import Institution
from tests.browser.axe import audit
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PHONES = [{"width": 320, "height": 640}, {"width": 390, "height": 844}]


@pytest.fixture
def institutions(app) -> None:
    """Make 600 institutions (30 pages of 20), some with a long name without a space."""
    for n in range(600):
        name = f"University {n:04d}" if n % 50 else f"Korkeakoulu{'ä' * 60} {n:04d}"
        db.session.add(
            Institution(
                slug=f"uni-{n:04d}", name=name, country="Finland", kind="research-university"
            )
        )
    db.session.commit()


@pytest.mark.parametrize("phone", PHONES, ids=lambda p: str(p["width"]))
def test_the_pager_of_many_pages_fits_a_phone_and_leads_on(server, page, institutions, phone):
    page.set_viewport_size(phone)
    page.goto(f"{server}/institutions?page=13")
    pager = page.get_by_role("navigation", name="Pages")
    pager.wait_for()
    audit(page)
    screenshot(page, f"institutions-pager-{phone['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    assert pager.locator('[aria-current="page"]').inner_text() == "13"
    pager.get_by_role("link", name="Next").click()
    page.wait_for_url("**/institutions?page=14")
    assert pager.locator('[aria-current="page"]').inner_text() == "14"
    # The long names (first by name: 12 of them) are on page 1; page 14 holds rows 261-280.
    assert page.get_by_role("link", name="University 0268").is_visible()
    audit(page)
    page.goto(f"{server}/institutions")  # the long names
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    audit(page)
