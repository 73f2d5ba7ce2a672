"""Places under concurrent answers through a real threaded server (two real connections and
more): a track never has more confirmed, nor more offered and confirmed, than its places."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from app.applications.models import Application, PlaceStatus
from app.core.extensions import db, utcnow
from app.events.models import Track
from tests.events.factories import AFTER
from tests.selection.conftest import apply_with_token, happening_later

CLIENTS = 8


def _post(url: str, answer: str) -> int:
    data = urllib.parse.urlencode({"answer": answer, "sure": "yes"}).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    # Not followed: the answer's redirect is enough.
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _offered(
    scene, count: int, decision: str = "accepted", **extra
) -> list[tuple[Application, str]]:
    """Add applications whose decision was sent, each with an open offer unless told."""
    made = []
    for n in range(count):
        application, token = apply_with_token(
            scene.mobility, f"person{n}@uni.example", name=f"Person {n}", decision=decision
        )
        application.decision_sent_at = AFTER
        if decision == "accepted":
            application.place = PlaceStatus.OFFERED
            application.offered_at = AFTER
            application.offer_deadline = utcnow() + timedelta(days=7)
        for key, value in extra.items():
            setattr(application, key, value)
        made.append((application, token))
    scene.event.decisions_sent_at = AFTER
    db.session.commit()
    return made


def _count(scene, *places: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.track_id == scene.mobility.id, Application.place.in_(places))
    )


def _all_at_once(server: str, tokens: list[str], answer: str) -> list[int]:
    barrier = threading.Barrier(len(tokens))

    def go(token: str) -> int:
        barrier.wait()
        return _post(f"{server}/applications/{token}/place", answer)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(go, tokens))


def test_confirmations_at_the_same_instant_never_exceed_the_capacity(server, scene):
    # Eight offers for two places (the organiser lowered the capacity after sending): all
    # eight confirm at once, two get the places.
    happening_later(scene)
    offered = _offered(scene, CLIENTS)
    statuses = _all_at_once(server, [token for _, token in offered], "confirm")
    assert set(statuses) == {302}, statuses
    assert _count(scene, PlaceStatus.CONFIRMED) == scene.mobility.capacity == 2
    track = db.session.get(Track, scene.mobility.id)
    # Each confirmation bumped it under the lock; a refused one rolled back and changed nothing.
    assert track.seats_version == 2


def test_declines_at_the_same_instant_promote_each_place_once(server, scene):
    happening_later(scene)
    accepted = _offered(scene, 2)
    waiting = []
    for n in range(CLIENTS):
        application, _ = apply_with_token(
            scene.mobility, f"wait{n}@uni.example", decision="waiting_list", waiting_rank=n + 1
        )
        application.decision_sent_at = AFTER
        waiting.append(application)
    db.session.commit()
    statuses = _all_at_once(server, [token for _, token in accepted], "decline")
    assert set(statuses) == {302}
    assert _count(scene, PlaceStatus.DECLINED) == 2
    assert _count(scene, PlaceStatus.OFFERED, PlaceStatus.CONFIRMED) == 2
    promoted = [
        a for a in waiting if db.session.get(Application, a.id).place == PlaceStatus.OFFERED
    ]
    assert [a.email for a in promoted] == ["wait0@uni.example", "wait1@uni.example"]
    remaining = sorted(db.session.get(Application, a.id).waiting_rank for a in waiting[2:])
    assert remaining == list(range(1, CLIENTS - 1))
