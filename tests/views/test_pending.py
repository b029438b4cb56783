"""Why a pending execution has not started: backoff, prerequisite, queue position, workers."""

from __future__ import annotations

from datetime import timedelta

from runplane.model import Worker
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store
from runplane.views.pending import explain_pending
from tests.conftest import FakeClock
from tests.factories import make_execution


def test_pending_reason_names_backoff_prerequisite_queue_and_busy_workers(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    now = clock()
    worker = Worker(
        worker_id="w1",
        host="h",
        pid=1,
        process_started_at=0.0,
        kind="serve",
        started_at=now,
        heartbeat_at=now,
        max_workers=1,
    )
    with db.write() as conn:
        worker_store.insert_worker(conn, worker)
        busy = make_execution(
            conn, status="running", worker_id="w1", created_at=now - timedelta(minutes=3)
        )
        first = make_execution(conn, status="pending", created_at=now - timedelta(minutes=2))
        later = make_execution(
            conn,
            status="pending",
            created_at=now - timedelta(minutes=1),
            after_id=busy.execution_id,
            not_before=now + timedelta(seconds=30),
        )
        done = make_execution(conn, status="completed")
    reason = explain_pending(db, settings, later, clock=clock)
    assert reason is not None
    assert reason.not_before == now + timedelta(seconds=30)
    assert reason.waiting_for is not None
    assert reason.waiting_for.execution_id == busy.execution_id
    assert reason.queue_position == 1
    assert [w.worker.worker_id for w in reason.workers] == ["w1"]
    assert [e.execution_id for e in reason.workers[0].running] == [busy.execution_id]
    assert (reason.capacity, reason.busy) == (1, 1)
    head = explain_pending(db, settings, first, clock=clock)
    assert head is not None
    assert (head.queue_position, head.not_before) == (0, None)
    assert explain_pending(db, settings, done, clock=clock) is None
