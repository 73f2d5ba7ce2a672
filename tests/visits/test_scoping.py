"""Who sees which visit request: the office all of its own, a unit contact only those routed
to their unit, anyone else (another unit, another institution) a 404. And who edits offers."""

from __future__ import annotations

from freezegun import freeze_time

from app.core.extensions import db
from app.visits.models import VisitUnit
from tests.visits.conftest import BEFORE, as_user, make_request


def _seen(client, host, person, visit) -> tuple[bool, int]:
    as_user(client, person)
    listed = visit.name in client.get(host.url("/requests")).get_data(as_text=True)
    return listed, client.get(host.url(f"/requests/{visit.id}")).status_code


def test_a_unit_contact_sees_only_requests_routed_to_their_unit(client, host):
    visit, _token = make_request(client, host)
    # Not routed yet: the office only.
    assert _seen(client, host, host.people["manager"], visit) == (True, 200)
    assert _seen(client, host, host.people["contact"], visit) == (False, 404)
    with freeze_time(BEFORE):
        as_user(client, host.people["manager"])
        client.post(
            host.url(f"/requests/{visit.id}/route"), data={"unit": host.units["language"].id}
        )
    assert _seen(client, host, host.people["contact"], visit) == (True, 200)
    assert _seen(client, host, host.people["other_contact"], visit) == (False, 404)
    assert _seen(client, host, host.people["viewer"], visit) == (False, 404)
    as_user(client, host.people["outsider"])
    assert client.get(host.url("/requests")).status_code == 404
    assert client.get(host.url(f"/requests/{visit.id}")).status_code == 404
    assert client.get(f"/institutions/uni-b/visits/requests/{visit.id}").status_code == 404


def test_another_unit_cannot_answer_and_a_contact_cannot_route(client, host):
    visit, _token = make_request(client, host)
    with freeze_time(BEFORE):
        as_user(client, host.people["manager"])
        client.post(
            host.url(f"/requests/{visit.id}/route"), data={"unit": host.units["language"].id}
        )
        as_user(client, host.people["other_contact"])
        response = client.post(host.url(f"/requests/{visit.id}/answer"), data={"action": "accept"})
        assert response.status_code == 404
        as_user(client, host.people["contact"])
        response = client.post(
            host.url(f"/requests/{visit.id}/route"), data={"unit": host.units["office"].id}
        )
        assert response.status_code == 403
        # The office reroutes it: the first unit no longer sees it.
        as_user(client, host.people["manager"])
        client.post(host.url(f"/requests/{visit.id}/route"), data={"unit": host.units["office"].id})
    assert _seen(client, host, host.people["contact"], visit) == (False, 404)
    assert _seen(client, host, host.people["other_contact"], visit) == (True, 200)


def test_managers_edit_a_units_offer_and_contacts_among_their_members(client, host):
    unit = host.units["closed"]
    url = host.url(f"/units/{unit.id}")
    as_user(client, host.people["viewer"])
    assert client.get(url).status_code == 403
    as_user(client, host.people["outsider"])
    assert client.get(url).status_code == 404
    as_user(client, host.people["manager"])
    assert client.get(host.url("/units")).status_code == 200
    response = client.post(
        url,
        data={
            "accepts": "y",
            "topics": "learning spaces, libraries, learning spaces",
            "languages": "English",
            "months": ["3", "4"],
            "contacts": [str(host.people["viewer"].id), str(host.people["outsider"].id)],
        },
    )
    assert response.status_code == 400  # the outsider is no choice
    response = client.post(
        url,
        data={
            "accepts": "y",
            "topics": "learning spaces, libraries, learning spaces",
            "languages": "English",
            "months": ["3", "4"],
            "contacts": [str(host.people["viewer"].id)],
        },
    )
    assert response.status_code == 302
    offer = db.session.query(VisitUnit).filter_by(unit_id=unit.id).one()
    db.session.refresh(offer)
    assert offer.accepts_visits and offer.topics == ["learning spaces", "libraries"]
    assert offer.months == [3, 4] and [c.user_id for c in offer.contacts] == [
        host.people["viewer"].id
    ]
    response = client.post(url, data={"topics": ",".join(f"t{n}" for n in range(30))})
    assert response.status_code == 400
    assert "Library" in client.get(host.url()).get_data(as_text=True)
    as_user(client, host.people["outsider"])
    assert client.post(url, data={"accepts": ""}).status_code == 404
