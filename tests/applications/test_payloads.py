"""Hostile input: script through every text field and every kind of question (what the
applicant types and what the organiser wrote), and bodies no form sends (wrong types, repeated
fields, huge values, garbage), none of which may run or answer 5xx."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import Application
from app.applications.services import issue_link
from app.core.extensions import db
from app.events.models import QuestionKind
from tests.applications.conftest import form_of
from tests.events.factories import AFTER, DURING, make_applicant, make_question, make_track
from tests.html_safety import unsafe_parts


def main(page: str) -> str:
    """Return the page's main element: the base layout's own script is not the payload's."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
XSS_LINE = "<svg onload=alert(3)>"  # one line, for single-line fields


def test_script_through_every_field_and_question_kind_never_runs(client, call):
    track = make_track(call.event, f"Track {XSS}")
    questions = {
        kind: make_question(
            track,
            f"{kind} {XSS}",
            kind=kind,
            help=f"Help {XSS}",
            choices=[XSS, XSS_LINE] if "choice" in kind else [],
        )
        for kind in QuestionKind
    }
    _applicant, token = make_applicant(call.event)
    answers = {
        QuestionKind.SHORT_TEXT: XSS_LINE,
        QuestionKind.LONG_TEXT: XSS,
        QuestionKind.ONE_CHOICE: XSS,
        QuestionKind.SEVERAL_CHOICES: [XSS, XSS_LINE],
        QuestionKind.YES_NO: "yes",
    }
    data = form_of(
        call,
        track=str(track.id),
        shown_track=str(track.id),
        name=XSS_LINE,
        current_role=XSS_LINE,
        institution_name=XSS_LINE,
        background=XSS,
        other_networks=f"{XSS_LINE}\n{XSS}",
        **{f"q{q.id}": answers[kind] for kind, q in questions.items()},
    )
    with freeze_time(DURING):
        assert client.post(f"/applications/{token}", data=data).status_code == 302
        pages = [client.get(f"/applications/{token}").get_data(as_text=True)]
        # An error page shows everything typed again.
        bad = client.post(f"/applications/{token}", data={**data, "name": ""})
        pages.append(bad.get_data(as_text=True))
    with freeze_time(AFTER):
        pages.append(client.get(f"/applications/{token}").get_data(as_text=True))
    application = db.session.scalar(select(Application))
    assert application.name == XSS_LINE and len(application.answers) == 5
    for page in pages:
        assert unsafe_parts(main(page), allowed=("form",)) == []
        assert "&lt;script&gt;" in page or "&lt;svg" in page


def test_the_request_page_escapes_the_events_title(client, call):
    call.event.title = XSS
    db.session.commit()
    with freeze_time(DURING):
        page = client.get(f"/events/{call.event.id}/apply").get_data(as_text=True)
    assert unsafe_parts(main(page), allowed=("form",)) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"track": "abc", "shown_track": "abc"},
        {"track": "99999999999999999999", "based_on": "-1"},
        {"track": ["1", "2"], "name": ["a", "b"], "country": ["FI", "SE"]},
        {"country": "fi", "consent": "maybe"},
        {"q1": ["x"] * 1000, "q4": ["Inclusion"] * 1000},
        {"name": "x" * 100_000, "background": "y" * 1_000_000},
        {"name": "nul\x00byte", "background": "bell\x07"},
        {"action": "nonsense"},
        {"action": ["withdraw", "erase"]},
        {"based_on": "１２", "shown_track": "٣"},
        {"other_networks": "\n".join("n" for _ in range(10_000))},
    ],
)
def test_no_body_makes_the_page_fail(client, call, data):
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        response = client.post(f"/applications/{token}", data={**form_of(call), **data})
        assert response.status_code < 500
        plain = client.post(f"/applications/{token}", data=data)
        assert plain.status_code < 500


def test_nothing_invalid_is_stored_from_hostile_bodies(client, call):
    _, token = make_applicant(call.event)
    with freeze_time(DURING):
        for data in (
            {"name": "x" * 201},
            {"country": "XX"},
            {"name": "line\nbreak"},
            {"background": "nul\x00"},
            {f"q{call.several.id}": ["Inclusion", "Not offered"]},
        ):
            assert (
                client.post(f"/applications/{token}", data=form_of(call, **data)).status_code == 400
            )
    assert db.session.scalar(select(Application)) is None


def test_a_huge_body_is_refused_before_it_is_read(client, call):
    _, token = make_applicant(call.event)
    client.application.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    with freeze_time(DURING):
        response = client.post(f"/applications/{token}", data={"name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_a_link_made_for_other_emails_opens_the_same_page(client, call):
    applicant, old = make_applicant(call.event)
    link = issue_link(applicant)
    db.session.commit()
    assert link.startswith("http://127.0.0.1:5000/applications/")
    with freeze_time(DURING):
        assert client.get(f"/applications/{old}").status_code == 404
        assert client.get(link.removeprefix("http://127.0.0.1:5000")).status_code == 200
