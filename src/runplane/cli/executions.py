"""`runplane executions list|show|logs|retry|cancel`."""

from __future__ import annotations

import json

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.follow import Follower
from runplane.cli.params import parse_params
from runplane.cli.render import (
    EXECUTION_HEADERS,
    detail_from_json,
    execution_detail,
    execution_row,
    table,
)
from runplane.engine.service import cancel_execution, retry_execution
from runplane.model import ExecutionStatus, Trigger
from runplane.model.clock import utcnow
from runplane.model.json import event_json, execution_json
from runplane.model.timerange import DEFAULT_RANGE, LABELS, RANGES, resolve_range
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.tiers import Feature, Tier, locked_reason
from runplane.views.execution_detail import load_execution_detail


@click.group()
@pass_app
def executions(app: App) -> None:
    """Inspect, retry and cancel executions (on the server RUNPLANE_URL names, if set)."""
    locked = locked_reason(Feature.HISTORY, app.settings.tier)
    if locked is not None and app.remote is None:
        raise BadInput(locked)


@executions.command("list")
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice([str(s) for s in ExecutionStatus])
)
@click.option("--pipeline", "pipelines", multiple=True)
@click.option("--trigger", "triggers", multiple=True, type=click.Choice([str(t) for t in Trigger]))
@click.option(
    "--range", "range_", type=click.Choice(list(RANGES)), default=DEFAULT_RANGE, show_default=True
)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_command(
    app: App,
    statuses: tuple[str, ...],
    pipelines: tuple[str, ...],
    triggers: tuple[str, ...],
    range_: str,
    limit: int,
    as_json: bool,
) -> None:
    """List executions, newest first."""
    now = utcnow()
    remote = app.remote
    if remote is not None:
        query_pairs = [("status", s) for s in statuses] + [("pipeline", p) for p in pipelines]
        query_pairs += [("trigger", t) for t in triggers] + [("range", range_)]
        rows = remote.list(query_pairs, limit)
    else:
        since, until = resolve_range(range_, now)
        query = store.ExecutionFilter(
            statuses=frozenset(ExecutionStatus(s) for s in statuses),
            pipelines=frozenset(pipelines),
            triggers=frozenset(Trigger(t) for t in triggers),
            since=since,
            until=until,
        )
        with app.db.read() as conn:
            rows = store.list_executions(conn, query, limit=limit)
    if as_json:
        tier = Tier.ADVANCED if remote is not None else app.settings.tier  # the server's said
        click.echo(json.dumps([execution_json(e, tier=tier) for e in rows], indent=2))
    elif not rows:
        click.echo(f"No executions in {LABELS[range_]} — widen it with --range 7d or --range 30d")
    else:
        click.echo(table(EXECUTION_HEADERS, [execution_row(e, now) for e in rows]))


@executions.command("show")
@click.argument("execution_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_command(app: App, execution_id: str, as_json: bool) -> None:
    """Show one execution: status, parameters, error and suggested actions, trail."""
    remote = app.remote
    if remote is not None:
        detail = detail_from_json(remote.detail(execution_id))
    else:
        with app.db.read() as conn:
            detail = load_execution_detail(conn, store.resolve_execution_id(conn, execution_id))
    if as_json:
        events = [event_json(e) for e in detail.events]
        tier = Tier.ADVANCED if remote is not None else app.settings.tier
        body = execution_json(detail.execution, tier=tier) | {"events": events}
        click.echo(json.dumps(body, indent=2))
    else:
        tier = app.settings.tier if remote is None else remote.tier()
        click.echo(execution_detail(detail, cost_locked=locked_reason(Feature.COST, tier)))


@executions.command("logs")
@click.argument("execution_id")
@click.option(
    "--follow", "-f", is_flag=True, help="Keep printing new lines until the execution ends."
)
@pass_app
def logs_command(app: App, execution_id: str, follow: bool) -> None:
    """Print an execution's log (`HH:MM:SS.mmm LEVEL message`, UTC)."""
    remote = app.remote
    if remote is None:
        execution_id = _resolve(app, execution_id)
    if follow:
        Follower(None if remote else app.db, execution_id, remote=remote).until_final()
        return
    if remote is not None:
        after = 0
        while lines := remote.log_lines(execution_id, after=after):
            for line in lines:
                click.echo(line.as_text())
            after = lines[-1].seq
        return
    with app.db.read() as conn:
        store.get_execution(conn, execution_id)
        for line in log_store.iter_log_lines(conn, execution_id):
            click.echo(line.as_text())


@executions.command("retry")
@click.argument("execution_id")
@click.option(
    "-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="Override a parameter."
)
@pass_app
def retry_command(app: App, execution_id: str, params: tuple[str, ...]) -> None:
    """Retry a failed or cancelled execution (optionally with changed parameters)."""
    remote = app.remote
    if remote is not None:
        retry = remote.retry(execution_id, parse_params(params))
    else:
        retry = retry_execution(
            app.db,
            _resolve(app, execution_id),
            parse_params(params),
            trigger=Trigger.MANUAL,
            triggered_by=app.caller.actor,
            origin=app.caller.origin,
        )
    click.echo(f"Submitted {retry.execution_id} (attempt {retry.attempt} of {retry.pipeline})")


@executions.command("cancel")
@click.argument("execution_id")
@pass_app
def cancel_command(app: App, execution_id: str) -> None:
    """Cancel a pending execution, or ask a running one to stop."""
    remote = app.remote
    if remote is not None:
        execution = remote.cancel(execution_id)
    else:
        execution = cancel_execution(
            app.db, _resolve(app, execution_id), by=app.caller.actor,
            grace_seconds=app.settings.cancel_grace, origin=app.caller.origin,
        )  # fmt: skip
    execution_id = execution.execution_id
    if execution.status is ExecutionStatus.CANCELLED:
        click.echo(f"Cancelled {execution_id}")
    else:
        click.echo(
            f"Stop requested for {execution_id}; it is killed if still running after "
            f"{app.settings.cancel_grace:.0f} s"
        )


def _resolve(app: App, execution_id: str) -> str:
    """The whole id of an id or a unique prefix of 6+ characters (as the dashboard shows)."""
    with app.db.read() as conn:
        return store.resolve_execution_id(conn, execution_id)
