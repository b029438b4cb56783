"""The SLA misses operators look for: scheduled instants that passed their `complete_within`
with nothing run, newest first (the pipeline page and the Overview show them)."""

from __future__ import annotations

from datetime import timedelta

from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import sla as sla_store
from runplane.store.sla import SlaMiss

WINDOW = timedelta(days=7)


def list_recent_misses(
    db: Database, *, pipeline: str | None = None, clock: Clock = utcnow, limit: int = 10
) -> list[SlaMiss]:
    """Instants missed in the last 7 days (of one pipeline, if given), latest deadline first."""
    with db.read() as conn:
        return sla_store.list_misses(conn, pipeline=pipeline, since=clock() - WINDOW, limit=limit)
