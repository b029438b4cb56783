"""`runplane db upgrade`: create or migrate the database; `runplane db check`: its schema,
size, integrity and orphans."""

import json
import sys
from dataclasses import asdict

import click

from runplane.cli.app import App, pass_app
from runplane.settings import Settings
from runplane.store import open_database
from runplane.store.schema import describe, upgrade
from runplane.views.database import database_report


@click.group()
def db() -> None:
    """Manage the Runplane database."""


@db.command("upgrade")
@pass_app
def upgrade_command(app: App) -> None:
    """Create the database or migrate it to this version's schema."""
    settings: Settings = app.settings
    database = open_database(settings)
    result = upgrade(database, app.domains)
    after = describe(result.after)
    if result.before is None:
        click.echo(f"Created the database at {database.location} (schema {after})")
    elif result.changed:
        before = describe(result.before)
        click.echo(f"Upgraded {database.location} from schema {before} to {after}")
    else:
        click.echo(f"{database.location} is already at schema {after}")


@db.command("check")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@pass_app
def check_command(app: App, as_json: bool) -> None:
    """Report the schema revision, size, integrity and orphans; exit 1 if it is not sound."""
    report = database_report(open_database(app.settings), app.domains)
    if as_json:
        click.echo(json.dumps({**asdict(report), "sound": report.sound}, indent=1))
    else:
        behind = "" if report.revision == report.head else f" (this Runplane: {report.head})"
        click.echo(f"Database   {report.location}")
        click.echo(f"Schema     {report.revision or 'none'}{behind}")
        click.echo(f"Size       {report.size_bytes / 1e6:,.1f} MB")
        click.echo(f"Integrity  {'ok' if not report.problems else '; '.join(report.problems[:5])}")
        for what, count in report.orphans.items():
            click.echo(f"Orphans    {count:,} {what}")
    sys.exit(0 if report.sound else 1)
