"""`runplane executions compare A B`: two executions side by side, on the database or on
the server RUNPLANE_URL names (`GET /v1/executions/compare`); both print the same."""

from __future__ import annotations

import json
from typing import Any

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.cli.render import table
from runplane.model.cost import memory, money
from runplane.model.json import parse_iso
from runplane.model.timefmt import absolute, duration
from runplane.views.compare import compare_json, load_comparison, logs_text, parse_pair
from runplane.views.list_query import ListingError

LABELS = {"duration": "duration", "rows": "rows", "peak_rss": "peak memory", "cost": "cost"}


@click.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def compare_command(app: App, a: str, b: str, as_json: bool) -> None:
    """Set two executions side by side: parameters, measures, figures, first log divergence."""
    try:
        a, b = parse_pair(a, b)
    except ListingError as exc:
        raise BadInput(str(exc)) from None
    remote = app.remote
    if remote is not None:
        body = remote.compare(a, b)
    else:
        with app.db.read() as conn:
            body = compare_json(load_comparison(conn, a, b), app.settings.tier)
    click.echo(json.dumps(body, indent=2) if as_json else compare_text(body))


def compare_text(c: dict[str, Any]) -> str:
    """The comparison as `compare_json` gives it, for the terminal."""
    lines = [_side("A", c["a"]), _side("B", c["b"])]
    rows = [["status", c["a"]["status"], c["b"]["status"]]]
    for name, pair in c["measures"].items():
        if pair is None:
            rows.append([LABELS[name], "locked (Advanced tier)", ""])
        else:
            rows.append(
                [LABELS[name], *(_measure(name, pair[k], c[k]["cost_currency"]) for k in "ab")]
            )
    lines += ["", table(["", "a", "b"], rows), "Parameters"]
    p = c["params"]
    lines += [f"  {k}: {_param(v['a'])} → {_param(v['b'])} (changed)"
              for k, v in p["changed"].items()]  # fmt: skip
    lines += [f"  {k}: {_param(v)} (only in A)" for k, v in p["removed"].items()]
    lines += [f"  {k}: {_param(v)} (only in B)" for k, v in p["added"].items()]
    if not (p["changed"] or p["removed"] or p["added"]):
        lines.append("  the same parameters")
    if p["same"]:
        same = ", ".join(f"{k}={_param(v)}" for k, v in p["same"].items())
        lines.append(f"  same in both: {same}")
    if c["figures"]:
        lines.append("Output figures")
        figures = [[f["name"], _figure(f["a"]), _figure(f["b"])] for f in c["figures"]]
        lines += ["  " + line for line in table(["figure", "a", "b"], figures).splitlines()]
    logs = c["logs"]
    lines += ["Logs", f"  {logs_text(logs)}"]
    lines += [f"  {side} line {logs[f'line_{k}']}: {logs[f'text_{k}']}"
              for side, k in (("A", "a"), ("B", "b")) if logs[f"text_{k}"] is not None]  # fmt: skip
    return "\n".join(lines)


def _param(value: Any) -> str:
    """A parameter value as it is typed: `emea`, `true`, `[1, 2]`, `null`."""
    return value if isinstance(value, str) else json.dumps(value)


def _side(label: str, side: dict[str, Any]) -> str:
    created = absolute(parse_iso(side["created_at"]))
    return f"{label}: {side['execution_id']}  {side['pipeline']}  {side['status']}  {created}"


def _measure(name: str, value: float | None, currency: str | None) -> str:
    if value is None:
        return "—"
    if name == "duration":
        return duration(value)
    if name == "peak_rss":
        return memory(value)
    if name == "cost":
        return money(value, currency or "")
    return f"{value:,.0f}"


def _figure(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
