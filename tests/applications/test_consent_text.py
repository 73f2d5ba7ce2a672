"""The event's own consent text: written in the event editor, shown above the consent box,
kept with each application as its applicant agreed to it, and unchanged by a later edit."""

from __future__ import annotations

import re

from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import Application, consent_digest_of
from app.core.extensions import db
from app.events.models import CONSENT_MAX
from tests.applications.conftest import form_of
from tests.conftest import login
from tests.events.factories import DURING, make_applicant
from tests.events.test_organiser import event_form

FIRST = "We keep your data **until 2027**. <script>alert(1)</script>"
SECOND = "We keep your data until 2030 and share it with our partners."


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'name="{name}"[^>]*value="([^"]*)"', page
    )
    assert found, name
    return found.group(1)


def edit_consent(client, event, text: str):
    """Save the event's consent text through the event editor, as its organiser."""
    return client.post(
        f"/institutions/helsinki/events/{event.id}/edit",
        data=event_form(consent_text=text, version=str(event.version)),
    )


def organiser(make_user, call):
    return make_user(
        "organiser@helsinki.fi", institution=call.event.institution, role="event_organiser"
    )


def the_application() -> Application:
    db.session.expire_all()
    return db.session.scalars(select(Application)).one()


def apply_from_page(client, call, token, **overrides):
    """Load the form, then send it with what the page carried (the shown text's digest)."""
    page = client.get(f"/applications/{token}").get_data(as_text=True)
    data = form_of(call, consent_shown=hidden(page, "consent_shown"), **overrides)
    return page, client.post(f"/applications/{token}", data=data)


def test_the_applicant_sees_the_text_above_the_consent_box_sanitised(client, call):
    call.event.consent_text = FIRST
    db.session.commit()
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert "<strong>until 2027</strong>" in page
    assert "<script>alert(1)" not in page
    assert page.index("until 2027") < page.index('name="consent"')


def test_the_application_keeps_the_text_agreed_to_after_the_organiser_edits_it(
    client, call, make_user
):
    call.event.consent_text = FIRST
    db.session.commit()
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        _, response = apply_from_page(client, call, token)
        assert response.status_code == 302
        agreed = the_application()
        assert agreed.consent_text == FIRST
        assert agreed.consent_digest == consent_digest_of(FIRST)
        agreed_at = agreed.consent_at

        login(client, organiser(make_user, call).email)
        assert edit_consent(client, call.event, SECOND).status_code == 302
        assert call.event.consent_text == SECOND
        application = the_application()
        assert (application.consent_text, application.consent_at) == (FIRST, agreed_at)

        review = client.get(
            f"/institutions/helsinki/events/{call.event.id}/review/{application.id}"
        ).get_data(as_text=True)
    assert "<strong>until 2027</strong>" in review
    assert "share it with our partners" not in review
    assert "The event's text has changed since." in review


def test_a_text_changed_while_the_form_was_open_is_not_taken_as_agreed(client, call):
    call.event.consent_text = FIRST
    db.session.commit()
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        call.event.consent_text = SECOND
        db.session.commit()
        response = client.post(
            f"/applications/{token}",
            data=form_of(call, consent_shown=hidden(page, "consent_shown")),
        )
        assert response.status_code == 400
        shown = response.get_data(as_text=True)
        assert "changed their consent text after this page was loaded" in shown
        assert "share it with our partners" in shown
        assert db.session.scalars(select(Application)).first() is None
        # Agreed again on the page that shows the new text, it is taken.
        response = client.post(
            f"/applications/{token}",
            data=form_of(call, consent_shown=hidden(shown, "consent_shown")),
        )
    assert response.status_code == 302
    assert the_application().consent_text == SECOND


def test_a_change_after_a_new_text_asks_for_the_consent_again(client, call):
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        _, response = apply_from_page(client, call, token)
        assert response.status_code == 302
        assert the_application().consent_text == ""
        call.event.consent_text = SECOND
        db.session.commit()
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        box = re.search(r'<input[^>]*name="consent"[^>]*>', page).group(0)
        assert "checked" not in box
        # ...and says why, above the new text.
        said = page.index("changed this text after you agreed to it")
        assert said < page.index("share it with our partners") < page.index('name="consent"')
        _, response = apply_from_page(client, call, token, based_on="1")
    assert response.status_code == 302
    assert the_application().consent_text == SECOND
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert "changed this text after you agreed to it" not in page  # agreed to as it stands


def test_the_editor_bounds_the_text_with_a_clear_error(client, call, make_user):
    with freeze_time(DURING):
        login(client, organiser(make_user, call).email)
        response = edit_consent(client, call.event, "x" * (CONSENT_MAX + 1))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{CONSENT_MAX:,}" in page or str(CONSENT_MAX) in page
    assert "field-error" in page
    db.session.expire_all()
    assert call.event.consent_text == ""


def test_a_form_sent_without_consent_names_the_box_in_its_summary_as_a_phrase(client, call):
    _, token = make_applicant(call.event)
    data = {key: value for key, value in form_of(call).items() if key != "consent"}
    with freeze_time(DURING):
        page = client.post(f"/applications/{token}", data=data).get_data(as_text=True)
    summary = page.split('role="alert"', 1)[1].split("</ul>", 1)[0]
    assert "to run the event</a>: Your consent is needed to apply." in summary
