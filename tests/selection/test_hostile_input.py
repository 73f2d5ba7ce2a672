"""Every form of selecting, sent values of every shape: a page or a refusal, never a 5xx."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.selection.conftest import apply, apply_with_token

HOSTILE = [
    "",
    " ",
    "NaN",
    "-1",
    "0",
    "1e400",
    "99999999999999999999999",
    "\x00",
    "line\r\nbreak",
    "\ue000",
    "<script>alert(1)</script>",
    "x" * 30_000,
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_never_break_a_selection_form(client, scene, value):
    application = apply(scene.mobility, "h@uni.example")
    login(client, scene.organiser.email)
    base = f"/institutions/uni-a/events/{scene.event.id}"
    posts = [
        ("/rubric", {"title": value, "description": value, "weight": value}),
        (f"/rubric/{scene.fit.id}", {"title": value, "description": value, "weight": value}),
        (f"/rubric/{scene.fit.id}/move", {"direction": value}),
        (
            f"/review/{application.id}",
            {f"score_{scene.fit.id}": value, f"score_{scene.motivation.id}": "3", "comment": value},
        ),
        (
            f"/selection/tracks/{scene.mobility.id}",
            {f"decision_{application.id}": value, f"rank_{application.id}": value},
        ),
        ("/templates", {"kind": value, "language": value, "subject": value, "body": value}),
        (
            "/templates?kind=declined&language=fi",
            {"kind": "declined", "language": "fi", "subject": value, "body": value},
        ),
    ]
    for path, data in posts:
        response = client.post(base + path, data=data)
        assert response.status_code < 500, (path, response.status_code)
    _, token = apply_with_token(scene.teaching, f"t{len(value)}@uni.example")
    for answer in (value, "confirm", "decline"):
        response = client.post(f"/applications/{token}/place", data={"answer": answer})
        assert response.status_code < 500
    assert (
        client.post(f"/applications/{value or 'x'}/place", data={"answer": "confirm"}).status_code
        < 500
    )
