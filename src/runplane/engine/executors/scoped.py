"""Running executions from a short-lived process (`runplane run --wait` with no server),
and waiting for one to end (the basic tier's synchronous runs).

The process registers as a worker scoped to one execution tree, so it runs that
execution and the children it submits, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import anyio.to_thread

from runplane.engine.executors.local import LocalExecutor
from runplane.engine.serving.workers import WorkerRegistration
from runplane.model import Execution
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store


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


async def run_to_end(
    db: Database, settings: Settings, execution_id: str, *, serving: bool
) -> Execution:
    """Wait until a submitted execution ended, without holding a thread while it runs.

    When this process serves no executor (`serving` false), one scoped to the execution
    runs it here, as `runplane run --wait` does.
    """
    executor = None if serving else scoped_executor(db, settings, execution_id)
    if executor is not None:
        await anyio.to_thread.run_sync(executor.__enter__)
    try:
        while True:
            execution = await anyio.to_thread.run_sync(_read, db, execution_id)
            if execution.status.is_final:
                return execution
            await anyio.sleep(settings.poll_interval)
    finally:
        if executor is not None:
            with anyio.CancelScope(shield=True):  # stopped even if the caller went away
                await anyio.to_thread.run_sync(executor.__exit__, None, None, None)


def _read(db: Database, execution_id: str) -> Execution:
    with db.read() as conn:
        return store.get_execution(conn, execution_id)
