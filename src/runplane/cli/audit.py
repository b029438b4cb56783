"""`runplane audit export --since ... [--until ...] --format csv|json`: the trail as a file."""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import datetime, timedelta

import click

from runplane.cli.app import App, BadInput, pass_app
from runplane.model.clock import utcnow
from runplane.store import audit as store
from runplane.store.audit import AuditFilter
from runplane.views.audit import entry_json
from runplane.views.list_query import ListingError, parse_instant

COLUMNS = ["entry_id", "at", "actor", "action", "target", "detail", "address", "user_agent",
           "token", "count"]  # fmt: skip
_AGO = re.compile(r"(\d{1,5})([dh])")


@click.group()
def audit() -> None:
    """Export the audit trail (nothing can edit or delete it)."""


@audit.command("export")
@click.option("--since", required=True, help="An ISO date or time (UTC), or 7d / 24h ago.")
@click.option("--until", default=None, help="An ISO date or time (UTC); default now.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json",
              show_default=True)  # fmt: skip
@click.option("--actor", default=None, help="Only this actor, e.g. user:alice.")
@pass_app
def export_command(app: App, since: str, until: str | None, fmt: str, actor: str | None) -> None:
    """Print every entry from --since on, oldest first."""
    now = utcnow()
    query = AuditFilter(actor=actor, since=_instant("--since", since, now),
                        until=None if until is None else _instant("--until", until, now))  # fmt: skip
    with app.db.read() as conn:
        entries = [entry_json(e) for e in store.iter_entries(conn, query)]
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry | {"detail": json.dumps(entry["detail"], sort_keys=True)})


def _instant(option: str, value: str, now: datetime) -> datetime:
    text = value.strip()
    ago = _AGO.fullmatch(text)
    if ago is not None:
        amount = int(ago[1])
        return now - (timedelta(days=amount) if ago[2] == "d" else timedelta(hours=amount))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    try:
        parsed = parse_instant(option.lstrip("-"), text)
    except ListingError as exc:
        raise BadInput(f"{option}: {exc.message}") from None
    if parsed is None:
        raise BadInput(f"{option} needs a value (e.g. 7d or 2025-12-01)")
    return parsed
