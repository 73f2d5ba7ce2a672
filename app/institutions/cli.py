"""`flask data load`: load the reference data of data/ (networks and institutions)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.extensions import db
from app.core.vocabularies import vocabularies
from app.institutions import services

log = logging.getLogger(__name__)


@click.group("data")
def data_cli() -> None:
    """Load the reference data of data/."""


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
    """Load networks and institutions: all or nothing, every problem listed with its line."""
    folder = Path(folder_option or current_app.config["DATA_DIR"])
    data = services.read_reference_data(
        folder, vocabularies(), current_app.config["PRACTICE_FILE_MAX_BYTES"]
    )
    if data.problems:
        for problem in data.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(data.problems)} problem(s); nothing was changed.", err=True)
        sys.exit(1)
    if check:
        click.echo(
            f"{len(data.networks)} network(s) and {len(data.institutions)} "
            "institution(s) checked, no problems."
        )
        return
    networks, institutions = services.load_reference_data(data)
    db.session.commit()
    log.info(
        "reference data loaded from %s: networks %s; institutions %s",
        folder,
        networks.summary(),
        institutions.summary(),
    )
    click.echo(f"Networks: {networks.summary()}. Institutions: {institutions.summary()}.")
