"""Who hosts next: the next member in the rotation after the last decentralised edition's
host, skipping members who left, from the first again after the last."""

from __future__ import annotations

from datetime import date

from app.core.extensions import db
from app.series import services


def _edition(series, day: date, centralised: bool = False):
    event = services.create_edition(
        series,
        centralised=centralised,
        title=f"Workshop {day.isoformat()}",
        starts_on=day,
        ends_on=day,
        by=None,
    )
    db.session.commit()
    return event


def test_the_first_member_hosts_first_then_each_in_turn_and_back_to_the_first(
    network_people, make_series
):
    a, b, c = (network_people[s] for s in ("uni-a", "uni-b", "uni-c"))
    series = make_series(a, b, c)
    assert services.next_host(series) == a
    hosts = [_edition(series, date(2027, month, 10)).institution for month in (3, 5, 9, 11)]
    assert hosts == [a, b, c, a]  # the fourth wraps around to the first
    assert services.next_host(series) == b


def test_a_member_who_left_is_skipped_and_keeps_its_past_editions(network_people, make_series):
    a, b, c = (network_people[s] for s in ("uni-a", "uni-b", "uni-c"))
    series = make_series(a, b, c)
    first = _edition(series, date(2027, 3, 10))  # a
    assert first.institution == a
    member_b = next(m for m in series.members if m.institution == b)
    services.leave(member_b)
    db.session.commit()
    assert services.next_host(series) == c
    assert _edition(series, date(2027, 9, 10)).institution == c
    assert services.next_host(series) == a  # wraps around past b
    assert [m.institution for m in series.rotation] == [a, c]
    assert first.series_id == series.id  # the past edition is still the series'


def test_when_the_last_host_left_the_turn_passes_to_the_one_after_it(network_people, make_series):
    a, b, c = (network_people[s] for s in ("uni-a", "uni-b", "uni-c"))
    series = make_series(a, b, c)
    _edition(series, date(2027, 3, 10))  # a
    _edition(series, date(2027, 9, 10))  # b
    services.leave(next(m for m in series.members if m.institution == b))
    db.session.commit()
    assert services.next_host(series) == c


def test_a_centralised_edition_is_the_coordinators_and_leaves_the_rotation_alone(
    network_people, make_series
):
    a, b, c = (network_people[s] for s in ("uni-a", "uni-b", "uni-c"))
    series = make_series(a, b, c, central_place="Bonn")
    assert _edition(series, date(2027, 3, 10)).institution == a
    central = _edition(series, date(2027, 9, 10), centralised=True)
    assert (central.institution, central.place, central.centralised) == (a, "Bonn", True)
    assert services.next_host(series) == b


def test_a_member_moved_up_hosts_sooner_and_one_who_comes_back_joins_at_the_end(
    network_people, make_series
):
    a, b, c, d = (network_people[s] for s in ("uni-a", "uni-b", "uni-c", "uni-d"))
    series = make_series(a, b, c)
    member_c = next(m for m in series.members if m.institution == c)
    services.move_member(series, member_c, "up")
    db.session.commit()
    assert [m.institution for m in series.rotation] == [a, c, b]
    services.leave(series.members[0])
    services.add_member(series, d)
    services.add_member(series, a)  # back, after d
    db.session.commit()
    db.session.expire_all()
    assert [m.institution for m in series.rotation] == [c, b, d, a]


def test_a_series_without_members_has_no_next_host(network_people, make_series):
    series = make_series(network_people["uni-a"])
    services.leave(series.members[0])
    db.session.commit()
    assert services.next_host(series) is None
