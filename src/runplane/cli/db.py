"""`runplane db upgrade`: create or migrate the database."""

import click

from runplane.cli.app import App, pass_app
from runplane.settings import Settings
from runplane.store import Database
from runplane.store.schema import describe, upgrade


@click.group()
def db() -> None:
    """Manage the Runplane database."""


@db.command("upgrade")
@pass_app
def upgrade_command(app: App) -> None:
    """Create the database or migrate it to this version's schema."""
    settings: Settings = app.settings
    database = Database(settings.resolved_database_url, busy_timeout=settings.sqlite_busy_timeout)
    result = upgrade(database, app.domains)
    after = describe(result.after)
    if result.before is None:
        click.echo(f"Created the database at {database.location} (schema {after})")
    elif result.changed:
        before = describe(result.before)
        click.echo(f"Upgraded {database.location} from schema {before} to {after}")
    else:
        click.echo(f"{database.location} is already at schema {after}")
