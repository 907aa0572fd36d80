"""Flask commands. Thin: they parse arguments, call services and commit."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from ideation.extensions import db

ROLES = ("citizen", "admin", "core_team", "stakeholder")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="citizen", show_default=True)
@click.option("--name", default="", help="Display name (default: the e-mail address).")
@click.option("--challenge", "slug", default=None,
              help="Challenge slug; required for core_team and stakeholder.")
@with_appcontext
def create_user_command(email: str, role: str, name: str, slug: str | None) -> None:
    """Create a user. The password is prompted, or read from the first line of stdin."""
    from ideation.accounts.models import MembershipRole
    from ideation.accounts.services import (
        MIN_PASSWORD_LENGTH,
        AccountError,
        create_user,
        set_membership,
    )
    from ideation.challenges.services import get_by_slug

    challenge = None
    if role in ("core_team", "stakeholder"):
        if not slug:
            raise click.UsageError(f"--challenge SLUG is required for the role {role}")
        challenge = get_by_slug(slug)
        if challenge is None:
            raise click.BadParameter(f"no challenge with slug {slug!r}", param_hint="--challenge")
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters",
                                 param_hint="password")
    try:
        user = create_user(email, name, password, is_admin=(role == "admin"))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    if challenge is not None:
        set_membership(None, challenge, user, MembershipRole(role))
    db.session.commit()
    where = f" in {challenge.slug}" if challenge else ""
    click.echo(f"Created {user.email} as {role}{where}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no challenges.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo challenge (idempotent) and print how to log in as each role."""
    from ideation.demo import load_demo

    load_demo(if_empty=if_empty, echo=click.echo)


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
