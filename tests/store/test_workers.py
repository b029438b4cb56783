"""Worker rows and liveness by heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from runplane.model import Worker
from runplane.store import Database
from runplane.store import workers as worker_store
from tests import factories

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


def test_a_workers_name_queues_and_busy_slots_read_back(db: Database) -> None:
    with db.write() as conn:
        celery = make_celery_worker(conn)
        plain = factories.make_worker(conn, worker_id="serve-1")
    with db.read() as conn:
        found = worker_store.find_worker(conn, celery.worker_id)
        serve = worker_store.find_worker(conn, plain.worker_id)
    assert found is not None
    assert (found.name, found.queues, found.busy) == ("gpu-1", ("reports", "default"), 0)
    assert serve is not None
    assert (serve.name, serve.queues, serve.busy) == (None, (), None)


def test_a_heartbeat_records_busy_slots_only_when_given(db: Database) -> None:
    with db.write() as conn:
        worker = make_celery_worker(conn)
        worker_store.update_heartbeat(conn, worker.worker_id, T0 + timedelta(seconds=2), busy=3)
        worker_store.update_heartbeat(conn, worker.worker_id, T0 + timedelta(seconds=4))
    with db.read() as conn:
        found = worker_store.find_worker(conn, worker.worker_id)
    assert found is not None
    assert found.busy == 3
    assert found.heartbeat_at == T0 + timedelta(seconds=4)


def make_celery_worker(conn: Connection) -> Worker:
    return factories.make_worker(
        conn, kind="celery", name="gpu-1", queues=("reports", "default"), busy=0, max_workers=4
    )
