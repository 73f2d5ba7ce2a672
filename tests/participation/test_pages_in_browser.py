"""Taking part in Chromium: the organiser's list and check-in on a desktop and on a phone,
a participant's feedback and list; each page checked by axe, screenshots in tests/artifacts/."""

from __future__ import annotations

from datetime import timedelta

from app.core.extensions import db, utcnow
from app.participation import services
from tests.browser.axe import audit
from tests.browser.conftest import page, screenshot, sign_in  # noqa: F401 - fixtures
from tests.events.factories import make_event, make_participant, make_track

PHONE = {"width": 390, "height": 844}


def _recent_event(hosted) -> tuple:
    """An event of the host that ended yesterday, so that feedback is open now."""
    today = hosted.event.local(utcnow()).date()
    event = make_event(
        hosted.event.institution,
        title="Staff Training Days — Ærø & Łódź edition",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=1),
        meeting_at=utcnow() - timedelta(days=20),
        meeting_url="https://meet.example/prep",
    )
    tracks = [make_track(event), make_track(event, "Transforming learning environments")]
    people = []
    for n, (name, country, consent) in enumerate(
        (
            ("Łucja Łódź-Ærø", "PL", True),
            ("Ελένη Παπαδοπούλου", "GR", True),
            ("陈静", "CN", False),
            ("María-José Fernández de la Torre y Villanueva", "ES", True),
            ("<script>alert(1)</script>", "DE", True),
        )
    ):
        application, token = make_participant(
            tracks[n % 2],
            f"p{n}@uni.example",
            name=name,
            country=country,
            list_consent=consent,
            institution_name="Universidad Complutense de Madrid"
            if country == "ES"
            else f"University {n}",
        )
        people.append((application, token))
    event.list_shared = True
    services.mark_attendance(people[0][0], event.starts_on, True, "t", utcnow())
    services.mark_attendance(people[1][0], event.starts_on, True, "t", utcnow())
    db.session.commit()
    return event, people


def test_the_organiser_checks_people_in_on_a_phone(server, hosted, page):  # noqa: F811
    event, people = _recent_event(hosted)
    base = f"{server}/institutions/{hosted.slug}/events/{event.id}"
    sign_in(page, server, "organiser@a.example")

    page.goto(f"{base}/participants")
    audit(page)
    assert page.get_by_role("cell", name="Universidad Complutense de Madrid").count() == 1
    screenshot(page, "participation-participants")

    page.goto(f"{base}/checkin/{event.starts_on.isoformat()}")
    audit(page)
    screenshot(page, "participation-checkin")
    page.set_viewport_size(PHONE)
    row = page.locator(f"#p-{people[2][0].id}")
    row.get_by_role("button", name="Mark present").click()
    page.wait_for_load_state()
    audit(page)
    assert page.locator(f"#p-{people[2][0].id}.present").count() == 1
    assert "3 of 5 present" in page.inner_text(".checkin-count")
    # Nothing overflows a phone's width, and each button is a thumb's size.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator(".checkin-row button").first.bounding_box()
    assert box["height"] >= 44
    screenshot(page, "participation-checkin-phone")
    page.goto(f"{base}/participants")
    screenshot(page, "participation-participants-phone")
    page.goto(f"{base}/feedback")
    audit(page)
    screenshot(page, "participation-feedback-summary-phone")
    db.session.rollback()  # read what the server's requests committed
    assert services.days_attended(people[2][0]) == [event.starts_on]


def test_a_participant_gives_feedback_and_sees_the_list_on_a_phone(server, hosted, page):  # noqa: F811
    _event, people = _recent_event(hosted)
    page.set_viewport_size(PHONE)
    token = people[0][1]
    page.goto(f"{server}/applications/{token}")
    audit(page)
    assert page.get_by_role("heading", name="Taking part").count() == 1
    screenshot(page, "participation-own-page-phone")
    page.get_by_role("link", name="See who else takes part").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/applications/{token}/participants")
    audit(page)
    assert page.get_by_role("rowheader", name="陈静").count() == 0
    assert page.get_by_role("rowheader", name="<script>alert(1)</script>").count() == 1
    screenshot(page, "participation-directory-phone")

    page.goto(f"{server}/applications/{token}/feedback")
    audit(page)
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state()
    audit(page)
    assert page.locator(".field-error").count() == 2
    screenshot(page, "participation-feedback-errors-phone")
    page.get_by_role("group", name="How was the event as a whole?").get_by_label(
        "5, excellent"
    ).check()
    page.get_by_role("group", name="How was your track?").get_by_label("4, very good").check()
    page.get_by_label("What will you change at home after the event?").fill(
        "A buddy programme for incoming staff, as Helsinki runs it."
    )
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_role("status").first.inner_text().startswith("Thank you")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "participation-feedback-phone")
    db.session.rollback()
    assert services.feedback_of(people[0][0]).overall == 5


def test_check_in_and_feedback_read_in_finnish_and_swedish_on_a_phone(
    server,
    hosted,
    page,  # noqa: F811 - the fixture
    catalogues,
):
    event, people = _recent_event(hosted)
    page.set_viewport_size(PHONE)
    sign_in(page, server, "organiser@a.example")
    for language, mark in (("fi", "Kirjaa läsnäolo"), ("sv", "Registrera närvaro")):
        page.set_extra_http_headers({"Accept-Language": language})
        page.goto(f"{server}/applications/{people[1][1]}/feedback")
        audit(page)
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"participation-feedback-phone-{language}")
        page.goto(f"{server}/institutions/{hosted.slug}/events/{event.id}/checkin")
        audit(page)
        assert page.locator(".checkin-row button").first.inner_text().startswith(mark)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"participation-checkin-phone-{language}")
