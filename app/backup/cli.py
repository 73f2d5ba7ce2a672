"""`flask backup FILE` and `flask restore FILE`: the whole database as one JSON document."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.backup import services
from app.core.extensions import db

log = logging.getLogger(__name__)

# A backup of the large bench data set is about 100 MB; parsing takes several times its size
# in memory, so a file far beyond that is refused rather than read.
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the whole database to FILE (JSON; gzipped when FILE ends in .gz)."""
    partial = file.with_name(file.name + ".partial")
    try:
        with services.open_text(partial, "w", gzipped=file.suffix == ".gz") as out:
            counts = services.dump(out)
        # Renamed only once complete: a backup interrupted half-way never looks like a backup.
        partial.replace(file)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"{file}: not written ({error.strerror or error})") from None
    total = sum(counts.values())
    log.info("backup written to %s: %s rows", file, total)
    click.echo(f"{file}: {total} rows from {len(counts)} tables")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse a file larger than this once unpacked.",
)
@with_appcontext
def restore_command(file: Path, max_bytes: int) -> None:
    """Load FILE into this empty, migrated database: all of it, or nothing.

    Every problem of a malformed file is listed, one a line, by its place; no row of the
    file is ever printed (rows hold password and token hashes).
    """
    try:
        document = services.read(file, max_bytes)
    except services.BackupError as error:
        raise click.ClickException(f"{file}: {error}; nothing restored") from None
    problems = services.check(document)
    if problems:
        raise click.ClickException(
            "nothing restored:\n" + "\n".join(f"  {problem}" for problem in problems)
        )
    try:
        counts = services.load(document)
        db.session.commit()
    except services.BackupError as error:
        db.session.rollback()
        raise click.ClickException(f"nothing restored: {error}") from None
    except Exception as error:
        db.session.rollback()
        # Its kind only: the message of an error about a value quotes the value.
        log.error("restore of %s failed: %s", file, type(error).__name__)
        raise click.ClickException(
            f"nothing restored: {type(error).__name__} while writing (see the log)"
        ) from None
    total = sum(counts.values())
    log.info("restored %s rows from %s", total, file)
    click.echo(f"{file}: {total} rows restored into {len(counts)} tables")
