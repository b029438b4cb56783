"""Entry point of the `runplane` command. Exit codes: 0 completed or dry_run, 1 failed,
3 cancelled, 2 bad input (with a one-line message)."""

from __future__ import annotations

import logging
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from runplane import __version__
from runplane.cli import (
    audit,
    db,
    demo,
    executions,
    logs,
    notifications,
    pipelines,
    run,
    schedules,
    serve,
    tokens,
    users,
    worker,
    workers,
)
from runplane.cli.app import App, BadInput
from runplane.cli.demofile import serving_demo
from runplane.engine.distributed.config import CeleryMisconfigured
from runplane.engine.errors import (
    InvalidAccess,
    InvalidBulk,
    InvalidRule,
    InvalidSchedule,
    InvalidScheduleFile,
    Refused,
)
from runplane.pipelines import InvalidParams, UnknownPipeline
from runplane.settings import Settings
from runplane.store import NotFound, SchemaError, StorageUnavailable, storage_problem
from runplane.store.database import location_of
from runplane.views.list_query import ListingError


class RunplaneGroup(click.Group):
    """Turns the engine's refusals, and a database that cannot be used (full, read-only,
    gone, down), into one-line errors with exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (
            InvalidParams,
            UnknownPipeline,
            NotFound,
            Refused,
            SchemaError,
            InvalidSchedule,
            InvalidScheduleFile,
            InvalidAccess,
            InvalidBulk,
            ListingError,
            InvalidRule,
            CeleryMisconfigured,
        ) as exc:
            raise BadInput(str(exc)) from None
        except ValidationError as exc:  # only settings are validated outside the engine
            problems = "; ".join(
                f"RUNPLANE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise BadInput(f"invalid setting: {problems}") from None
        except (StorageUnavailable, SQLAlchemyError, OSError) as exc:
            problem = storage_problem(exc, _location(ctx))
            if problem is None:
                raise
            raise BadInput(str(problem)) from None


def _location(ctx: click.Context) -> str:
    """The configured database, as messages name it (no password)."""
    app = ctx.find_object(App)
    return location_of((app.settings if app is not None else Settings()).resolved_database_url)


OWN_DATABASE = ("serve", "demo")
"""Commands that never switch to a serving demo's database (they start servers of their own)."""


@click.group(cls=RunplaneGroup)
@click.version_option(__version__, prog_name="runplane")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Runplane: see what ran, why it failed, and retry or cancel it."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if ctx.invoked_subcommand is None or ctx.invoked_subcommand in OWN_DATABASE:
        return
    demo = serving_demo(Settings())
    if demo is not None:
        settings, note = demo
        click.echo(note, err=True)
        ctx.obj = App(settings=settings)


cli.add_command(run.run)
cli.add_command(serve.serve)
cli.add_command(worker.worker)
cli.add_command(executions.executions)
cli.add_command(logs.logs)
cli.add_command(pipelines.pipelines)
cli.add_command(schedules.schedules)
cli.add_command(notifications.notifications)
cli.add_command(db.db)
cli.add_command(demo.demo)
cli.add_command(users.users)
cli.add_command(tokens.tokens)
cli.add_command(audit.audit)
cli.add_command(workers.workers)


def main() -> None:
    cli(prog_name="runplane")
