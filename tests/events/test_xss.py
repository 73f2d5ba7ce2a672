"""XSS payloads through every text field of an event, a track and a question: nothing that
could run reaches the public call, the list of calls or the organiser's pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.extensions import db
from app.events.models import QuestionKind
from tests.conftest import login
from tests.events.factories import make_event, make_member, make_question, make_track
from tests.html_safety import unsafe_parts

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).resolve().parents[1] / "data" / "xss-payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]
# Single-line fields take a payload each; a spread of the pinned list, every kind of trick.
SAMPLE = PAYLOADS[::18]


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit] or "x"


def _pages(event, track, question) -> list[str]:
    base = f"/institutions/uni-a/events/{event.id}"
    return [
        "/events",
        f"/events/{event.id}",
        "/institutions/uni-a/events",
        base,
        f"{base}/edit",
        f"{base}/tracks",
        f"{base}/tracks/{track.id}/edit",
        f"{base}/tracks/{track.id}/questions",
        f"{base}/tracks/{track.id}/questions/{question.id}/edit",
        f"{base}/committee",
    ]


def _main(page: str) -> str:
    return page.split('<main id="main"')[1].split("</main>")[0]


def test_markdown_and_long_texts_with_every_payload(client, people):
    everything = "\n\n".join(PAYLOADS)
    event = make_event(
        people["host"],
        description=everything,
        programme=everything,
        accommodation=everything,
        audience="\n".join(PAYLOADS)[:2000],
    )
    track = make_track(event, target_group="\n".join(PAYLOADS)[:2000])
    question = make_question(track, help="\n".join(PAYLOADS)[:1000])
    login(client, "manager@a.example")
    for url in _pages(event, track, question):
        response = client.get(url)
        assert response.status_code == 200, url
        assert unsafe_parts(_main(response.get_data(as_text=True)), allowed=("form",)) == [], url


@pytest.mark.parametrize("payload", SAMPLE)
def test_single_line_fields_with_a_payload(client, people, payload):
    line = _one_line(payload, 200)
    event = make_event(people["host"], title=line, place=line, contact_email="x@example.org")
    track = make_track(event, title=line, topics=[line, _one_line(payload[::-1], 200)])
    question = make_question(
        track,
        prompt=_one_line(payload, 500),
        kind=QuestionKind.ONE_CHOICE,
        choices=[line, line + " 2"],
    )
    people["viewer"].name = line
    db.session.commit()
    make_member(track, people["viewer"])
    login(client, "manager@a.example")
    for url in _pages(event, track, question):
        response = client.get(url)
        assert response.status_code == 200, url
        assert unsafe_parts(_main(response.get_data(as_text=True)), allowed=("form",)) == [], url
    public = client.application.test_client()
    for url in ("/events", f"/events/{event.id}"):
        # The listing's own filter form (GET) is the only form allowed there.
        allowed = ("form",) if url == "/events" else ()
        assert unsafe_parts(_main(public.get(url).get_data(as_text=True)), allowed=allowed) == [], (
            url
        )


def test_a_payload_typed_into_the_forms_comes_back_inert(client, people):
    from tests.events.test_organiser import event_form

    payload = "<script>alert(1)</script>"
    login(client, "manager@a.example")
    response = client.post(
        "/institutions/uni-a/events/new",
        data=event_form(
            title=payload, place=payload, description=f"[x](javascript:alert(1)) {payload}"
        ),
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert unsafe_parts(_main(page), allowed=("form",)) == []
