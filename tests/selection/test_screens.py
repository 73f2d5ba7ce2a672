"""The selection pages in Chromium at a desktop's and a phone's width: screenshots to look at
(tests/artifacts/selection-*.png), each page checked by axe."""

from __future__ import annotations

import pytest

from app.core.extensions import db, utcnow
from app.selection import decisions
from tests.browser.axe import audit
from tests.browser.conftest import page, screenshot, sign_in  # noqa: F401 - fixtures
from tests.events.factories import make_review
from tests.selection.conftest import apply, apply_with_token, happening_later
from tests.selection.test_offers import _link_token

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def filled(scene):
    """Applications from several countries, reviewed, with one disagreement."""
    happening_later(scene)  # the live server runs on the real clock
    scene.event.accommodation = "Hotel rooms near the campus"
    people = [
        ("Aino Virtanen", "FI", "Una Europa", "Tampere University"),
        ("Bruno Keller", "DE", "UNICA", "Universität Wien"),
        ("Chiara Rossi", "IT", "UNICA", "Università di Bologna"),
        ("Dagmar Novak", "CZ", "", "Charles University"),
    ]
    made = []
    for n, (name, country, network, institution) in enumerate(people):
        application, token = apply_with_token(
            scene.mobility,
            f"p{n}@uni{n}.example",
            name=name,
            country=country,
            networks=[network] if network else [],
            institution_name=institution,
            background="Twelve years in the international office; runs incoming staff weeks.",
        )
        made.append((application, token))
    apply(scene.teaching, "t@teach.example", name="Teodor Lind", country="SE")
    scores = [(5, 4), (4, 3), (2, 5), (3, 3)]
    for (application, _), (fit, motivation) in zip(made, scores, strict=True):
        make_review(
            application,
            scene.member,
            {scene.fit: fit, scene.motivation: motivation},
            "Clear motivation.",
        )
    make_review(made[0][0], scene.teaching_member, {scene.fit: 1, scene.motivation: 2})
    db.session.commit()
    return made


def _shots(shown, name: str) -> None:
    for label, width in WIDTHS.items():
        shown.set_viewport_size({"width": width, "height": 900})
        audit(shown)
        screenshot(shown, f"selection-{name}-{label}")


def test_the_selection_pages_at_desktop_and_phone_width(server, page, scene, filled):  # noqa: F811
    base = f"{server}/institutions/uni-a/events/{scene.event.id}"
    sign_in(page, server, scene.organiser.email, landing=r".*")
    for name, path in (
        ("rubric", "/rubric"),
        ("review-list", "/review"),
        ("review", f"/review/{filled[1][0].id}"),
        ("templates", "/templates?kind=accepted&language=fi"),
    ):
        page.goto(base + path)
        _shots(page, name)
    page.goto(base + "/selection")
    page.select_option(f"#decision_{filled[0][0].id}", "accepted")
    page.select_option(f"#decision_{filled[1][0].id}", "accepted")
    page.select_option(f"#decision_{filled[2][0].id}", "waiting_list")
    page.select_option(f"#decision_{filled[3][0].id}", "waiting_list")
    page.get_by_role("button", name="Save the decisions").first.click()
    page.wait_for_load_state()
    _shots(page, "overview-prepared")
    page.get_by_role("button", name="Send the decisions").click()
    page.wait_for_load_state()
    assert "1 application has no decision yet" in page.content()  # the teaching track's
    db.session.rollback()  # a transaction of its own, begun after the server's writes
    undecided = decisions.track_application_ids(scene.teaching)
    rows = [decisions.DecisionRow(key, "declined", None) for key in undecided]
    decisions.decide(scene.event, scene.teaching, rows, utcnow())
    db.session.commit()
    page.goto(base + "/selection")
    page.get_by_role("button", name="Send the decisions").click()
    page.wait_for_load_state()
    _shots(page, "overview-sent")
    # The first accepted declines: the first on the waiting list is offered the place.
    db.session.expire_all()
    page.goto(f"{server}/applications/{_link_token(filled[0][0].email)}")
    _shots(page, "offer")
    page.get_by_role("button", name="Decline the place").click()
    page.get_by_role("heading", name="Decline the place?").wait_for()
    _shots(page, "decline-asked")
    page.get_by_role("button", name="Decline the place").click()
    page.wait_for_load_state()
    assert "You have declined the place." in page.inner_text("main")
    db.session.rollback()  # read what the server has committed since
    (promoted,) = [a for a, _ in filled if a.promoted_at is not None]
    assert promoted is filled[3][0]  # rank 1: the higher score of the two waiting (3 > 2.75)
    page.goto(f"{server}/applications/{_link_token(promoted.email)}")
    assert "A place has opened for you" in page.content()
    _shots(page, "offer-promoted")
    # The organiser's overview and review in Finnish.
    page.goto(base + "/selection")
    page.get_by_role("button", name="Suomi").click()
    page.wait_for_load_state()
    assert "Päätösten lähettäminen" in page.content()
    _shots(page, "overview-fi")
    page.goto(base + f"/review/{filled[1][0].id}")
    _shots(page, "review-fi")


def test_a_long_typed_name_wraps_in_the_spread_of_a_track(server, page, scene):  # noqa: F811
    happening_later(scene)
    apply(scene.mobility, "long@uni.example", networks=["N" * 100], institution_name="I" * 120)
    db.session.commit()
    sign_in(page, server, scene.organiser.email, landing=r".*")
    page.goto(f"{server}/institutions/uni-a/events/{scene.event.id}/selection")
    spread = page.locator(".table-scroll").first
    assert spread.evaluate("e => e.scrollWidth <= e.clientWidth"), "the spread scrolls sideways"
    _shots(page, "spread-long-words")
