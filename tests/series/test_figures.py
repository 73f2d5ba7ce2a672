"""The series page shows every edition's figures side by side, counted from each host's
records as the plan's indicators count them."""

from __future__ import annotations

import re
from datetime import date

from app.core.extensions import db
from app.participation.models import Attendance, Feedback
from app.series import services
from tests.conftest import login
from tests.events.factories import make_application, make_participant


def _cells(page: str, title: str) -> list[str]:
    row = page[page.index(title) :]
    row = row[: row.index("</tr>")]
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def test_every_editions_figures_stand_side_by_side(client, network_people, make_series):
    a, b = network_people["uni-a"], network_people["uni-b"]
    series = make_series(a, b)
    services.add_track(series, title="Advising", capacity=12)
    db.session.commit()
    first = services.create_edition(
        series,
        centralised=False,
        title="Spring edition",
        starts_on=date(2026, 5, 6),
        ends_on=date(2026, 5, 7),
        by=None,
    )
    second = services.create_edition(
        series,
        centralised=False,
        title="Autumn edition",
        starts_on=date(2026, 10, 6),
        ends_on=date(2026, 10, 7),
        by=None,
    )
    db.session.commit()
    track = first.tracks[0]
    p1, _ = make_participant(track, "one@x.example", country="DE")
    p2, _ = make_participant(track, "two@x.example", country="FR")
    make_application(track, "three@x.example", country="DE")
    db.session.add_all(
        [
            Attendance(application_id=p1.id, day=first.starts_on),
            Feedback(application_id=p1.id, overall=5, track_rating=4),
            Feedback(application_id=p2.id, overall=4, track_rating=4),
        ]
    )
    db.session.commit()

    login(client, "viewer@b.example")
    page = client.get(f"/series/{series.id}").text
    # Host, dates, places, applications, accepted, countries, attended, satisfaction.
    spring = _cells(page, "Spring edition")
    assert spring[0] == "University A"
    assert spring[2:] == ["12", "3", "2", "2", "1", "4.50"]
    autumn = _cells(page, "Autumn edition")
    assert autumn[0] == "University B"
    assert autumn[2:] == ["12", "0", "0", "0", "0", "–"]
    assert second.institution == b


def test_the_figures_of_an_edition_match_its_records(network_people, make_series):
    series = make_series(network_people["uni-a"])
    services.add_track(series, title="Advising", capacity=5)
    edition = services.create_edition(
        series,
        centralised=True,
        title="Central",
        starts_on=date(2026, 5, 6),
        ends_on=date(2026, 5, 6),
        by=None,
    )
    db.session.commit()
    participant, _ = make_participant(edition.tracks[0], "p@x.example", country="SE")
    db.session.add(Feedback(application_id=participant.id, overall=3, track_rating=3))
    db.session.commit()
    (row,) = services.editions_with_figures(series)
    assert row.event == edition
    assert (row.records.places, row.records.participants, row.records.countries) == (5, 1, 1)
    assert str(row.satisfaction) == "3.00"
