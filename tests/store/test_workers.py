"""Worker rows and liveness by heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.model import Worker
from runplane.store import Database
from runplane.store import workers as worker_store

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def make_worker(worker_id: str, beat: datetime, kind: str = "serve") -> Worker:
    return Worker(worker_id, "host", 1, 1.0, kind, T0, beat)


def test_live_workers_are_those_with_a_recent_heartbeat_and_not_stopped(db: Database) -> None:
    with db.write() as conn:
        worker_store.insert_worker(conn, make_worker("fresh", T0))
        worker_store.insert_worker(conn, make_worker("stale", T0 - timedelta(minutes=5)))
        worker_store.insert_worker(conn, make_worker("stopped", T0))
        worker_store.insert_worker(conn, make_worker("cli", T0, kind="run"))
        worker_store.update_stopped(conn, "stopped", T0)
        worker_store.update_heartbeat(conn, "stale", T0 - timedelta(seconds=1))
    with db.read() as conn:
        live = worker_store.list_live_workers(conn, since=T0 - timedelta(seconds=30))
        serving = worker_store.list_live_workers(
            conn, since=T0 - timedelta(seconds=30), kind="serve"
        )
    assert {w.worker_id for w in live} == {"fresh", "stale", "cli"}
    assert {w.worker_id for w in serving} == {"fresh", "stale"}
