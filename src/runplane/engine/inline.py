"""Running executions from a short-lived process (`runplane run --wait` with no server).

The process registers as a worker scoped to one execution tree, so it runs that
execution and the children it submits, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from runplane.engine.clock import Clock, utcnow
from runplane.engine.executors.local import LocalExecutor
from runplane.engine.workers import WorkerRegistration, live_workers
from runplane.settings import Settings
from runplane.store import Database


def executor_available(db: Database, settings: Settings, *, clock: Clock = utcnow) -> bool:
    """True if a `runplane serve` worker is alive to pick up queued executions."""
    return bool(live_workers(db, settings, kind="serve", clock=clock))


@contextmanager
def scoped_executor(db: Database, settings: Settings, execution_id: str) -> Iterator[LocalExecutor]:
    """An executor in this process for one execution tree, stopped (and its worker row closed) on exit."""
    registration = WorkerRegistration(
        db, settings, kind="run", max_workers=settings.max_workers, scope=execution_id
    )
    registration.register()
    registration.start_heartbeat()
    executor = LocalExecutor(
        db,
        settings,
        worker_id=registration.worker.worker_id,
        host=registration.worker.host,
        scope={execution_id},
    )
    executor.start()
    try:
        yield executor
    finally:
        executor.stop(reason="`runplane run --wait` exited while it ran")
        registration.stop()
