"""What needs an operator's attention: the overview's figures and the unresolved failures of
a list view. The dashboard renders these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from runplane.model import ExecutionStatus
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import failures as failure_store
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
