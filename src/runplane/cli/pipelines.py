"""`runplane pipelines list|show`."""

from __future__ import annotations

import json
from typing import Any

import click

from runplane.cli.app import App, pass_app
from runplane.cli.render import table
from runplane.model import Execution
from runplane.model.clock import utcnow
from runplane.model.json import iso
from runplane.model.timefmt import relative_day
from runplane.pipelines import registry
from runplane.pipelines.params import property_schema
from runplane.tiers import Feature
from runplane.views.pipelines import list_pipelines_with_last_run


@click.group()
def pipelines() -> None:
    """Inspect registered pipelines."""


@pipelines.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_command(app: App, as_json: bool) -> None:
    """Every registered pipeline with its last run."""
    now = utcnow()
    with app.db.read() as conn:
        found = list_pipelines_with_last_run(conn)
    if as_json:
        data = [
            {
                "name": row.pipeline.name,
                "description": row.pipeline.description,
                "last_run": _last_json(row.last_run),
            }
            for row in found
        ]
        click.echo(json.dumps(data, indent=2))
        return
    rows = []
    for row in found:
        e = row.last_run
        status = "never run" if e is None else f"{e.status.icon} {e.status}"
        when = "" if e is None else relative_day(e.created_at, now)
        rows.append([row.pipeline.name, status, when, row.pipeline.title])
    click.echo(table(["pipeline", "last run", "when (UTC)", "description"], rows))


@pipelines.command("show")
@click.argument("name")
@pass_app
def show_command(app: App, name: str) -> None:
    """A pipeline's description and parameters."""
    pipeline = registry.get(name)
    click.echo(f"{pipeline.name}\n  {pipeline.description}\nParameters")
    schema = pipeline.schema
    required = set(schema.get("required", []))
    for field, spec in schema.get("properties", {}).items():
        spec, _ = property_schema(spec, schema.get("$defs", {}))
        kind = spec.get("format") or spec.get("type") or "value"
        if "enum" in spec:
            kind = " | ".join(str(v) for v in spec["enum"])
        default = "required" if field in required else f"default {spec.get('default')!r}"
        description = spec.get("description") or ""
        click.echo(f"  {field} ({kind}; {default})" + (f": {description}" if description else ""))
    if not schema.get("properties"):
        click.echo("  (none)")
    if pipeline.sla is not None and app.settings.has(Feature.SLA):
        click.echo(f"SLA\n  {pipeline.sla.describe()}")


def _last_json(execution: Execution | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {
        "execution_id": execution.execution_id,
        "status": str(execution.status),
        "created_at": iso(execution.created_at),
    }
