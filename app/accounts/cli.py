"""`flask users ...`: create accounts from the command line, for bootstrapping."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.accounts import services
from app.accounts.passwords import password_problems
from app.core.enums import values
from app.core.extensions import db
from app.core.i18n import Language
from app.institutions.services import get_institution
from app.permissions import Role


@click.group("users")
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (asked for when not given).",
)
@click.option("--name", default="", help="The person's name.")
@click.option("--admin", is_flag=True, help="Make a site administrator.")
@click.option("--curator", is_flag=True, help="Let the user curate the practice catalogue.")
@click.option("--institution", "institution_slug", default=None, help="Institution slug.")
@click.option(
    "--role", type=click.Choice(values(Role)), default=None, help="Role in the institution."
)
@click.option(
    "--language",
    type=click.Choice(values(Language)),
    default=None,
    help="The language of the account's pages and emails (default: follow the browser).",
)
@with_appcontext
def create_command(
    email: str,
    password: str,
    name: str,
    admin: bool,
    curator: bool,
    institution_slug: str | None,
    role: str | None,
    language: str | None,
) -> None:
    """Create an account, optionally with a role in an institution."""
    if (institution_slug is None) != (role is None):
        raise click.UsageError("--institution and --role go together.")
    if services.get_user_by_email(email) is not None:
        raise click.ClickException(f"an account for {email} already exists")
    problems = password_problems(password, email, current_app.config["COMMON_PASSWORDS_FILE"])
    if problems:
        raise click.ClickException("password refused: " + " ".join(problems))
    institution = None
    if institution_slug is not None:
        institution = get_institution(institution_slug)
        if institution is None:
            raise click.ClickException(f"no institution with slug {institution_slug!r}")
    user = services.create_user(
        email, password, name=name, is_admin=admin, is_curator=curator, language=language
    )
    if institution is not None and role is not None:
        services.set_role(user, institution, role, by="command line")
    db.session.commit()
    what = [w for w, on in (("admin", admin), ("curator", curator)) if on]
    if institution is not None:
        what.append(f"{role} of {institution.name}")
    click.echo(f"Created {user.email}" + (f" ({', '.join(what)})" if what else "") + ".")
