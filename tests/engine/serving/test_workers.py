"""A worker's row: what it registers (name, queues, slots) and the busy slots each
heartbeat samples."""

from __future__ import annotations

from datetime import timedelta

from runplane.engine.service import cancel_execution, submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.workers import WorkerRegistration
from runplane.model import Trigger, Worker
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store
from tests.conftest import FakeClock, wait_for_final, wait_until


def _row(db: Database, worker_id: str) -> Worker:
    with db.read() as conn:
        found = worker_store.find_worker(conn, worker_id)
    assert found is not None
    return found


def test_registration_records_name_queues_and_samples_busy_at_each_beat(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    taken = [2]
    registration = WorkerRegistration(
        db, settings, kind="celery", max_workers=4, name="gpu-1",
        queues=("reports", "default"), busy=lambda: taken[0], clock=clock,
    )  # fmt: skip
    registration.register()
    registered = _row(db, registration.worker.worker_id)
    assert (registered.name, registered.queues, registered.busy) == (
        "gpu-1",
        ("reports", "default"),
        0,
    )
    assert registered.max_workers == 4

    clock.advance(seconds=2)
    registration.heartbeat()
    taken[0] = 3
    clock.advance(seconds=2)
    registration.heartbeat()

    beaten = _row(db, registration.worker.worker_id)
    assert beaten.busy == 3
    assert beaten.heartbeat_at == registered.heartbeat_at + timedelta(seconds=4)


def test_a_busy_count_that_fails_never_stops_the_heartbeat(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    def broken() -> int:
        raise RuntimeError("executor gone")

    registration = WorkerRegistration(
        db, settings, kind="serve", max_workers=2, busy=broken, clock=clock
    )
    registration.register()
    clock.advance(seconds=2)
    registration.heartbeat()

    row = _row(db, registration.worker.worker_id)
    assert row.heartbeat_at == clock()
    assert row.busy == 0  # as registered


def test_a_registration_without_a_busy_count_leaves_it_unknown(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    registration = WorkerRegistration(db, settings, kind="run", max_workers=1, clock=clock)
    registration.register()
    registration.heartbeat()
    assert _row(db, registration.worker.worker_id).busy is None


def test_serve_reports_its_executors_busy_slots(runtime: ServingRuntime) -> None:
    worker_id = runtime.registration.worker.worker_id
    execution = submit_execution(
        runtime.db, "runplane.sleep", {"seconds": 30}, trigger=Trigger.API, triggered_by="local"
    )
    wait_until(lambda: _row(runtime.db, worker_id).busy == 1, timeout=20, what="busy 1")

    cancel_execution(runtime.db, execution.execution_id, by="local", grace_seconds=1)
    wait_for_final(runtime.db, execution.execution_id)
    wait_until(lambda: _row(runtime.db, worker_id).busy == 0, timeout=20, what="busy 0")
