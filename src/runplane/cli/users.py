"""`runplane users add|list|remove|set-role`: who may use the dashboard and the API.

The first user makes `serve` require logins (and lets it bind other addresses than
loopback); make that one an admin.
"""

from __future__ import annotations

import sys

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.render import table
from runplane.engine.access import users as engine
from runplane.model.access import Role
from runplane.model.timefmt import absolute
from runplane.store import users as store

ROLES = ", ".join(str(r) for r in Role)


@click.group()
def users() -> None:
    """Add, list, remove users and change their roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, help=f"One of {ROLES}.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def add_command(app: App, name: str, role: str, password_stdin: bool) -> None:
    """Add a user; asks for the password (twice) unless --password-stdin."""
    engine.check_user_name(name)
    engine.parse_role(role)
    password = _password(password_stdin)
    user = engine.add_user(app.db, name, role, password, by=app.caller.origin)
    click.echo(f"Added {user.name} ({user.role})")
    click.echo(
        f"{user.name} signs in at the dashboard's /dashboard/login; for the API, create a "
        f"token: runplane tokens create NAME --user {user.name}",
        err=True,
    )


@users.command("list")
@pass_app
def list_command(app: App) -> None:
    """Every user with their role."""
    with app.db.read() as conn:
        rows = store.list_users(conn)
    if not rows:
        click.echo("No users: `serve` acts as one local admin on loopback only. Add one with "
                   "`runplane users add NAME --role admin`")  # fmt: skip
        return
    click.echo(
        table(
            ["name", "role", "created (UTC)", "by"],
            [[u.name, str(u.role), absolute(u.created_at), u.created_by] for u in rows],
        )
    )


@users.command("remove")
@click.argument("name")
@pass_app
def remove_command(app: App, name: str) -> None:
    """Remove a user, revoke their tokens and end their sessions (never the last admin)."""
    engine.remove_user(app.db, name, by=app.caller.origin)
    click.echo(f"Removed {name}")


@users.command("set-role")
@click.argument("name")
@click.option("--role", required=True, help=f"One of {ROLES}.")
@pass_app
def set_role_command(app: App, name: str, role: str) -> None:
    """Change a user's role (never the last admin's)."""
    user = engine.set_role(app.db, name, role, by=app.caller.origin)
    click.echo(f"{user.name} is now {user.role}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            raise BadInput("--password-stdin: standard input held no password")
        return engine.check_password(text)
    if not sys.stdin.isatty():
        raise BadInput("no terminal to ask for the password on: pass it with --password-stdin")
    first = click.prompt("Password", hide_input=True)
    engine.check_password(first)
    if click.prompt("Again", hide_input=True) != first:
        raise BadInput("the two passwords differ; nothing was written")
    return str(first)
