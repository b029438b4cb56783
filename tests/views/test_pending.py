"""Why a pending execution has not started: backoff, prerequisite, queue position, workers."""

from __future__ import annotations

from datetime import timedelta

from runplane.model import Worker
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store
from runplane.views.pending import explain_pending
from tests.conftest import FakeClock
from tests.factories import make_execution, make_worker


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


def test_with_celery_workers_only_those_serving_its_queue_count(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    celery = settings.model_copy(update={"executor": "celery"})
    with db.write() as conn:
        make_worker(conn, kind="celery", name="light", queues=("default",), heartbeat_at=clock())
        make_worker(
            conn, kind="celery", name="big", queues=("default", "heavy"), heartbeat_at=clock()
        )
        make_worker(conn, kind="serve", queues=(), heartbeat_at=clock())  # runs nothing here
        heavy = make_execution(conn, status="pending", queue="heavy", created_at=clock())
        nobody = make_execution(conn, status="pending", queue="gpu", created_at=clock())
        default = make_execution(conn, status="pending", created_at=clock())
    served = explain_pending(db, celery, heavy, clock=clock)
    assert served is not None
    assert served.queue == "heavy"
    assert [w.worker.name for w in served.workers] == ["big"]
    unserved = explain_pending(db, celery, nobody, clock=clock)
    assert unserved is not None
    assert (unserved.queue, unserved.no_worker) == ("gpu", True)
    both = explain_pending(db, celery, default, clock=clock)
    assert both is not None
    assert sorted(w.worker.name or "" for w in both.workers) == ["big", "light"]
    local = explain_pending(db, settings, nobody, clock=clock)  # the local executor: no queues
    assert local is not None
    assert local.queue is None
    assert len(local.workers) == 3
