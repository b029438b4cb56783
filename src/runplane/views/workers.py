"""Which processes run executions now: live workers with their queues and busy slots, the
broker's queue depths (with a Celery executor), and whether a `runplane serve` is up to pick
up queued work (the CLI says so when none is).

`runplane workers list`, `GET /v1/workers`, `/health`, the Overview's Workers card and
`/metrics` all read these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from runplane.engine.distributed.broker import (
    BrokerUnavailable,
    queue_depths,
    redact,
    watched_queues,
)
from runplane.model import Worker
from runplane.model.clock import Clock, utcnow
from runplane.model.json import iso
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store

NO_BROKER_URL = "RUNPLANE_BROKER_URL is not set: set it to the Redis broker, redis://HOST:6379/0"
BROKER_TIMEOUT = 1.0
"""Seconds a page, `/health` or the CLI waits for the broker before saying it is unreachable."""


@dataclass(frozen=True)
class WorkerSummary:
    """A live worker as operators see it: where it runs, what it takes, how busy it is."""

    worker_id: str
    name: str | None
    kind: str
    host: str
    pid: int
    queues: tuple[str, ...]
    concurrency: int
    """Executions it may run at once (its `max_workers`)."""
    busy: int | None
    """Slots taken at its last heartbeat; None when it does not say."""
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_seconds_ago: float

    @property
    def label(self) -> str:
        """Its name, or the start of its id when it has none."""
        return self.name or self.worker_id[:8]


@dataclass(frozen=True)
class BrokerState:
    """The broker as the last read found it."""

    url: str
    """Without its password: `redis://:***@host:6379/0`."""
    reachable: bool
    queue_depths: dict[str, int] = field(default_factory=dict)
    """Messages waiting per queue (the default queue and those workers serve)."""
    error: str | None = None
    """Why it could not be read, as a sentence; None when it answered."""


@dataclass(frozen=True)
class WorkersReport:
    checked_at: datetime
    workers: list[WorkerSummary]
    broker: BrokerState | None
    """None unless RUNPLANE_EXECUTOR=celery."""


def live_workers(
    db: Database, settings: Settings, *, kind: str | None = None, clock: Clock = utcnow
) -> list[Worker]:
    """Workers whose heartbeat is younger than the worker timeout."""
    since = clock() - timedelta(seconds=settings.worker_timeout)
    with db.read() as conn:
        return worker_store.list_live_workers(conn, since=since, kind=kind)


def executor_available(db: Database, settings: Settings, *, clock: Clock = utcnow) -> bool:
    """True if a `runplane serve` worker is alive to pick up queued executions."""
    return bool(live_workers(db, settings, kind="serve", clock=clock))


def summarize(worker: Worker, now: datetime) -> WorkerSummary:
    return WorkerSummary(
        worker_id=worker.worker_id,
        name=worker.name,
        kind=worker.kind,
        host=worker.host,
        pid=worker.pid,
        queues=worker.queues,
        concurrency=worker.max_workers,
        busy=worker.busy,
        started_at=worker.started_at,
        heartbeat_at=worker.heartbeat_at,
        heartbeat_seconds_ago=worker.heartbeat_age(now),
    )


def broker_state(settings: Settings, workers: Sequence[Worker]) -> BrokerState | None:
    """The queue depths of the default queue and of those `workers` serve, or why the broker
    could not be read; None unless RUNPLANE_EXECUTOR=celery. Never raises."""
    if settings.executor != "celery":
        return None
    if settings.broker_url is None:
        return BrokerState("", False, error=NO_BROKER_URL)
    url = settings.broker_url.get_secret_value()
    try:
        depths = queue_depths(url, watched_queues(workers), timeout=BROKER_TIMEOUT)
    except BrokerUnavailable as exc:
        return BrokerState(redact(url), False, error=str(exc))
    return BrokerState(redact(url), True, depths)


def workers_report(db: Database, settings: Settings, *, clock: Clock = utcnow) -> WorkersReport:
    """Every live worker, oldest first, and (with a Celery executor) the broker's queues."""
    now = clock()
    live = live_workers(db, settings, clock=lambda: now)
    return WorkersReport(now, [summarize(w, now) for w in live], broker_state(settings, live))


def worker_json(worker: WorkerSummary) -> dict[str, Any]:
    return {
        "worker_id": worker.worker_id,
        "name": worker.name,
        "kind": worker.kind,
        "host": worker.host,
        "pid": worker.pid,
        "queues": list(worker.queues),
        "concurrency": worker.concurrency,
        "busy": worker.busy,
        "started_at": iso(worker.started_at),
        "heartbeat_at": iso(worker.heartbeat_at),
        "heartbeat_seconds_ago": worker.heartbeat_seconds_ago,
    }


def broker_json(broker: BrokerState | None) -> dict[str, Any] | None:
    if broker is None:
        return None
    return {
        "url": broker.url,
        "reachable": broker.reachable,
        "queue_depths": dict(broker.queue_depths),
        "error": broker.error,
    }


def report_json(report: WorkersReport) -> dict[str, Any]:
    """The body of `GET /v1/workers`, and what `runplane workers list --json` prints."""
    return {
        "checked_at": iso(report.checked_at),
        "workers": [worker_json(w) for w in report.workers],
        "broker": broker_json(report.broker),
    }
