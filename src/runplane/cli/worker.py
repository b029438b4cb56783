"""`runplane worker [--concurrency N] [--queues a,b] [--name NAME]`: a Celery worker that
runs executions (RUNPLANE_EXECUTOR=celery, beside a `runplane serve` on the same database)."""

from __future__ import annotations

import sys

import click

from runplane.cli.app import App, pass_app
from runplane.engine.distributed.config import check_celery
from runplane.model.routing import DEFAULT_QUEUE, InvalidQueue, checked_queue


def _queues(_: click.Context, __: click.Parameter, value: str) -> tuple[str, ...]:
    names = [q.strip() for q in value.split(",") if q.strip()]
    if not names:
        raise click.BadParameter("name at least one queue, e.g. --queues default,heavy")
    try:
        return tuple(dict.fromkeys(checked_queue(q) for q in names))
    except InvalidQueue as exc:
        raise click.BadParameter(str(exc)) from None


def _name(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and not (0 < len(value) <= 100 and value.isprintable()):
        raise click.BadParameter("a worker's name is 1 to 100 printable characters, e.g. gpu-1")
    return value


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=None,
    help="Executions this worker runs at once.  [default: RUNPLANE_MAX_WORKERS]",
)
@click.option(
    "--queues",
    default=DEFAULT_QUEUE,
    show_default=True,
    callback=_queues,
    help="The queues it takes executions from, comma-separated.",
)
@click.option(
    "--name", callback=_name, help="How lists and the trail name it.  [default: HOST-PID]"
)
@pass_app
def worker(app: App, concurrency: int | None, queues: tuple[str, ...], name: str | None) -> None:
    """Run executions from the broker's queues on this machine (the Celery executor)."""
    from runplane.engine.distributed.worker import default_name, run_worker  # imports Celery

    check_celery(app.settings, for_worker=True)
    name = name or default_name()
    click.echo(
        f"Runplane worker {name} · queues {', '.join(queues)} · "
        f"{concurrency or app.settings.max_workers} at once · database {app.db.location}",
        err=True,
    )
    sys.exit(
        run_worker(
            app.db,
            app.settings,
            concurrency=concurrency or app.settings.max_workers,
            queues=queues,
            name=name,
        )
    )
