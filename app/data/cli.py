"""`flask data ...`: what goes into the database and comes out of it as a whole.

`load` reads the reference data of data/ (networks and institutions); `backup` and `restore`
write the whole database to one JSON document and load it back.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.core.extensions import db
from app.core.vocabularies import vocabularies
from app.data import services
from app.events.seed import load_events, read_events
from app.institutions import services as institutions
from app.institutions.models import Institution

log = logging.getLogger(__name__)

# A backup of the large bench data set is about 100 MB; parsing takes several times its size
# in memory, so a file far beyond that is refused rather than read.
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024


@click.group("data")
def data_cli() -> None:
    """Load the reference data of data/; back up and restore the whole database."""


@data_cli.command("load")
@click.option(
    "--dir",
    "folder_option",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder holding networks.yml and institutions.yml (default: data/).",
)
@click.option("--check", is_flag=True, help="Validate the files and change nothing.")
@with_appcontext
def load_command(folder_option: str | None, check: bool) -> None:
    """Load networks, institutions and events: all or nothing, every problem listed with its
    line."""
    folder = Path(folder_option or current_app.config["DATA_DIR"])
    data = institutions.read_reference_data(
        folder, vocabularies(), current_app.config["PRACTICE_FILE_MAX_BYTES"]
    )
    # The events of events.yml, checked before anything is written: all or nothing.
    known = {entry.slug for entry in data.institutions} | set(
        db.session.scalars(select(Institution.slug))
    )
    events = read_events(folder, known, current_app.config["PRACTICE_FILE_MAX_BYTES"])
    problems = [*data.problems, *events.problems]
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s); nothing was changed.", err=True)
        sys.exit(1)
    if check:
        click.echo(
            f"{len(data.networks)} network(s) and {len(data.institutions)} "
            f"institution(s) checked, no problems; {len(events.events)} event(s) too."
        )
        return
    networks, loaded = institutions.load_reference_data(data)
    created, unchanged = load_events(events)
    db.session.commit()
    log.info(
        "reference data loaded from %s: networks %s; institutions %s; events %s created",
        folder,
        networks.summary(),
        loaded.summary(),
        len(created),
    )
    click.echo(
        f"Networks: {networks.summary()}. Institutions: {loaded.summary()}. "
        f"Events: {len(created)} created, {len(unchanged)} unchanged."
    )


@data_cli.command("backup")
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


@data_cli.command("restore")
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


def old_name(command: click.Command) -> click.Command:
    """Return a command under its name from before `flask data`, hidden from --help.

    `flask backup` and `flask restore` stood alone; scripts and cron lines keep working.
    """
    return click.Command(
        command.name,
        callback=command.callback,
        params=command.params,
        help=command.help,
        hidden=True,
    )
