"""`runplane workers list`: every live worker and the broker's queue depths, from this
database or from the server RUNPLANE_URL names."""

from __future__ import annotations

import json
from typing import Any

import click

from runplane.cli.app import App, pass_app
from runplane.cli.render import table
from runplane.model.timefmt import ago
from runplane.views.workers import report_json, workers_report


@click.group()
def workers() -> None:
    """See the processes that run executions (on the server RUNPLANE_URL names, if set)."""


@workers.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """Every worker whose heartbeat is recent: host, pid, queues, busy slots, heartbeat age;
    with a Celery executor, the messages waiting in each queue."""
    remote = app.remote
    if remote is not None:
        body: dict[str, Any] = remote.call("GET", "/v1/workers")
    else:
        body = report_json(workers_report(app.db, app.settings))
    click.echo(json.dumps(body, indent=2) if as_json else render(body))


def render(body: dict[str, Any]) -> str:
    """The workers as a table, then the broker's line and its queues."""
    if body["workers"]:
        rows = [_row(w) for w in body["workers"]]
        headers = ["name/id", "kind", "host", "pid", "queues", "busy/concurrency", "heartbeat"]
        out = [table(headers, rows)]
    else:
        out = ["No live workers: start `runplane serve` (or `runplane worker`)"]
    broker = body.get("broker")
    if broker is not None:
        if broker["reachable"]:
            depths = ", ".join(f"{q} {n:,}" for q, n in broker["queue_depths"].items())
            out.append(f"Broker {broker['url']}: waiting in queues: {depths}")
        else:
            out.append(f"Broker unreachable: {broker['error']}")
    return "\n".join(out)


def _row(worker: dict[str, Any]) -> list[str]:
    busy = "?" if worker["busy"] is None else str(worker["busy"])
    return [
        worker["name"] or worker["worker_id"],
        worker["kind"],
        worker["host"],
        str(worker["pid"]),
        ",".join(worker["queues"]) or "—",
        f"{busy}/{worker['concurrency']}",
        ago(worker["heartbeat_seconds_ago"]) + " ago",
    ]
