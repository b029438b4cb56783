"""What needs an operator's attention: the overview's figures, unresolved failures of a list
view, and why a pending execution has not started. The dashboard renders these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from runplane.model import Execution, ExecutionStatus, Worker
from runplane.model.clock import Clock, utcnow
from runplane.model.status import SUCCESS_STATUSES
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import failures as failure_store
from runplane.store import queue as queue_store
from runplane.store import workers as worker_store
from runplane.views.list_caches import CountCache
from runplane.views.list_query import ListFilters

DAY = timedelta(hours=24)
UNRESOLVED_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Overview:
    """Is the system healthy? Failures now against the day before, and what is in flight."""

    now: datetime
    failed_last_24h: int
    failed_previous_24h: int
    running: int
    pending: int
    unresolved_7d: int


def system_overview(db: Database, *, clock: Clock = utcnow) -> Overview:
    """Failures in the last 24 h and the 24 h before, running and pending now, unresolved in 7 d."""
    now = clock()
    failed = frozenset({ExecutionStatus.FAILED})
    active = frozenset({ExecutionStatus.RUNNING, ExecutionStatus.PENDING})
    with db.read() as conn:
        last = store.count_by_status(conn, store.ExecutionFilter(statuses=failed, since=now - DAY))
        before = store.count_by_status(
            conn, store.ExecutionFilter(statuses=failed, since=now - 2 * DAY, until=now - DAY)
        )
        in_flight = store.count_by_status(conn, store.ExecutionFilter(statuses=active))
        unresolved = failure_store.count_unresolved_failures(
            conn, store.ExecutionFilter(since=now - UNRESOLVED_WINDOW)
        )
    return Overview(
        now=now,
        failed_last_24h=last[ExecutionStatus.FAILED],
        failed_previous_24h=before[ExecutionStatus.FAILED],
        running=in_flight[ExecutionStatus.RUNNING],
        pending=in_flight[ExecutionStatus.PENDING],
        unresolved_7d=unresolved,
    )


def unresolved_failures(
    db: Database, filters: ListFilters, *, cache: CountCache | None = None, clock: Clock = utcnow
) -> int:
    """Failures in a list view's window (and pipeline and trigger filters) not made good by
    a retry; kept in `cache` (as a failed count under its own key) like the list's counts."""
    key = ("unresolved", *filters.cache_key())
    cached = None if cache is None else cache.get(key)
    if cached is not None:
        return cached[ExecutionStatus.FAILED]
    with db.read() as conn:
        count = failure_store.count_unresolved_failures(conn, filters.to_store(clock()))
    if cache is not None:
        cache.put(key, {ExecutionStatus.FAILED: count})
    return count


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
    )
