"""`runplane db upgrade`: create or migrate the database."""

import click

from runplane.cli.app import App, pass_app
from runplane.settings import Settings
from runplane.store import open_database
from runplane.store.schema import upgrade


@click.group()
def db() -> None:
    """Manage the Runplane database."""


@db.command("upgrade")
@pass_app
def upgrade_command(app: App) -> None:
    """Create the database or migrate it to this version's schema."""
    settings: Settings = app.settings
    database = open_database(settings)
    result = upgrade(database)
    if result.created:
        click.echo(f"Created the database at {database.location} (schema {result.after})")
    elif result.changed:
        click.echo(f"Upgraded {database.location} from schema {result.before} to {result.after}")
    else:
        click.echo(f"{database.location} is already at schema {result.after}")
