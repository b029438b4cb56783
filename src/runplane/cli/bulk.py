"""`runplane executions retry|cancel` over a filter instead of an id: a preview, then (after
a confirmation, or with `--yes`) the bulk operation that `runplane serve` works through."""

from __future__ import annotations

from typing import Any

import click

from runplane.cli.app import App, BadInput
from runplane.cli.render import table
from runplane.engine.bulk.operation import start_operation
from runplane.engine.bulk.preview import preview_bulk
from runplane.model import Trigger
from runplane.model.bulk import BulkAction
from runplane.model.clock import utcnow
from runplane.views.bulk import (
    load_progress,
    parse_bulk_filter,
    preview_json,
    progress_json,
    skip_label,
)

FILTER_OPTIONS = ("--status", "--range", "--pipeline", "--trigger", "--preset")


def bulk_filter(
    statuses: tuple[str, ...],
    pipelines: tuple[str, ...],
    triggers: tuple[str, ...],
    range_: str | None,
    preset: str | None,
    where: tuple[str, ...] = (),
    search: str | None = None,
) -> dict[str, Any]:
    """The filter options given, as a bulk filter (the list's filters); empty if none."""
    found: dict[str, Any] = {}
    for condition in where:
        name, _, value = condition.partition("=")
        found.setdefault("param", {}).setdefault(name.strip(), []).append(value.strip())
    if search:
        found["q"] = search
    if statuses:
        found["status"] = list(statuses)
    if pipelines:
        found["pipeline"] = list(pipelines)
    if triggers:
        found["trigger"] = list(triggers)
    if range_:
        found["range"] = range_
    if preset:
        found["preset"] = preset
    return found


def run_bulk(
    app: App,
    action: BulkAction,
    filter: dict[str, Any],
    *,
    preview_only: bool,
    yes: bool,
    max_executions: int | None,
) -> None:
    """Preview, print it, then (unless only previewing) confirm and start the operation."""
    shown = _preview(app, action, filter)
    click.echo(describe_preview(shown))
    if preview_only:
        return
    if shown["selected"] == 0:
        click.echo(f"Nothing to {action}")
        return
    limit = shown["selected"] if max_executions is None else max_executions
    if not yes and not click.confirm(f"{str(action).title()} {shown['selected']} executions?"):
        raise BadInput("nothing started (answer y, or pass --yes)")
    operation = _start(app, shown["preview_id"], limit)
    click.echo(
        f"Started bulk {action} {operation['bulk_id']}: {operation['selected']} executions, "
        f"worked through by runplane serve (see /dashboard/bulk/{operation['bulk_id']})"
    )


def describe_preview(shown: dict[str, Any]) -> str:
    """The preview in words: counts, the reasons for skipping, a sample."""
    verb = "retry" if shown["action"] == "retry" else "cancel"
    lines = [
        f"Matched {shown['matched']} executions: would {verb} {shown['selected']}, "
        f"skip {shown['skipped_total']}"
    ]
    lines += [f"  {n} skipped: {skip_label(reason)}" for reason, n in shown["skipped"].items()]
    rows = [[s["execution_id"][:8], str(s["pipeline"]), str(s["status"])] for s in shown["sample"]]
    if rows:
        lines += ["", table(["id", "pipeline", "status"], rows)]
    return "\n".join(lines)


def _preview(app: App, action: BulkAction, filter: dict[str, Any]) -> dict[str, Any]:
    remote = app.remote
    if remote is not None:
        return remote.bulk({"action": str(action), "filter": filter, "preview": True})
    selection = parse_bulk_filter(filter, utcnow())
    preview = preview_bulk(
        app.db, action, actor=app.caller.actor, filter=selection.store,
        filter_json=selection.shown, max_set=app.settings.bulk_max_set,
        ttl_seconds=app.settings.bulk_preview_seconds,
    )  # fmt: skip
    with app.db.read() as conn:
        return preview_json(conn, preview)


def _start(app: App, preview_id: str, limit: int) -> dict[str, Any]:
    remote = app.remote
    if remote is not None:
        return remote.bulk({"preview_id": preview_id, "max": limit})
    operation = start_operation(
        app.db, preview_id, max_executions=limit, origin=app.caller.origin,
        trigger=Trigger.MANUAL,
    )  # fmt: skip
    with app.db.read() as conn:
        return progress_json(load_progress(conn, operation.bulk_id))


def refuse_mixed(execution_id: str | None, filter: dict[str, Any], bulk_flags: bool) -> None:
    """An id or filters, one of them: a one-line error otherwise."""
    if execution_id is not None and (filter or bulk_flags):
        raise BadInput(
            "give an execution id or filters (" + ", ".join(FILTER_OPTIONS) + "), not both"
        )
    if execution_id is None and not filter:
        raise BadInput(
            "give an execution id, or filters to act on many: " + ", ".join(FILTER_OPTIONS)
        )
