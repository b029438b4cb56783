"""`runplane run PIPELINE [-p key=value ...] [--dry-run] [--wait] [--queue NAME]`."""

from __future__ import annotations

import contextlib
import sys

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.follow import Follower
from runplane.cli.params import parse_params
from runplane.cli.remote import Remote
from runplane.engine.errors import CancelRefused
from runplane.engine.executors.scoped import scoped_executor
from runplane.engine.service import cancel_execution, submit_execution
from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.routing import InvalidQueue, checked_queue
from runplane.model.timefmt import duration
from runplane.tiers import Feature
from runplane.views.workers import executor_available

EXIT_CODES = {
    ExecutionStatus.COMPLETED: 0,
    ExecutionStatus.DRY_RUN: 0,
    ExecutionStatus.FAILED: 1,
    ExecutionStatus.CANCELLED: 3,
}


def _queue_option(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else checked_queue(value)
    except InvalidQueue as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("pipeline")
@click.option(
    "-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter; repeatable."
)
@click.option("--dry-run", is_flag=True, help="Validate and compute everything, write nothing.")
@click.option(
    "--wait", is_flag=True, help="Wait for the result (runs it here if no server is running)."
)
@click.option(
    "--queue",
    callback=_queue_option,
    help="Route it to the Celery workers serving this queue (default: the pipeline's own).",
)
@pass_app
def run(
    app: App, pipeline: str, params: tuple[str, ...], dry_run: bool, wait: bool, queue: str | None
) -> None:
    """Run a pipeline (on the server RUNPLANE_URL names, if set)."""
    remote = app.remote
    if remote is not None:
        _run_remote(
            app, remote, pipeline, parse_params(params), dry_run=dry_run, wait=wait, queue=queue
        )
        return
    execution = submit_execution(
        app.db,
        pipeline,
        parse_params(params),
        trigger=Trigger.MANUAL,
        triggered_by=app.caller.actor,
        dry_run=dry_run,
        origin=app.caller.origin,
        queue=queue,
    )
    click.echo(f"Submitted {execution.execution_id} ({pipeline})", err=True)
    wait = wait or not app.settings.has(Feature.HISTORY)  # no history to look it up later
    served = executor_available(app.db, app.settings)
    if not wait:
        if served:
            click.echo(
                f"queued; follow it with `runplane executions logs {execution.execution_id} --follow`"
            )
        else:
            click.echo("queued; no executor running — start `runplane serve` or use --wait")
        return
    with contextlib.ExitStack() as stack:
        if not served:
            stack.enter_context(scoped_executor(app.db, app.settings, execution.execution_id))
        final = _follow_with_interrupts(app, execution)
    _report(final)
    sys.exit(EXIT_CODES[final.status])


def _run_remote(
    app: App,
    remote: Remote,
    pipeline: str,
    params: dict[str, str],
    *,
    dry_run: bool,
    wait: bool,
    queue: str | None,
) -> None:
    """The same run through the server's API; a server in the basic tier answers with the
    finished execution."""
    execution = remote.run(pipeline, params, dry_run, queue)
    click.echo(f"Submitted {execution.execution_id} ({pipeline})", err=True)
    if not execution.status.is_final and not wait:
        click.echo(
            f"queued; follow it with `runplane executions logs {execution.execution_id} --follow`"
        )
        return
    final = execution if execution.status.is_final else _follow_with_interrupts(
        app, execution, remote
    )  # fmt: skip
    _report(final)
    sys.exit(EXIT_CODES[final.status])


def _follow_with_interrupts(
    app: App, execution: Execution, remote: Remote | None = None
) -> Execution:
    """Follow to the end; Ctrl-C asks it to stop, a second Ctrl-C kills it (locally)."""
    follower = Follower(None if remote else app.db, execution.execution_id, remote=remote)
    interrupts = 0
    while True:
        try:
            return follower.until_final()
        except KeyboardInterrupt:
            interrupts += 1
            force = interrupts > 1
            try:
                if remote is not None:
                    remote.cancel(execution.execution_id)
                else:
                    cancel_execution(
                        app.db,
                        execution.execution_id,
                        by=app.caller.actor,
                        grace_seconds=app.settings.cancel_grace,
                        force=force,
                        origin=app.caller.origin,
                    )
            except (CancelRefused, BadInput):
                continue  # it ended meanwhile; the next poll reports how
            if force:
                click.echo("» killing it now", err=True)
            else:
                click.echo(
                    "» cancel requested; waiting for it to stop (Ctrl-C again to kill)", err=True
                )


def _report(execution: Execution) -> None:
    took = duration(execution.duration_seconds)
    line = f"{execution.status.upper()} {execution.pipeline} {execution.execution_id} in {took}"
    if execution.rows_processed is not None:
        line += f", {execution.rows_processed:,} rows"
    click.echo(line)
    if execution.error is not None:
        click.echo(f"{execution.error.title}\n{execution.error.summary}")
        for number, action in enumerate(execution.error.suggested_actions, 1):
            click.echo(f"  {number}. {action.text}")
    if execution.output:
        for bullet in execution.output.get("summary", []):
            click.echo(f"  • {bullet}")
