"""The event pages in Finnish and Swedish, read with this part's catalogues compiled for the
test (the lead merges them into the app's)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from tests.conftest import login
from tests.events.factories import DURING, OPENS, make_event, make_track


@pytest.mark.parametrize(
    ("language", "before", "during"),
    [
        (
            "fi",
            "Hakuaika alkaa 14. tammikuuta 2026",
            "Hakuaika on käynnissä 13. helmikuuta 2026 klo 24.00",
        ),
        (
            "sv",
            "Ansökningstiden öppnar 14 januari 2026",
            "Ansökningstiden pågår till 13 februari 2026 kl. 24.00",
        ),
    ],
)
def test_the_call_speaks_the_reader_language(client, people, catalogues, language, before, during):
    event = make_event(people["host"])
    make_track(event)
    headers = {"Accept-Language": language}
    with freeze_time(OPENS.replace(hour=21)):
        page = client.get(f"/events/{event.id}", headers=headers).get_data(as_text=True)
    assert before in page
    with freeze_time(DURING):
        page = client.get(f"/events/{event.id}", headers=headers).get_data(as_text=True)
    assert during in page
    assert ("Linjat" if language == "fi" else "Spår") in page


def test_the_organiser_pages_in_finnish(client, people, catalogues):
    event = make_event(people["host"])
    track = make_track(event)
    people["manager"].language = "fi"
    from app.core.extensions import db

    db.session.commit()
    login(client, "manager@a.example")
    base = f"/institutions/uni-a/events/{event.id}"
    assert "Julkaise haku" not in client.get(base).get_data(as_text=True)  # published already
    assert "Palauta luonnokseksi" in client.get(base).get_data(as_text=True)
    assert "Lisää linja" in client.get(f"{base}/tracks").get_data(as_text=True)
    page = client.post(
        f"{base}/tracks/{track.id}/questions",
        data={"kind": "one_choice", "prompt": "Q", "choices": "A"},
    )
    assert "Anna vähintään 2 vaihtoehtoa" in page.get_data(as_text=True)
