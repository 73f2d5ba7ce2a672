"""`flask backup FILE` and `flask restore FILE`: the whole database as one JSON document."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.backup import services
from app.core.extensions import db

log = logging.getLogger(__name__)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the whole database to FILE (JSON; gzipped when FILE ends in .gz)."""
    partial = file.with_name(file.name + ".partial")
    with services.open_text(partial, "w", gzipped=file.suffix == ".gz") as out:
        counts = services.dump(out)
    # Renamed only once complete: a backup interrupted half-way never looks like a backup.
    partial.replace(file)
    total = sum(counts.values())
    log.info("backup written to %s: %s rows", file, total)
    click.echo(f"{file}: {total} rows from {len(counts)} tables")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Load FILE into this empty, migrated database: all of it, or nothing."""
    try:
        with services.open_text(file, "r") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{file}: not a readable backup ({error})") from None
    problems = services.check(document)
    if problems:
        raise click.ClickException(
            "nothing restored:\n" + "\n".join(f"  {problem}" for problem in problems)
        )
    try:
        counts = services.load(document)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(f"nothing restored: {error}") from None
    total = sum(counts.values())
    log.info("restored %s rows from %s", total, file)
    click.echo(f"{file}: {total} rows restored into {len(counts)} tables")
