"""Is this Runplane healthy? One check per thing that can fail, each with its reason, and the
worst of them as the state: `down` when the database cannot take work (unreachable, not
writable, its file gone, its disk full), `degraded` when it can but queued executions
will not start or schedules will not fire, `ok` otherwise.

`GET /health` and the dashboard's header indicator both render `check_health`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from runplane.engine.executors.base import ExecutorFacts
from runplane.engine.serving.facts import ServingFacts, StorageFacts
from runplane.model import Worker
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import notifications as notification_store
from runplane.store import queue as queue_store
from runplane.store import workers as worker_store
from runplane.store.errors import DATABASE_BUSY
from runplane.views.workers import BrokerState, broker_state

STALL_SECONDS = 5.0
"""An executor loop that has not ticked for this long (or 20 polls) counts as stalled."""
FULL_BYTES = 1024 * 1024
"""Less free space than this on the database's disk is no room at all."""
SCHEDULER_STALL_SECONDS = 10.0
CHANNEL_WINDOW = timedelta(minutes=15)
CHANNEL_FAILURES = 3


class HealthStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # the API answers, but queued executions will not start
    DOWN = "down"  # the database cannot take work: HTTP 503
    SKIPPED = "skipped"  # a check that does not apply here (only on checks)


_RANK = {
    HealthStatus.SKIPPED: 0,
    HealthStatus.OK: 0,
    HealthStatus.DEGRADED: 1,
    HealthStatus.DOWN: 2,
}


@dataclass(frozen=True)
class Check:
    """One thing the health depends on: its name, what it found and why."""

    name: str
    status: HealthStatus
    detail: str


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
    accepting: bool = True
    restarts: int = 0
    unrecorded: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class WorkerHealth:
    """A process that runs executions and sent a heartbeat within the worker timeout."""

    worker_id: str
    kind: str
    host: str
    pid: int
    max_workers: int
    heartbeat_seconds_ago: float
    name: str | None = None
    queues: tuple[str, ...] = ()
    busy: int | None = None
    """Slots taken at its last heartbeat (of `max_workers`); None when it does not say."""


@dataclass(frozen=True)
class HealthReport:
    status: HealthStatus
    message: str
    checked_at: datetime
    database: DatabaseHealth
    executor: ExecutorHealth | None
    workers: list[WorkerHealth] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    worker_count: int = 0
    broker: BrokerState | None = None
    """The broker's queue depths (RUNPLANE_EXECUTOR=celery, when asked for): reported,
    never judged here."""


def check_health(
    db: Database,
    settings: Settings,
    serving: ServingFacts | None = None,
    *,
    storage: StorageFacts | None = None,
    broker: bool = False,
    clock: Clock = utcnow,
) -> HealthReport:
    """Run every check (a read here; the write probe's result comes in `storage`) and
    report the worst; never raises. With `broker` (and a Celery executor) also read the
    broker's queue depths, which may wait up to its timeout."""
    now = clock()
    database, live, due = _probe(db, now - timedelta(seconds=settings.worker_timeout), now)
    workers = [_worker(w, now) for w in live]
    file_check, *storage_checks = _storage_checks(storage, settings)
    checks = [file_check, _reachable(database), *storage_checks]  # the most telling first
    facts = None if serving is None else _executor(serving.executor, settings)
    checks += _executor_checks(serving, facts, workers, due, now, settings)
    checks.append(_notifications(db, now))
    worst = max(checks, key=lambda c: _RANK[c.status])
    status = HealthStatus.OK if _RANK[worst.status] == 0 else worst.status
    message = worst.detail if status is not HealthStatus.OK else _all_well(serving)
    if status is HealthStatus.DOWN and database.ok:  # answers, but cannot take work
        database = DatabaseHealth(False, database.dialect, database.latency_ms, message)
    return HealthReport(
        status, message, now, database, facts, workers, checks, worker_count=len(workers),
        broker=broker_state(settings, live) if broker else None,
    )  # fmt: skip


def _notifications(db: Database, now: datetime) -> Check:
    """Degraded while a channel's last `CHANNEL_FAILURES` attempts of the last quarter
    hour all failed: messages about failures are not reaching anyone."""
    try:
        with db.read() as conn:
            outcomes = notification_store.recent_outcomes(conn, now - CHANNEL_WINDOW)
    except Exception:
        return Check("notifications", HealthStatus.SKIPPED, "delivery history unreadable")
    last: dict[str, list[bool]] = {}
    for channel, delivered in outcomes:
        last.setdefault(str(channel), []).append(delivered)
    failing = sorted(
        name
        for name, results in last.items()
        if len(results) >= CHANNEL_FAILURES and not any(results[-CHANNEL_FAILURES:])
    )
    if failing:
        detail = f"Notifications are failing on {', '.join(failing)}: see the Notifications page"
        return Check("notifications", HealthStatus.DEGRADED, detail)
    return Check("notifications", HealthStatus.OK, "delivering")


def _all_well(serving: ServingFacts | None) -> str:
    if serving is None:
        return "Database reachable and writable"
    return "Database writable, executor taking work"


def _probe(
    db: Database, since: datetime, now: datetime
) -> tuple[DatabaseHealth, list[Worker], tuple[str, datetime] | None]:
    started = time.perf_counter()
    try:
        with db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
            latency = (time.perf_counter() - started) * 1000
            live = worker_store.list_live_workers(conn, since=since)
            oldest = queue_store.find_oldest_due(conn, now)
    except Exception as exc:  # any driver error means "not reachable" to an operator
        latency = (time.perf_counter() - started) * 1000
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        error = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
        return DatabaseHealth(False, db.dialect, round(latency, 3), error), [], None
    due = None if oldest is None else (oldest[0].execution_id, oldest[1])
    return DatabaseHealth(True, db.dialect, round(latency, 3)), live, due


def _worker(w: Worker, now: datetime) -> WorkerHealth:
    return WorkerHealth(
        worker_id=w.worker_id,
        kind=w.kind,
        host=w.host,
        pid=w.pid,
        max_workers=w.max_workers,
        heartbeat_seconds_ago=w.heartbeat_age(now),
        name=w.name,
        queues=w.queues,
        busy=w.busy,
    )


def _reachable(database: DatabaseHealth) -> Check:
    if database.ok:
        return Check("database", HealthStatus.OK, f"answered in {database.latency_ms:.1f} ms")
    return Check("database", HealthStatus.DOWN, f"The database does not answer ({database.error})")


def _storage_checks(storage: StorageFacts | None, settings: Settings) -> list[Check]:
    if storage is None:
        skipped = "not probed in this process"
        return [
            Check("database_file", HealthStatus.SKIPPED, skipped),
            Check("database_writable", HealthStatus.SKIPPED, skipped),
            Check("disk_space", HealthStatus.SKIPPED, skipped),
        ]
    ago = f"probed {storage.probed_seconds_ago:.0f} s ago"
    if storage.write_error is None:
        writable = Check("database_writable", HealthStatus.OK, f"a write committed ({ago})")
    elif storage.write_kind == DATABASE_BUSY:
        detail = f"Writes wait: the database stayed locked past the probe's timeout ({ago})"
        writable = Check("database_writable", HealthStatus.DEGRADED, detail)
    else:
        detail = f"Writes fail: {storage.write_error[:1].upper()}{storage.write_error[1:]}"
        writable = Check("database_writable", HealthStatus.DOWN, detail)
    if storage.file_problem is not None:
        detail = storage.file_problem[:1].upper() + storage.file_problem[1:]
        identity = Check("database_file", HealthStatus.DOWN, detail)
    elif storage.folder is None:
        identity = Check("database_file", HealthStatus.SKIPPED, "a server database has no file")
    else:
        identity = Check("database_file", HealthStatus.OK, "the file opened is the one configured")
    return [identity, writable, _disk(storage, settings)]


def _disk(storage: StorageFacts, settings: Settings) -> Check:
    if storage.free_bytes is None or storage.folder is None:
        return Check("disk_space", HealthStatus.SKIPPED, "the database's disk is not on this host")
    free_mb = storage.free_bytes / 1e6
    if storage.free_bytes < FULL_BYTES or (storage.capped_pages_left or 1) <= 0:
        detail = f"The disk of {storage.folder} is full ({free_mb:.1f} MB free): free space on it"
        return Check("disk_space", HealthStatus.DOWN, detail)
    if storage.capped_pages_left is not None and storage.capped_pages_left < 16:
        detail = f"The database is at its page cap ({storage.capped_pages_left} pages left)"
        return Check("disk_space", HealthStatus.DOWN, detail)
    if free_mb < settings.health_min_free_mb:
        detail = (
            f"Only {free_mb:.0f} MB free on the disk of {storage.folder} "
            f"(below RUNPLANE_HEALTH_MIN_FREE_MB={settings.health_min_free_mb})"
        )
        return Check("disk_space", HealthStatus.DEGRADED, detail)
    return Check("disk_space", HealthStatus.OK, f"{free_mb:,.0f} MB free on {storage.folder}")


def _executor_checks(
    serving: ServingFacts | None,
    facts: ExecutorHealth | None,
    workers: list[WorkerHealth],
    due: tuple[str, datetime] | None,
    now: datetime,
    settings: Settings,
) -> list[Check]:
    if serving is None or facts is None:
        if any(w.kind == "serve" for w in workers):
            return [Check("executor", HealthStatus.SKIPPED, "runs in another process")]
        detail = "No executor is running: queued executions wait for `runplane serve`"
        return [Check("executor", HealthStatus.DEGRADED, detail)]
    checks = [_executor_alive(facts), _taking_work(serving.executor, facts, due, now, settings)]
    checks.append(_heartbeat(serving, settings))
    checks.append(_scheduler(serving, settings))
    return checks


def _executor_alive(facts: ExecutorHealth) -> Check:
    if not facts.alive:
        detail = "The executor of this server has stopped: queued executions will not start"
        return Check("executor", HealthStatus.DEGRADED, detail)
    if not facts.accepting:
        detail = f"The executor cannot start processes: {facts.problem or 'no fork server'}"
        return Check("executor", HealthStatus.DEGRADED, detail)
    if facts.unrecorded:
        return Check("executor", HealthStatus.DEGRADED, f"The executor holds back: {facts.problem}")
    times = "once" if facts.restarts == 1 else f"{facts.restarts} times"
    restarted = f", its fork server restarted {times}" if facts.restarts else ""
    detail = f"running, {facts.running} of {facts.max_workers} slots busy{restarted}"
    return Check("executor", HealthStatus.OK, detail)


def _taking_work(
    raw: ExecutorFacts,
    facts: ExecutorHealth,
    due: tuple[str, datetime] | None,
    now: datetime,
    settings: Settings,
) -> Check:
    if due is None:
        return Check("executor_taking_work", HealthStatus.OK, "nothing is waiting to start")
    waited = (now - due[1]).total_seconds()
    free = raw.max_workers - raw.busy
    if waited > settings.health_stuck_after and free > 0:
        detail = (
            f"The executor is not taking work: execution {due[0]} has been due for "
            f"{waited:.0f} s while {free} of {facts.max_workers} slots are free"
        )
        return Check("executor_taking_work", HealthStatus.DEGRADED, detail)
    detail = f"the oldest due execution has waited {max(0.0, waited):.0f} s"
    return Check(
        "executor_taking_work", HealthStatus.OK, detail + ("" if free else " (slots full)")
    )


def _heartbeat(serving: ServingFacts, settings: Settings) -> Check:
    age = serving.heartbeat_seconds_ago
    if not serving.heartbeat_alive:
        return Check("heartbeat", HealthStatus.DEGRADED, "The heartbeat of this server stopped")
    if age > max(settings.worker_timeout / 2, 3 * settings.heartbeat_interval):
        detail = (
            f"The last heartbeat written is {age:.0f} s old: other servers count this one "
            f"lost at {settings.worker_timeout:.0f} s"
        )
        return Check("heartbeat", HealthStatus.DEGRADED, detail)
    return Check("heartbeat", HealthStatus.OK, f"written {age:.1f} s ago")


def _scheduler(serving: ServingFacts, settings: Settings) -> Check:
    scheduler = serving.scheduler
    if scheduler is None:
        return Check("scheduler", HealthStatus.SKIPPED, "no scheduling in this tier")
    if not scheduler.alive:
        return Check("scheduler", HealthStatus.DEGRADED, "The scheduler has stopped")
    age = scheduler.last_tick_seconds_ago
    if age is not None and age > max(SCHEDULER_STALL_SECONDS, 5 * settings.scheduler_interval):
        detail = f"The scheduler has not looked at schedules for {age:.0f} s"
        return Check("scheduler", HealthStatus.DEGRADED, detail)
    if scheduler.problem is not None:
        detail = f"The scheduler cannot fire: {scheduler.problem}"
        return Check("scheduler", HealthStatus.DEGRADED, detail)
    return Check("scheduler", HealthStatus.OK, "running")


def _executor(facts: ExecutorFacts, settings: Settings) -> ExecutorHealth:
    stalled = facts.last_tick_seconds_ago > max(STALL_SECONDS, 20 * settings.poll_interval)
    return ExecutorHealth(
        alive=facts.alive and not stalled,
        last_tick_seconds_ago=round(facts.last_tick_seconds_ago, 3),
        running=facts.running,
        max_workers=facts.max_workers,
        accepting=facts.accepting,
        restarts=facts.restarts,
        unrecorded=facts.unrecorded,
        problem=facts.problem,
    )
