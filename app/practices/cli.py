"""`flask practices ...`: load the catalogue folder into the database and write it back."""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.extensions import db
from app.core.vocabularies import vocabularies
from app.practices import services
from app.practices.files import SheetFile, check_across_files, read_folder, render_sheet

log = logging.getLogger(__name__)


@click.group("practices")
def practices_cli() -> None:
    """Load, check and export the practice sheets."""


def _folder(option: str | None) -> Path:
    folder = Path(option or current_app.config["PRACTICES_DIR"])
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no such folder")
    return folder


@practices_cli.command("sync")
@click.option(
    "--dir",
    "folder_option",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of sheets (default: practices/).",
)
@click.option("--check", is_flag=True, help="Validate every file and change nothing.")
@with_appcontext
def sync_command(folder_option: str | None, check: bool) -> None:
    """Load every sheet of the folder: create, update, and withdraw sheets whose file is gone.

    All or nothing: every file is checked first, and if any is bad nothing changes and each
    problem is listed as file:line: field: message. A file unchanged since the last sync, under
    unchanged vocabularies and code, is known valid and not read again; `--check` reads all.
    """
    folder = _folder(folder_option)
    last_sync = None
    if not check:
        last_sync = services.last_sync()
        # End the reading transaction, and close the pool's connections: reading the files
        # takes a while, and may fork processes that must not inherit an open connection.
        db.session.rollback()
        db.engine.dispose()
    files = read_folder(
        folder,
        vocabularies(),
        current_app.config["PRACTICE_FILE_MAX_BYTES"],
        last_sync=last_sync,
        # A check renders nothing; a sync renders what it reads (almost always what it writes).
        render=not check,
        workers=os.cpu_count() or 1,
        # A sync's rows are made by the readers, several at a time.
        prepare=None if check else services.sync_rows,
    )
    if not files:
        # Syncing an empty folder would withdraw the whole catalogue: almost surely a wrong --dir.
        raise click.ClickException(f"{folder}: no *.md practice sheets; nothing was changed")
    # The sheets read live until the end: frozen, they are left out of the cycle collector's
    # walks, which otherwise went through all of them again and again while the rows are
    # written (a third of the writing time at 6,000 files).
    gc.freeze()
    try:
        _check_and_sync(folder, files, check)
    finally:
        gc.unfreeze()


def _check_and_sync(folder: Path, files: list[SheetFile], check: bool) -> None:
    """List every problem of the files read and change nothing, or sync them."""
    problems = sorted(p for item in files for p in item.problems) + check_across_files(files)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        bad_files = len({p.file for p in problems})
        click.echo(
            f"{len(problems)} problem(s) in {bad_files} of {len(files)} file(s); "
            "nothing was changed.",
            err=True,
        )
        sys.exit(1)
    if check:
        click.echo(f"{len(files)} file(s) checked, no problems.")
        return
    with click.progressbar(
        length=len(files), label="Syncing practice sheets", file=sys.stderr
    ) as bar:
        report = services.sync_sheets(files, progress=bar)
    db.session.commit()
    log.info("practices synced from %s: %s", folder, report.summary())
    click.echo(f"Synced {len(files)} file(s) from {folder}: {report.summary()}.")
    for slug in report.withdrawn:
        click.echo(f"withdrawn (file gone): {slug}")
    for slug in report.overwritten:
        click.echo(
            f"overwrote browser edits: {slug} (the file changed; the browser's version "
            "stays in the sheet's history)"
        )


@practices_cli.command("export")
@click.option(
    "--dir",
    "folder_option",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder to write the sheets into (created if missing).",
)
@click.option("--include-withdrawn", is_flag=True, help="Also write withdrawn sheets.")
@with_appcontext
def export_command(folder_option: str, include_withdrawn: bool) -> None:
    """Write every sheet of the database as a Markdown file named after its slug, and each of
    its translations beside it as <slug>.<language>.md."""
    folder = Path(folder_option)
    folder.mkdir(parents=True, exist_ok=True)
    practices = services.all_practices(include_withdrawn=include_withdrawn)
    for practice in practices:
        text = render_sheet(services.sheet_from_practice(practice))
        (folder / f"{practice.slug}.md").write_text(text, encoding="utf-8")
    translations = services.all_translations(include_withdrawn=include_withdrawn)
    for slug, language, sheet in translations:
        (folder / f"{slug}.{language}.md").write_text(render_sheet(sheet), encoding="utf-8")
    click.echo(
        f"Wrote {len(practices)} sheet(s) and {len(translations)} translation(s) to {folder}."
    )
