"""`runplane logs search "QUERY"`: search every execution's log, locally or on the server
RUNPLANE_URL names, printing each matching execution with its lines."""

from __future__ import annotations

import json
from typing import Any

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.model import LOG_LEVELS, ExecutionStatus
from runplane.model.clock import utcnow
from runplane.model.json import parse_iso
from runplane.model.timefmt import relative_day
from runplane.model.timerange import RANGES
from runplane.tiers import Feature, locked_reason
from runplane.views import log_search as views
from runplane.views.list_query import ListingError


@click.group()
@pass_app
def logs(app: App) -> None:
    """Search across every execution's log (on the server RUNPLANE_URL names, if set)."""
    locked = locked_reason(Feature.HISTORY, app.settings.tier)
    if locked is not None and app.remote is None:
        raise BadInput(locked)


@logs.command("search")
@click.argument("query")
@click.option(
    "--range", "range_", type=click.Choice(list(RANGES)), default=views.DEFAULT_RANGE,
    show_default=True,
)  # fmt: skip
@click.option("--pipeline", "pipelines", multiple=True)
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice([str(s) for s in ExecutionStatus])
)
@click.option(
    "--level", "levels", multiple=True,
    type=click.Choice([v.lower() for v in LOG_LEVELS], case_sensitive=False),
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(1, views.MAX_LIMIT), default=views.DEFAULT_LIMIT,
    show_default=True, help="Executions to show.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@pass_app
def search_command(
    app: App,
    query: str,
    range_: str,
    pipelines: tuple[str, ...],
    statuses: tuple[str, ...],
    levels: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """Executions whose log matches QUERY, newest first: words, "phrases", prefix* and
    level:error, all required (see the README's log search section)."""
    remote = app.remote
    if remote is not None:
        pairs = [("q", query), ("range", range_), ("limit", str(limit))]
        pairs += [("pipeline", p) for p in pipelines] + [("status", s) for s in statuses]
        body: dict[str, Any] = remote.call("GET", "/v1/logs/search", query=pairs + _levels(levels))
    else:
        try:
            request = views.parse_search(
                q=query, status=statuses, pipeline=pipelines, range=range_, level=levels,
                limit=limit,
            )  # fmt: skip
        except ListingError as exc:
            raise BadInput(exc.message) from None
        body = views.page_json(views.search_logs(app.db, request))
    if as_json:
        click.echo(json.dumps(body, indent=2))
        return
    if not body["items"]:
        click.echo(f"No log line matches {body['query']} — widen it with --range 30d")
        return
    click.echo(render(body))


def render(body: dict[str, Any]) -> str:
    """Each execution on a line of its own, then its lines (`>` marks a match)."""
    now = utcnow()
    out: list[str] = []
    for item in body["items"]:
        e = item["execution"]
        created = parse_iso(e["created_at"])
        when = relative_day(created, now) if created else ""
        plural = "" if item["matches"] == 1 else "s"
        out.append(
            f"{e['execution_id']}  {e['status']}  {e['pipeline']}  {when}  "
            f"{item['matches']} matching line{plural}"
        )
        for line in item["lines"]:
            mark = ">" if line["match"] else " "
            out.append(f"  {mark} {line['seq']:>6}  {line['level']:<8} {line['message']}")
        shown = sum(1 for line in item["lines"] if line["match"])
        if item["matches"] > shown:
            out.append(f"    … {item['matches'] - shown} more in its log")
    if body["has_more"]:
        out.append("More executions match: narrow the search or raise --limit")
    return "\n".join(out)


def _levels(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("level", v) for v in levels]
