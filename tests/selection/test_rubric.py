"""The rubric page: criteria added, changed, moved, removed, bounded; only for organisers."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.events.models import CRITERIA_MAX, RubricCriterion
from tests.conftest import login
from tests.events.factories import make_criterion


def _url(scene, tail: str = "") -> str:
    return f"/institutions/uni-a/events/{scene.event.id}/rubric{tail}"


def _titles(scene) -> list[str]:
    db.session.expire_all()
    return [
        c.title
        for c in db.session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.event_id == scene.event.id)
            .order_by(RubricCriterion.position)
        )
    ]


def test_an_organiser_adds_edits_moves_and_removes_criteria(client, scene):
    login(client, scene.organiser.email)
    response = client.post(
        _url(scene),
        data={"title": "Network role", "description": "Active in a network", "weight": "2"},
    )
    assert response.status_code == 302
    assert _titles(scene) == ["Fit with the track", "Motivation", "Network role"]
    added = db.session.scalar(
        select(RubricCriterion).where(RubricCriterion.title == "Network role")
    )
    assert added.weight == 2 and added.description == "Active in a network"

    assert (
        client.post(_url(scene, f"/{added.id}/move"), data={"direction": "up"}).status_code == 302
    )
    assert _titles(scene) == ["Fit with the track", "Network role", "Motivation"]

    response = client.post(
        _url(scene, f"/{added.id}"), data={"title": "Network roles", "weight": "10"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RubricCriterion, added.id).weight == 10

    assert client.post(_url(scene, f"/{scene.motivation.id}/remove")).status_code == 302
    assert _titles(scene) == ["Fit with the track", "Network roles"]
    page = client.get(_url(scene)).get_data(as_text=True)
    assert "Network roles" in page and "Motivation" not in page


def test_a_weight_outside_1_to_10_is_refused_with_the_form_kept(client, scene):
    login(client, scene.organiser.email)
    for weight in ("0", "11", "two", ""):
        response = client.post(_url(scene), data={"title": "Kept title", "weight": weight})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "A weight is a whole number from 1 to 10." in page and "Kept title" in page
    assert "Kept title" not in _titles(scene)


def test_the_rubric_is_bounded(client, scene):
    for n in range(CRITERIA_MAX - 2):
        make_criterion(scene.event, f"Criterion {n}")
    login(client, scene.organiser.email)
    response = client.post(_url(scene), data={"title": "One too many", "weight": "1"})
    assert response.status_code == 422
    assert len(_titles(scene)) == CRITERIA_MAX


def test_only_organisers_reach_the_rubric(client, scene):
    login(client, scene.member.email)
    assert client.get(_url(scene)).status_code == 403
    assert client.post(_url(scene), data={"title": "x", "weight": "1"}).status_code == 403
    client.post("/logout")
    login(client, scene.outsider.email)
    assert client.get(_url(scene)).status_code == 404
    assert client.post(_url(scene, f"/{scene.fit.id}/remove")).status_code == 404
    assert len(_titles(scene)) == 2


def test_a_criterion_of_another_event_is_not_found(client, scene, make_institution):
    from tests.events.factories import make_event

    elsewhere = make_event(scene.host, title="Another event")
    foreign = make_criterion(elsewhere, "Foreign")
    login(client, scene.organiser.email)
    assert client.get(_url(scene, f"/{foreign.id}")).status_code == 404
    assert client.post(_url(scene, f"/{foreign.id}/remove")).status_code == 404
