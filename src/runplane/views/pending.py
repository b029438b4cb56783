"""Why a pending execution has not started yet: a retry backoff, a prerequisite still
running, its place in the queue, or no free worker (with Celery workers: none serving its
queue). The detail page's Summary says it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from runplane.model import Execution, ExecutionStatus, Worker
from runplane.model.clock import Clock, utcnow
from runplane.model.routing import queue_of
from runplane.model.status import SUCCESS_STATUSES
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import queue as queue_store
from runplane.store import workers as worker_store


@dataclass(frozen=True)
class BusyWorker:
    """A live worker and the executions it is running now."""

    worker: Worker
    running: list[Execution] = field(default_factory=list)


@dataclass(frozen=True)
class PendingReason:
    """Why a pending execution has not started yet; the first field that is set explains it."""

    not_before: datetime | None = None
    """It waits out an automatic-retry backoff until then."""
    waiting_for: Execution | None = None
    """It runs after this execution completes."""
    queue_position: int = 0
    """Pending executions created before it (0 = next in line)."""
    workers: list[BusyWorker] = field(default_factory=list)
    """Live workers that run executions, with what they run."""
    capacity: int = 0
    """Executions the live workers run at once, in total."""
    queue: str | None = None
    """Its queue, when Celery workers run executions (only those serving it count above)."""

    @property
    def no_worker(self) -> bool:
        return not self.workers

    @property
    def busy(self) -> int:
        return sum(len(w.running) for w in self.workers)


def explain_pending(
    db: Database, settings: Settings, execution: Execution, *, clock: Clock = utcnow
) -> PendingReason | None:
    """Backoff, prerequisite, queue position and busy workers of a pending execution; else None."""
    if execution.status is not ExecutionStatus.PENDING:
        return None
    now = clock()
    with db.read() as conn:
        waiting_for = None
        if execution.after_id is not None:
            after = store.find_execution(conn, execution.after_id)
            if after is not None and after.status not in SUCCESS_STATUSES:
                waiting_for = after
        position = queue_store.queue_position(conn, execution)
        live = worker_store.list_live_workers(
            conn, since=now - timedelta(seconds=settings.worker_timeout)
        )
        queue = None
        if settings.executor == "celery":  # only the workers serving its queue can take it
            queue = queue_of(execution.queue)
            live = [w for w in live if queue in w.queues]
        running = queue_store.list_running(conn)
    by_worker: dict[str, list[Execution]] = {}
    for run in running:
        if run.worker_id is not None:
            by_worker.setdefault(run.worker_id, []).append(run)
    return PendingReason(
        not_before=execution.not_before
        if execution.not_before is not None and execution.not_before > now
        else None,
        waiting_for=waiting_for,
        queue_position=position,
        workers=[BusyWorker(w, by_worker.get(w.worker_id, [])) for w in live],
        capacity=sum(w.max_workers for w in live),
        queue=queue,
    )
