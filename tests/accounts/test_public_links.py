"""Absolute links come from PUBLIC_BASE_URL, never from the request's Host header.

A caller chooses the Host header: a link built from it would carry a password reset token,
an invitation or an API address to a host of the caller's choice. Every request here names
evil.example, and nothing that comes back (emails, pages, JSON, the calendar feed) may.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from app.accounts import services as accounts
from app.core.extensions import db
from app.mail.models import OutboxMessage
from app.planner.models import Activity
from tests.conftest import PASSWORD

EVIL = "http://evil.example"


def links_in(recipient: str) -> list[str]:
    """Return every address in the emails to someone."""
    bodies = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
    )
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def test_a_reset_asked_for_with_another_host_mails_a_link_on_the_public_address(app, make_user):
    make_user("ana@example.org")
    client = app.test_client()
    response = client.post("/password/forgot", data={"email": "ana@example.org"}, base_url=EVIL)
    assert response.status_code == 302
    links = links_in("ana@example.org")
    assert len(links) == 1
    assert links[0].startswith(app.config["PUBLIC_BASE_URL"] + "/password/reset/")


def test_an_invitation_sent_through_another_host_links_to_the_public_address(
    app, make_user, make_institution
):
    make_institution("uni-a")
    make_user("boss@example.org", institution=make_institution("uni-b"), role="manager")
    client = app.test_client()
    client.post("/login", data={"email": "boss@example.org", "password": PASSWORD}, base_url=EVIL)
    response = client.post(
        "/institutions/uni-b/invitations",
        data={"email": "new@example.org", "role": "viewer"},
        base_url=EVIL,
    )
    assert response.status_code == 302
    links = links_in("new@example.org")
    assert len(links) == 1
    assert links[0].startswith(app.config["PUBLIC_BASE_URL"] + "/invitations/")


def test_no_page_json_or_feed_echoes_the_host(app, two_institutions, make_practice):
    people, ids = two_institutions
    make_practice()
    db.session.get(Activity, ids["activity"]).start_date = date(2027, 3, 1)  # a feed event
    _, secret = accounts.create_api_token(people["manager"], "links", 30)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    client.post("/login", data={"email": "manager@a.example", "password": PASSWORD}, base_url=EVIL)
    plan, activity = ids["plan"], ids["activity"]
    answers = {
        "plan page": client.get(f"/plans/{plan}", base_url=EVIL),
        "practices API": client.get("/api/v1/practices", base_url=EVIL),
        "practice API": client.get("/api/v1/practices/peer-learning-circle", base_url=EVIL),
        "plans API": client.get("/api/v1/plans", headers=bearer, base_url=EVIL),
        "plan API": client.get(f"/api/v1/plans/{plan}", headers=bearer, base_url=EVIL),
        "activities API": client.get(
            f"/api/v1/plans/{plan}/activities", headers=bearer, base_url=EVIL
        ),
        "activity API": client.get(
            f"/api/v1/plans/{plan}/activities/{activity}", headers=bearer, base_url=EVIL
        ),
        "feed": app.test_client().get(f"/plans/feed/{ids['feed']}.ics", base_url=EVIL),
    }
    for name, response in answers.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        assert "evil.example" not in text, name
    public = app.config["PUBLIC_BASE_URL"]
    assert f"{public}/api/v1/plans/{plan}" in answers["plan API"].get_data(as_text=True)
    assert f"{public}/plans/{plan}" in answers["plan API"].get_data(as_text=True)
    assert f"{public}/practices/peer-learning-circle" in answers["practices API"].get_data(
        as_text=True
    )
    assert "@127.0.0.1" in answers["feed"].get_data(as_text=True)  # the UIDs' domain
