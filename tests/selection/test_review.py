"""Reviewing: who sees which applications (tracks, conflicts of interest), scoring, and the
pages' refusals."""

from __future__ import annotations

from freezegun import freeze_time
from sqlalchemy import select

from app.applications.models import ApplicationStatus
from app.core.extensions import db
from app.selection.models import Review
from tests.conftest import login
from tests.events.factories import AFTER, DURING, make_review
from tests.selection.conftest import apply


def _list(client, scene) -> str:
    response = client.get(f"/institutions/uni-a/events/{scene.event.id}/review")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _review_url(scene, application) -> str:
    return f"/institutions/uni-a/events/{scene.event.id}/review/{application.id}"


def test_a_member_sees_only_the_applications_of_their_tracks(client, scene):
    mine = apply(scene.mobility, "ana@uni.example", name="Ana Mobility")
    theirs = apply(scene.teaching, "ben@uni.example", name="Ben Teaching")
    login(client, scene.member.email)
    page = _list(client, scene)
    assert "Ana Mobility" in page and "Ben Teaching" not in page
    assert client.get(_review_url(scene, mine)).status_code == 200
    assert client.get(_review_url(scene, theirs)).status_code == 404
    assert client.post(_review_url(scene, theirs), data={"comment": "x"}).status_code == 404


def test_organisers_see_every_track(client, scene):
    apply(scene.mobility, "ana@uni.example", name="Ana Mobility")
    apply(scene.teaching, "ben@uni.example", name="Ben Teaching")
    login(client, scene.organiser.email)
    page = _list(client, scene)
    assert "Ana Mobility" in page and "Ben Teaching" in page


def test_a_member_never_sees_nor_reaches_an_applicant_of_their_own_institution(client, scene):
    # The member holds a role in uni-b too: its applicants are someone else's to review.
    colleague = apply(
        scene.mobility,
        "carl@anderswo.de",
        name="Carl Colleague",
        home_institution_id=scene.other.id,
    )
    stranger = apply(scene.mobility, "dora@elsewhere.example", name="Dora Stranger")
    login(client, scene.member.email)
    page = _list(client, scene)
    assert "Carl Colleague" not in page and "Dora Stranger" in page
    assert "1 application of your tracks is left out: a conflict of interest." in page
    assert "You have reviewed 0 of 1 application." in page
    assert client.get(_review_url(scene, colleague)).status_code == 404
    response = client.post(
        _review_url(scene, colleague),
        data={f"score_{scene.fit.id}": "5", f"score_{scene.motivation.id}": "5"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Review).where(Review.application_id == colleague.id)) is None
    assert client.get(_review_url(scene, stranger)).status_code == 200


def test_an_institution_typed_by_name_is_a_conflict_too(client, scene):
    typed = apply(
        scene.mobility,
        "erik@mail.example",
        name="Erik Typed",
        institution_name="universität ANDERSWO",
    )
    login(client, scene.member.email)
    assert "Erik Typed" not in _list(client, scene)
    assert client.get(_review_url(scene, typed)).status_code == 404


def test_an_applicant_of_the_host_is_reviewed_by_nobody(client, scene):
    host_applicant = apply(
        scene.mobility, "hanna@other.example", name="Hanna Host", home_institution_id=scene.host.id
    )
    for person in (scene.member, scene.organiser):
        client.post("/logout")
        login(client, person.email)
        assert "Hanna Host" not in _list(client, scene)
    client.post("/logout")
    login(client, scene.member.email)
    assert client.get(_review_url(scene, host_applicant)).status_code == 404


def test_an_organiser_reads_an_application_they_may_not_score_to_decide_on_it(client, scene):
    """An applicant from the host is scored by nobody: the organiser who decides may read the
    application (linked from the overview), but never score it."""
    host_applicant = apply(
        scene.mobility, "hanna@other.example", name="Hanna Host", home_institution_id=scene.host.id
    )
    login(client, scene.organiser.email)
    overview = client.get(f"/institutions/uni-a/events/{scene.event.id}/selection").text
    assert f'href="{_review_url(scene, host_applicant)}"' in overview
    page = client.get(_review_url(scene, host_applicant)).text
    assert "Hanna Host" in page and "You do not score this application" in page
    assert 'name="comment"' not in page
    response = client.post(
        _review_url(scene, host_applicant),
        data={f"score_{scene.fit.id}": "5", f"score_{scene.motivation.id}": "5"},
    )
    assert response.status_code == 403
    assert (
        db.session.scalar(select(Review).where(Review.application_id == host_applicant.id)) is None
    )


def test_a_shared_email_domain_is_a_conflict_but_a_public_mail_service_is_not(client, scene):
    same = apply(scene.mobility, "ilona@cs.helsinki.fi", name="Ilona Domain")
    apply(scene.mobility, "jari@gmail.com", name="Jari Public")
    login(client, scene.member.email)
    page = _list(client, scene)
    assert "Ilona Domain" not in page and "Jari Public" in page
    assert client.get(_review_url(scene, same)).status_code == 404


def test_withdrawn_applications_are_not_reviewed(client, scene):
    gone = apply(
        scene.mobility, "kim@uni.example", name="Kim Gone", status=ApplicationStatus.WITHDRAWN
    )
    login(client, scene.member.email)
    assert "Kim Gone" not in _list(client, scene)
    assert client.get(_review_url(scene, gone)).status_code == 404


def test_people_off_the_committee_are_refused(client, scene):
    application = apply(scene.mobility, "lea@uni.example")
    login(client, scene.bystander.email)
    assert client.get(f"/institutions/uni-a/events/{scene.event.id}/review").status_code == 403
    assert client.get(_review_url(scene, application)).status_code == 403
    client.post("/logout")
    login(client, scene.outsider.email)
    assert client.get(f"/institutions/uni-a/events/{scene.event.id}/review").status_code == 404
    assert client.get(_review_url(scene, application)).status_code == 404
    # Another institution's address for the same event: as if it did not exist.
    client.post("/logout")
    login(client, scene.member.email)
    assert client.get(f"/institutions/uni-b/events/{scene.event.id}/review").status_code == 404


def test_anonymous_callers_are_sent_to_sign_in(client, scene):
    response = client.get(f"/institutions/uni-a/events/{scene.event.id}/review")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_review_is_saved_during_and_after_the_window(client, scene):
    application = apply(scene.mobility, "mia@uni.example")
    for moment, (fit, motivation) in ((DURING, (5, 1)), (AFTER, (4, 4))):
        with freeze_time(moment):
            client.post("/logout")
            login(client, scene.member.email)
            response = client.post(
                _review_url(scene, application),
                data={
                    f"score_{scene.fit.id}": str(fit),
                    f"score_{scene.motivation.id}": str(motivation),
                    "comment": "Strong network experience.",
                },
            )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/review")
    review = db.session.scalar(select(Review).where(Review.application_id == application.id))
    db.session.refresh(review)
    assert sorted(s.value for s in review.scores) == [4, 4]
    client.post("/logout")
    login(client, scene.member.email)
    page = client.get(_review_url(scene, application)).get_data(as_text=True)
    assert "4.00" in page  # the weighted mean of the member's own review


def test_once_the_decisions_are_sent_a_review_is_read_not_changed(client, scene):
    application = apply(scene.mobility, "uno@uni.example")
    make_review(application, scene.member, {scene.fit: 3, scene.motivation: 3}, "Fine")
    scene.event.decisions_sent_at = AFTER
    db.session.commit()
    with freeze_time(AFTER):
        login(client, scene.member.email)
        page = client.get(_review_url(scene, application)).get_data(as_text=True)
        assert "reviews can no longer be changed" in page and 'name="comment"' not in page
        response = client.post(
            _review_url(scene, application),
            data={
                f"score_{scene.fit.id}": "5",
                f"score_{scene.motivation.id}": "5",
                "comment": "x",
            },
        )
    assert response.status_code == 303
    review = db.session.scalar(select(Review).where(Review.application_id == application.id))
    db.session.refresh(review)
    assert sorted(s.value for s in review.scores) == [3, 3] and review.comment == "Fine"


def test_every_criterion_must_be_scored_from_1_to_5(client, scene):
    application = apply(scene.mobility, "nea@uni.example")
    login(client, scene.member.email)
    response = client.post(
        _review_url(scene, application), data={f"score_{scene.fit.id}": "6", "comment": ""}
    )
    assert response.status_code == 422
    assert "Choose a score from 1 to 5." in response.get_data(as_text=True)
    assert db.session.scalar(select(Review)) is None


def test_organisers_read_every_review_and_members_only_their_own(client, scene):
    application = apply(scene.mobility, "ola@uni.example")
    make_review(
        application, scene.teaching_member, {scene.fit: 2, scene.motivation: 2}, "Too junior"
    )
    login(client, scene.member.email)
    assert "Too junior" not in client.get(_review_url(scene, application)).get_data(as_text=True)
    client.post("/logout")
    login(client, scene.organiser.email)
    page = client.get(_review_url(scene, application)).get_data(as_text=True)
    assert "Too junior" in page and "2.00" in page
    assert "Fit with the track 2 · Motivation 2" in page
