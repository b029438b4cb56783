"""`runplane executions list|show|logs|retry|cancel|compare`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.bulk import bulk_filter, refuse_mixed, run_bulk
from runplane.cli.compare import compare_command
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
from runplane.model.bulk import BulkAction
from runplane.model.clock import utcnow
from runplane.model.json import event_json, execution_json
from runplane.model.timerange import DEFAULT_RANGE, LABELS, RANGES, resolve_range
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.tiers import Feature, Tier, locked_reason
from runplane.views.execution_detail import load_execution_detail
from runplane.views.list_errors import ListingError
from runplane.views.list_query import PRESETS, STATUSES, TRIGGERS
from runplane.views.param_query import parse_search, parse_where


@click.group()
@pass_app
def executions(app: App) -> None:
    """Inspect, retry and cancel executions (on the server RUNPLANE_URL names, if set)."""
    locked = locked_reason(Feature.HISTORY, app.settings.tier)
    if locked is not None and app.remote is None:
        raise BadInput(locked)


def narrowing_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--where NAME=VALUE` (repeatable) and `--search TEXT`, as `param.NAME=VALUE` and `q=`
    narrow the API's list: on `list` now, and for any command that selects executions by
    filter (a retry or cancel of many)."""
    command = click.option(
        "--search", metavar="TEXT",
        help="Only executions whose id starts with TEXT, whose pipeline name contains it or "
        "with a parameter value starting with it.",
    )(command)  # fmt: skip
    return click.option(
        "--where", "where", multiple=True, metavar="NAME=VALUE",
        help="Only executions whose parameter NAME equals VALUE (numbers compare "
        "numerically); names combine with AND, a repeated name matches any of its values.",
    )(command)  # fmt: skip


@executions.command("list")
@narrowing_options
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
    where: tuple[str, ...],
    search: str | None,
) -> None:
    """List executions, newest first."""
    now = utcnow()
    try:
        matches, text = parse_where(where), parse_search(search)
    except ListingError as exc:
        raise BadInput(exc.message) from None
    remote = app.remote
    if remote is not None:
        query_pairs = [("status", s) for s in statuses] + [("pipeline", p) for p in pipelines]
        query_pairs += [("trigger", t) for t in triggers] + [("range", range_)]
        query_pairs += [(f"param.{m.name}", v) for m in matches for v in m.values]
        query_pairs += [("q", text)] if text is not None else []
        rows = remote.list(query_pairs, limit)
    else:
        since, until = resolve_range(range_, now)
        query = store.ExecutionFilter(
            statuses=frozenset(ExecutionStatus(s) for s in statuses),
            pipelines=frozenset(pipelines),
            triggers=frozenset(Trigger(t) for t in triggers),
            since=since,
            until=until,
            params=matches,
            search=text,
        )
        with app.db.read() as conn:
            rows = store.list_executions(conn, query, limit=limit)
    if as_json:
        tier = Tier.ADVANCED if remote is not None else app.settings.tier  # the server's said
        click.echo(json.dumps([execution_json(e, tier=tier) for e in rows], indent=2))
    elif not rows:
        narrowed = " match --where/--search" if matches or text is not None else ""
        click.echo(
            f"No executions in {LABELS[range_]}{narrowed} — widen it with --range 7d or --range 30d"
        )
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
            detail = load_execution_detail(
                conn, store.resolve_execution_id(conn, execution_id),
                with_baseline=app.settings.has(Feature.BASELINE),
            )  # fmt: skip
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


def bulk_options(command: Callable[..., None]) -> Callable[..., None]:
    """The filter options that make `retry` and `cancel` act on every execution they select."""
    for option in reversed(
        [
            click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES)),
            click.option("--pipeline", "pipelines", multiple=True),
            click.option("--trigger", "triggers", multiple=True, type=click.Choice(TRIGGERS)),
            click.option("--range", "range_", type=click.Choice(list(RANGES))),
            click.option("--preset", type=click.Choice(list(PRESETS))),
            click.option("--preview", is_flag=True, help="Only say what would happen."),
            click.option("--yes", is_flag=True, help="Do not ask for confirmation."),
            click.option("--max", "max_executions", type=click.IntRange(0), help="Refuse if more."),
        ]
    ):
        command = option(command)
    return command


@executions.command("retry")
@click.argument("execution_id", required=False)
@click.option(
    "-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="Override a parameter."
)
@bulk_options
@narrowing_options
@pass_app
def retry_command(
    app: App, /, execution_id: str | None, params: tuple[str, ...], **bulk: Any
) -> None:
    """Retry a failed or cancelled execution (optionally with changed parameters), or with
    filters every latest failed or cancelled attempt they select (preview first)."""
    if _bulk(app, BulkAction.RETRY, execution_id, bulk, overrides=params):
        return
    assert execution_id is not None
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
@click.argument("execution_id", required=False)
@bulk_options
@narrowing_options
@pass_app
def cancel_command(app: App, /, execution_id: str | None, **bulk: Any) -> None:
    """Cancel a pending execution, or ask a running one to stop; with filters, every
    pending or running one they select (preview first)."""
    if _bulk(app, BulkAction.CANCEL, execution_id, bulk):
        return
    assert execution_id is not None
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


def _bulk(
    app: App,
    action: BulkAction,
    execution_id: str | None,
    options: dict[str, Any],
    overrides: tuple[str, ...] = (),
) -> bool:
    """Act in bulk if filters were given (True), after refusing a mix with an id."""
    try:
        parse_where(options["where"]), parse_search(options["search"])
    except ListingError as exc:
        raise BadInput(exc.message) from None
    filter = bulk_filter(
        options["statuses"], options["pipelines"], options["triggers"], options["range_"],
        options["preset"], options["where"], options["search"],
    )  # fmt: skip
    flags = options["preview"] or options["yes"] or options["max_executions"] is not None
    refuse_mixed(execution_id, filter, flags)
    if execution_id is not None:
        return False
    if overrides:
        raise BadInput(
            "a bulk retry takes no parameter overrides (-p); retry one id to change them"
        )
    run_bulk(
        app, action, filter, preview_only=options["preview"], yes=options["yes"],
        max_executions=options["max_executions"],
    )  # fmt: skip
    return True


def _resolve(app: App, execution_id: str) -> str:
    """The whole id of an id or a unique prefix of 6+ characters (as the dashboard shows)."""
    with app.db.read() as conn:
        return store.resolve_execution_id(conn, execution_id)


executions.add_command(compare_command)
