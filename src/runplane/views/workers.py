"""Which processes run executions now: live workers, and whether a `runplane serve` is up to
pick up queued work (the CLI says so when none is)."""

from __future__ import annotations

from datetime import timedelta

from runplane.model import Worker
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store


def live_workers(
    db: Database, settings: Settings, *, kind: str | None = None, clock: Clock = utcnow
) -> list[Worker]:
    """Workers whose heartbeat is younger than the worker timeout."""
    since = clock() - timedelta(seconds=settings.worker_timeout)
    with db.read() as conn:
        return worker_store.list_live_workers(conn, since=since, kind=kind)


def executor_available(db: Database, settings: Settings, *, clock: Clock = utcnow) -> bool:
    """True if a `runplane serve` worker is alive to pick up queued executions."""
    return bool(live_workers(db, settings, kind="serve", clock=clock))
