"""The applicant's own page: the form with the chosen track's questions, all problems at once,
change and withdraw inside the window only, the state after it, and one applicant's link
showing nobody else's application."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import url_for
from freezegun import freeze_time
from sqlalchemy import func, select

from app.applications.models import Answer, Application, ApplicationStatus, Decision
from app.core.extensions import db
from app.institutions.models import Network
from app.mail.models import OutboxMessage
from tests.applications.conftest import form_of
from tests.events.factories import (
    AFTER,
    DURING,
    make_applicant,
    make_application,
    make_event,
    make_track,
)

SECOND = timedelta(seconds=1)


def stored() -> list[Application]:
    db.session.expire_all()
    return list(db.session.scalars(select(Application)))


def answers() -> dict[int, object]:
    return {a.question_id: a.value for a in db.session.scalars(select(Answer))}


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def token(call) -> str:
    return make_applicant(call.event)[1]


def post(client, token, data):
    return client.post(f"/applications/{token}", data=data)


@pytest.mark.parametrize(
    "token", ["not-a-token", "x" * 43, "x" * 5000, "%00", "a/../b", "ä", "'; drop table--"]
)
def test_an_unknown_or_garbage_token_is_not_found(client, call, token):
    make_applicant(call.event)
    assert client.get(f"/applications/{token}").status_code == 404
    assert client.post(f"/applications/{token}", data=form_of(call)).status_code == 404


def test_a_dead_link_says_why_and_leads_to_the_calls(client, call):
    _applicant, old = make_applicant(call.event)
    response = client.get(f"/applications/{old}x")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This link does not open an application." in page
    assert 'href="/events">All calls for staff training events</a>' in page


def test_sending_stores_the_application_and_the_chosen_tracks_answers(
    client, call, token, make_institution
):
    elsewhere = make_institution("uni-elsewhere", name="University of Elsewhere")
    with freeze_time(DURING):
        response = post(client, token, form_of(call, institution_name="  university OF elsewhere "))
    assert response.status_code == 302
    (application,) = stored()
    assert application.track_id == call.first.id
    assert (application.name, application.country) == ("Aino Applicant", "DE")
    assert application.home_institution_id == elsewhere.id
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.consent_at is not None and not application.list_consent
    assert answers() == {
        call.short.id: "Incoming staff",
        call.long.id: "Our welcome week.",
        call.one.id: "UNICA",
        call.several.id: ["Inclusion", "Digital"],
        call.yes_no.id: False,
    }
    (mail,) = mails()
    assert mail.recipient == "applicant@uni.example"
    assert "is received" in mail.subject
    assert f"/applications/{token}" in mail.body


def test_the_home_institution_is_found_by_its_slug_too(client, call, token, make_institution):
    home = make_institution("uni-of-elsewhere", name="Some other name")
    with freeze_time(DURING):
        post(client, token, form_of(call, institution_name="UNI-OF-ELSEWHERE"))
    assert stored()[0].home_institution_id == home.id


def test_only_the_chosen_tracks_questions_are_checked_and_stored(client, call, token):
    data = form_of(
        call,
        track=str(call.second.id),
        shown_track=str(call.second.id),
        **{
            f"q{call.short.id}": "far too long for forty characters " * 3,
            f"q{call.one.id}": "not a choice",
            f"q{call.other.id}": "Newsletter and Instagram",
        },
    )
    with freeze_time(DURING):
        assert post(client, token, data).status_code == 302
    assert stored()[0].track_id == call.second.id
    assert answers() == {call.other.id: "Newsletter and Instagram"}


def test_changing_track_drops_the_old_tracks_answers(client, call, token):
    with freeze_time(DURING):
        post(client, token, form_of(call))
        data = form_of(
            call,
            based_on="1",
            track=str(call.second.id),
            shown_track=str(call.second.id),
            **{f"q{call.other.id}": "Podcasts"},
        )
        assert post(client, token, data).status_code == 302
    assert answers() == {call.other.id: "Podcasts"}
    assert "is changed" in mails()[-1].subject


def test_choosing_another_track_shows_its_questions_first_and_keeps_what_was_typed(
    client, call, token
):
    data = form_of(call, track=str(call.second.id), name="Kept Name")
    with freeze_time(DURING):
        response = post(client, token, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The questions of the track Communications are now shown" in page
    assert "Which channels do you run?" in page
    assert "Your mobility role in one line" not in page
    assert 'value="Kept Name"' in page
    assert f'name="shown_track" type="hidden" value="{call.second.id}"' in page
    assert stored() == []


def test_the_show_button_shows_a_tracks_questions_without_sending(client, call, token):
    data = form_of(call, track=str(call.second.id), shown_track="", show="Show", submit=None)
    with freeze_time(DURING):
        response = post(client, token, data)
    assert response.status_code == 200
    assert "Which channels do you run?" in response.get_data(as_text=True)
    assert "field-error" not in response.get_data(as_text=True)
    assert stored() == []


def test_every_problem_is_listed_at_once_and_nothing_typed_is_lost(client, call, token):
    data = form_of(
        call,
        name="",
        current_role="Coordinator",
        country="XX",
        consent=None,
        **{
            f"q{call.short.id}": "Forty-one characters, one more than allowed",
            f"q{call.long.id}": "",
            f"q{call.one.id}": "Another network",
            f"q{call.several.id}": ["Inclusion", "Smuggled"],
            f"q{call.yes_no.id}": None,
        },
    )
    with freeze_time(DURING):
        response = post(client, token, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    errors = page.count('class="field-error"')
    assert errors == 8, page  # name, country, consent and five questions
    assert "Field cannot be longer than 40 characters." in page
    assert "Your consent is needed to apply." in page
    assert page.count("Choose among the options offered.") >= 3
    assert 'value="Coordinator"' in page
    assert "Forty-one characters, one more than allowed" in page
    assert f'checked id="q{call.several.id}-1"' in page  # Inclusion stays ticked
    assert "Please correct these problems:" in page
    assert stored() == [] and mails() == []


def test_networks_come_from_the_known_list_and_typed_lines_bounded(client, call, token):
    db.session.add(Network(slug="una-europa", name="Una Europa", kind="alliance"))
    db.session.commit()
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
        assert 'value="Una Europa"' in page
        too_many = "\n".join(f"Network {n}" for n in range(25))
        response = post(
            client, token, form_of(call, networks="Una Europa", other_networks=too_many)
        )
        assert response.status_code == 400
        assert "Give at most 20 networks." in response.get_data(as_text=True)
        too_long = post(client, token, form_of(call, other_networks="N" * 101))
        assert "at most 100 characters" in too_long.get_data(as_text=True)
        smuggled = post(client, token, form_of(call, networks="Not known"))
        assert smuggled.status_code == 400
        ok = post(
            client,
            token,
            form_of(call, networks="Una Europa", other_networks="UNICA\n\n UNICA \nArqus"),
        )
    assert ok.status_code == 302
    assert stored()[0].networks == ["Una Europa", "UNICA", "Arqus"]


def test_a_second_choice_is_asked_only_when_the_event_offers_it(client, call, token):
    data = form_of(call, second_track=str(call.second.id))
    with freeze_time(DURING):
        assert "second_track" not in client.get(f"/applications/{token}").get_data(as_text=True)
        post(client, token, data)
        assert stored()[0].second_track_id is None
        call.event.second_choice = True
        db.session.commit()
        same = post(client, token, form_of(call, based_on="1", second_track=str(call.first.id)))
        assert "Choose a different track as your second choice." in same.get_data(as_text=True)
        both = form_of(call, based_on="1", second_track=str(call.second.id))
        assert post(client, token, both).status_code == 302
    assert stored()[0].second_track_id == call.second.id


def test_a_form_behind_the_stored_application_changes_nothing(client, call, token):
    with freeze_time(DURING):
        post(client, token, form_of(call))
        response = post(client, token, form_of(call, name="From an old tab"))  # based_on ""
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "sent or changed meanwhile" in page
    assert 'value="From an old tab"' in page  # kept, and it may be sent again
    assert stored()[0].name == "Aino Applicant"


def test_withdrawing_asks_first_then_withdraws_and_mails(client, call, token):
    with freeze_time(DURING):
        post(client, token, form_of(call))
        asked = post(client, token, {"action": "withdraw"})
        assert asked.status_code == 200
        assert "Withdraw your application?" in asked.get_data(as_text=True)
        assert stored()[0].status == ApplicationStatus.SUBMITTED
        done = post(client, token, {"action": "withdraw-confirmed"})
    assert done.status_code == 302
    (application,) = stored()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.withdrawn_at is not None
    assert "is withdrawn" in mails()[-1].subject
    with freeze_time(DURING):
        again = post(client, token, form_of(call, based_on=str(application.version)))
    assert again.status_code == 302
    assert stored()[0].status == ApplicationStatus.SUBMITTED


def _local(event, *parts: int) -> datetime:
    return event.to_utc(datetime(*parts))


def test_one_second_before_the_close_everything_still_works(client, call, token):
    with freeze_time(_local(call.event, 2026, 2, 14) - SECOND):
        assert post(client, token, form_of(call)).status_code == 302
        assert post(client, token, form_of(call, based_on="1", name="B")).status_code == 302
        assert post(client, token, {"action": "withdraw-confirmed"}).status_code == 302
    assert stored()[0].status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize(
    "data",
    [
        lambda call: form_of(call),
        lambda call: form_of(call, based_on="1", name="Too late"),
        lambda call: {"action": "withdraw"},
        lambda call: {"action": "withdraw-confirmed"},
    ],
)
def test_from_the_closing_second_nothing_is_sent_changed_or_withdrawn(client, call, data):
    application = make_application(call.first)
    _, token = make_applicant(call.event, "late@uni.example")
    before = {a.id: (a.name, a.status, a.version) for a in stored()}
    with freeze_time(_local(call.event, 2026, 2, 14)):
        for link in (token, _token_of(application)):
            response = post(client, link, data(call))
            assert response.status_code == 409
            assert "The application window is closed: nothing was changed." in (
                response.get_data(as_text=True)
            )
    assert {a.id: (a.name, a.status, a.version) for a in stored()} == before
    assert mails() == []


def test_before_the_window_opens_nothing_is_sent(client, call, token):
    with freeze_time(_local(call.event, 2026, 1, 14) - SECOND):
        assert post(client, token, form_of(call)).status_code == 409
        assert 'name="name"' not in client.get(f"/applications/{token}").get_data(as_text=True)
    assert stored() == []


TOKENS: dict[int, str] = {}


def _token_of(application: Application) -> str:
    """A fresh link for an application made by the factory (its token was not kept)."""
    from app.applications.services import issue_link

    link = issue_link(application.applicant)
    db.session.commit()
    return link.rsplit("/", 1)[1]


def test_after_the_close_the_page_shows_the_application_read_only(client, call):
    application = make_application(call.first, name="Read Only")
    token = _token_of(application)
    with freeze_time(AFTER):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert "Read Only" in page and "What you sent" in page
    assert 'name="name"' not in page and "Withdraw my application" not in page
    assert "Not sent yet. You will get the decision by email." in page


def test_no_prepared_decision_shows_before_the_close_or_before_it_is_sent(client, call):
    application = make_application(
        call.first, decision=Decision.ACCEPTED, decided_at=DURING, waiting_rank=None
    )
    token = _token_of(application)
    with freeze_time(DURING):
        during = client.get(f"/applications/{token}").get_data(as_text=True)
    with freeze_time(AFTER):
        prepared = client.get(f"/applications/{token}").get_data(as_text=True)
    # Sent "during the window" by a buggy sender: still hidden until the close.
    application.decision_sent_at = DURING
    call.event.decisions_sent_at = DURING
    db.session.commit()
    with freeze_time(call.event.closes_at - SECOND):
        early = client.get(f"/applications/{token}").get_data(as_text=True)
    with freeze_time(AFTER):
        sent = client.get(f"/applications/{token}").get_data(as_text=True)
    for page in (during, prepared, early):
        assert "Accepted" not in page
    assert "Decisions are made after the application window closes" in during
    assert "<dd>Accepted" in sent


def test_one_applicants_link_never_shows_anothers_application(client, call):
    first = make_application(call.first, "one@uni.example", name="First Person")
    second = make_application(call.second, "two@uni.example", name="Second Person")
    tokens = {_token_of(first): "First Person", _token_of(second): "Second Person"}
    for moment in (DURING, AFTER):
        with freeze_time(moment):
            for token, name in tokens.items():
                page = client.get(f"/applications/{token}").get_data(as_text=True)
                other = ({"First Person", "Second Person"} - {name}).pop()
                assert name in page and other not in page
                assert "one@uni.example" not in page or name == "First Person"


def test_one_applicant_has_one_application(client, call, token):
    with freeze_time(DURING):
        post(client, token, form_of(call))
        post(client, token, form_of(call, based_on="1", name="Changed"))
        post(client, token, form_of(call))  # an old form: refused
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1
    assert stored()[0].name == "Changed"


def test_the_page_makes_as_many_queries_for_many_questions_as_for_few(client, call, count_queries):
    from tests.events.factories import make_question

    def queries() -> int:
        application = make_application(call.first, f"q{len(call.first.questions)}@uni.example")
        token = _token_of(application)
        db.session.expire_all()
        with freeze_time(AFTER), count_queries() as counter:
            assert client.get(f"/applications/{token}").status_code == 200
        return len(counter)

    few = queries()
    for n in range(10):
        make_question(call.first, f"Extra {n}")
        make_question(call.second, f"Other extra {n}")
    assert queries() == few


def test_a_replaced_link_says_why_it_opens_nothing(client, make_institution):
    make_application(make_track(make_event(make_institution("host"))))
    response = client.get("/applications/a-link-of-an-older-email")
    assert response.status_code == 404
    assert "use the link of the latest email" in response.get_data(as_text=True)
    for path in ("/place", "/feedback", "/certificate.pdf", "/participants"):
        method = client.post if path == "/place" else client.get
        answer = method(f"/applications/a-link-of-an-older-email{path}")
        assert answer.status_code == 404, path
        assert "use the link of the latest email" in answer.get_data(as_text=True), path


def test_an_event_takes_no_application_past_its_maximum_and_says_so(client, call, monkeypatch):
    """APPLICATIONS_MAX bounds an event (so sending its decisions stays bounded): the next new
    application is refused with a reason and what was typed is kept; those who applied can
    still change theirs."""
    from app.applications import services

    monkeypatch.setattr(services, "APPLICATIONS_MAX", 2)
    first = make_application(call.first, "one@uni.example", name="First Person")
    make_application(call.first, "two@uni.example", name="Second Person")
    first_token = _token_of(first)
    _applicant, token = make_applicant(call.event, "three@uni.example")
    with freeze_time(DURING):
        response = post(client, token, form_of(call, name="Third Person Ääkkönen"))
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert "as many applications as it can take" in page
        assert 'value="Third Person Ääkkönen"' in page
        assert len(stored()) == 2
        changed = post(client, first_token, form_of(call, based_on="1", name="First Changed"))
    assert changed.status_code == 302
    assert sorted(a.name for a in stored()) == ["First Changed", "Second Person"]


def test_a_withdrawn_application_is_promised_no_decision(client, call, token):
    with freeze_time(DURING):
        post(client, token, form_of(call))
        post(client, token, {"action": "withdraw-confirmed"})
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert "Your application is withdrawn." in page
    assert "you will get an email" not in page
    assert "<dt>Decision</dt>" not in page


def test_after_the_close_the_window_says_when_it_closed(client, call):
    application = make_application(call.first)
    with freeze_time(AFTER):
        page = client.get(f"/applications/{_token_of(application)}").get_data(as_text=True)
    assert "<dt>Closed on</dt>" in page
    assert "<dt>Closes</dt>" not in page


def test_what_was_sent_keeps_the_lines_of_long_texts(client, call):
    application = make_application(call.first, background="First line.\nSecond line.")
    with freeze_time(AFTER):
        page = client.get(f"/applications/{_token_of(application)}").get_data(as_text=True)
    assert '<dd class="keep-lines">First line.\nSecond line.</dd>' in page
    with client.application.test_request_context():
        stylesheet = url_for("static", filename="events.css")  # its versioned address
    assert stylesheet in page  # where keep-lines is drawn


def test_what_was_sent_shows_the_consent_as_it_was_given(client, call):
    application = make_application(
        call.first, consent_text="Photos are *taken* at the event.", consent_digest="x" * 64
    )
    call.first.event.consent_text = "A later text the applicant never saw."
    db.session.commit()
    with freeze_time(AFTER):
        page = client.get(f"/applications/{_token_of(application)}").get_data(as_text=True)
    sent = page[page.index("What you sent") :]
    assert "Agreed on" in sent
    assert "Photos are <em>taken</em> at the event." in sent
    assert "A later text the applicant never saw." not in sent


def test_the_problems_are_listed_in_the_pages_order(client, call, token):
    data = form_of(call, name="", consent=None, **{f"q{call.short.id}": "x" * 41})
    with freeze_time(DURING):
        page = post(client, token, data).get_data(as_text=True)
    start = page.index("Please correct these problems:")
    summary = page[start : page.index("</ul>", start)]
    order = [
        summary.index(label) for label in ("Your name", "Your mobility role in one line", "I agree")
    ]
    assert order == sorted(order)


def test_questions_shown_for_the_first_time_are_not_marked_wrong(client, call, token):
    data = form_of(call, track=str(call.second.id), name="")
    with freeze_time(DURING):
        page = post(client, token, data).get_data(as_text=True)
    assert "The questions of the track Communications are now shown" in page
    assert "Which channels do you run?" in page
    assert f'id="q{call.other.id}-error"' not in page
    assert 'id="name-error"' in page  # the other problems are still said


def test_the_show_button_lands_on_the_tracks_questions(client, call, token):
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert 'formaction="#track-questions"' in page
    assert '<h3 id="track-questions">' in page
    # Sending goes to the page's own address, without the fragment: the problems are on top.
    assert f'<form method="post" action="/applications/{token}" novalidate>' in page


def test_the_consent_says_who_keeps_the_data_and_how_to_have_it_deleted(client, call, token):
    call.event.contact_email = "staffweek@helsinki.example"
    db.session.commit()
    with freeze_time(DURING):
        page = client.get(f"/applications/{token}").get_data(as_text=True)
    assert "University of Helsinki keeps what you send here" in page
    assert "you can have your data deleted from this page" in page
    assert "Questions: staffweek@helsinki.example." in page
