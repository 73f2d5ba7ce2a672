"""The shipped Helsinki event: loaded by `flask data load`, once, all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from app.core.extensions import db
from app.events.models import Event, Question, Track
from app.institutions.models import Institution
from tests.conftest import PROJECT_ROOT


def _load(runner, folder: Path | None = None):
    args = ["data", "load"] + (["--dir", str(folder)] if folder else [])
    return runner.invoke(args=args)


def test_the_helsinki_event_is_loaded_with_its_four_tracks(app, runner):
    result = _load(runner)
    assert result.exit_code == 0, result.output
    assert "Events: 1 created" in result.output
    event = db.session.scalar(select(Event))
    assert event.institution.slug == "university-of-helsinki"
    assert (event.starts_on.isoformat(), event.ends_on.isoformat()) == ("2026-05-06", "2026-05-08")
    assert event.local(event.opens_at).isoformat() == "2026-01-14T00:00:00+02:00"
    assert event.local(event.closes_at).isoformat() == "2026-02-14T00:00:00+02:00"
    assert [t.title.split(":")[0] for t in event.tracks] == [
        "Global mobility networks",
        "Communications",
        "Transforming learning environments",
        "Language and communication teaching",
    ]
    assert all(t.topics and t.target_group for t in event.tracks)
    # Plain texts are shown with their line breaks: the YAML's wrapping must not become one.
    assert "\n" not in event.audience.strip()


def test_loading_again_changes_nothing(app, runner):
    _load(runner)
    event = db.session.scalar(select(Event))
    event.place = "Changed by the organisers"
    db.session.commit()
    result = _load(runner)
    assert result.exit_code == 0 and "Events: 0 created, 1 unchanged" in result.output
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    assert db.session.scalar(select(func.count()).select_from(Track)) == 4
    db.session.expire_all()
    assert db.session.scalar(select(Event)).place == "Changed by the organisers"


def _folder(tmp_path: Path, old: str, new: str) -> Path:
    """Copy data/ into tmp_path with one change to events.yml."""
    for name in ("networks.yml", "institutions.yml"):
        shutil.copy(PROJECT_ROOT / "data" / name, tmp_path / name)
    text = (PROJECT_ROOT / "data" / "events.yml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "events.yml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_a_bad_event_stops_the_whole_load(app, runner, tmp_path):
    folder = _folder(tmp_path, "closes_at: 2026-02-14T00:00:00", "closes_at: 2026-01-01T00:00:00")
    result = _load(runner, folder)
    assert result.exit_code == 1
    assert (
        "events.yml:25: events.0.closes_at: applications must close after they open"
        in result.output
    )
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 0
    assert db.session.scalar(select(Event)) is None


def test_a_bad_track_names_its_line(app, runner, tmp_path):
    folder = _folder(tmp_path, "capacity: 15  # estimate", "capacity: 0")
    result = _load(runner, folder)
    assert result.exit_code == 1
    line = (folder / "events.yml").read_text().splitlines().index("    capacity: 0") + 1
    assert f"events.yml:{line}: events.0.tracks.0.capacity: Must be at least 1" in result.output
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 0


def test_an_event_of_an_unknown_institution_is_a_problem(app, runner, tmp_path):
    folder = _folder(tmp_path, "institution: university-of-helsinki", "institution: nowhere")
    result = _load(runner, folder)
    assert result.exit_code == 1 and "no institution with slug 'nowhere'" in result.output


def test_the_seeded_call_is_public(app, runner, client):
    _load(runner)
    page = client.get("/events").get_data(as_text=True)
    assert "International Staff Training Days 2026" in page
    event = db.session.scalar(select(Event))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Global mobility networks" in page and "Nordplus" in page
    assert db.session.scalar(select(func.count()).select_from(Question)) == 4
