"""Markup typed into every text of selecting reaches the pages as text, never as markup."""

from __future__ import annotations

from flask import render_template
from freezegun import freeze_time

from app.core.extensions import db
from app.selection import decisions
from tests.conftest import login
from tests.events.factories import AFTER, make_criterion, make_review
from tests.html_safety import unsafe_parts
from tests.selection.conftest import apply, apply_with_token

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
)
HOSTILE = " ".join(PAYLOADS)


def _safe(page: str) -> None:
    for payload in PAYLOADS:
        assert payload not in page
    # The page's own forms and script element are expected; nothing else that runs.
    assert unsafe_parts(page, ("form", "script")) == []
    assert page.count("<script") == 1  # base.html's app.js only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_comments_criteria_and_applicants_are_escaped(client, scene):
    criterion = make_criterion(scene.event, HOSTILE, weight=2)
    criterion.description = HOSTILE
    db.session.commit()
    application = apply(
        scene.mobility,
        "x@uni.example",
        name=HOSTILE[:200],
        institution_name=HOSTILE[:200],
        current_role=HOSTILE[:200],
        background=HOSTILE,
        networks=[HOSTILE[:100]],
        country="DE",
    )
    make_review(application, scene.member, {scene.fit: 3, criterion: 4}, comment=HOSTILE)
    login(client, scene.organiser.email)
    base = f"/institutions/uni-a/events/{scene.event.id}"
    for path in (
        "/rubric",
        f"/rubric/{criterion.id}",
        "/review",
        f"/review/{application.id}",
        "/selection",
    ):
        response = client.get(base + path)
        assert response.status_code == 200, path
        _safe(response.get_data(as_text=True))


def test_email_texts_are_escaped_on_the_templates_page_and_in_the_offer(client, app, scene):
    login(client, scene.organiser.email)
    url = f"/institutions/uni-a/events/{scene.event.id}/templates"
    client.post(
        url, data={"kind": "accepted", "language": "en", "subject": HOSTILE, "body": HOSTILE}
    )
    _safe(client.get(url).get_data(as_text=True))
    application, token = apply_with_token(scene.teaching, "y@uni.example", decision="accepted")
    scene.event.title = HOSTILE[:200]
    db.session.commit()
    decisions.send_decisions(scene.event, AFTER)
    db.session.commit()
    with app.test_request_context(), freeze_time(AFTER):
        fragment = render_template(
            "selection/_applicant_offer.html",
            event=scene.event,
            application=application,
            token=token,
            now=AFTER,
        )
    for payload in PAYLOADS:
        assert payload not in fragment
    assert unsafe_parts(fragment, ("form",)) == []
