"""Is this Runplane healthy? Database reachable (and how fast), executor alive, live workers.

`GET /health` and the dashboard's header indicator both render `check_health`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from runplane.engine.executors.base import Executor, ExecutorFacts
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store

STALL_SECONDS = 5.0
"""An executor loop that has not ticked for this long (or 20 polls) counts as stalled."""


class HealthStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # the API answers, but queued executions will not start
    DOWN = "down"  # the database does not answer


@dataclass(frozen=True)
class DatabaseHealth:
    ok: bool
    dialect: str
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True)
class ExecutorHealth:
    """The executor of this serving process."""

    alive: bool
    last_tick_seconds_ago: float
    running: int
    max_workers: int


@dataclass(frozen=True)
class WorkerHealth:
    """A process that runs executions and sent a heartbeat within the worker timeout."""

    worker_id: str
    kind: str
    host: str
    pid: int
    max_workers: int
    heartbeat_seconds_ago: float


@dataclass(frozen=True)
class HealthReport:
    status: HealthStatus
    message: str
    checked_at: datetime
    database: DatabaseHealth
    executor: ExecutorHealth | None
    workers: list[WorkerHealth] = field(default_factory=list)


def check_health(
    db: Database,
    settings: Settings,
    executor: Executor | None = None,
    *,
    clock: Clock = utcnow,
) -> HealthReport:
    """Probe the database with one trivial query, read the live workers and the facts of
    this process's executor (if it serves one); never raises."""
    now = clock()
    database, workers = _probe(db, now - timedelta(seconds=settings.worker_timeout), now)
    facts = None if executor is None else _executor(executor.facts(), settings)
    if not database.ok:
        status = HealthStatus.DOWN
        message = f"The database does not answer ({database.error})"
    elif facts is not None and not facts.alive:
        status = HealthStatus.DEGRADED
        message = "The executor of this server has stopped: queued executions will not start"
    elif facts is None and not any(w.kind == "serve" for w in workers):
        status = HealthStatus.DEGRADED
        message = "No executor is running: queued executions wait for `runplane serve`"
    else:
        status = HealthStatus.OK
        message = "Database reachable and executor running"
    return HealthReport(status, message, now, database, facts, workers)


def _probe(
    db: Database, since: datetime, now: datetime
) -> tuple[DatabaseHealth, list[WorkerHealth]]:
    started = time.perf_counter()
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
            latency = (time.perf_counter() - started) * 1000
            live = worker_store.list_live_workers(conn, since=since)
    except Exception as exc:  # any driver error means "not reachable" to an operator
        latency = (time.perf_counter() - started) * 1000
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        error = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
        return DatabaseHealth(False, db.dialect, round(latency, 3), error), []
    workers = [
        WorkerHealth(
            worker_id=w.worker_id,
            kind=w.kind,
            host=w.host,
            pid=w.pid,
            max_workers=w.max_workers,
            heartbeat_seconds_ago=round(max(0.0, (now - w.heartbeat_at).total_seconds()), 3),
        )
        for w in live
    ]
    return DatabaseHealth(True, db.dialect, round(latency, 3)), workers


def _executor(facts: ExecutorFacts, settings: Settings) -> ExecutorHealth:
    stalled = facts.last_tick_seconds_ago > max(STALL_SECONDS, 20 * settings.poll_interval)
    return ExecutorHealth(
        alive=facts.alive and not stalled,
        last_tick_seconds_ago=round(facts.last_tick_seconds_ago, 3),
        running=facts.running,
        max_workers=facts.max_workers,
    )
