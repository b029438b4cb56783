"""Prometheus metrics of a serving process, for `GET /metrics`.

Counters and the durations histogram are bumped by the executor as its children exit;
queue depth and running count are read at scrape time from two indexed counts, so a
scrape never scans the executions table. Live workers and (with a Celery executor) the
broker's queue depths are read at scrape time too, once `watch_workers` is called.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from runplane.engine.distributed.broker import BrokerUnavailable, queue_depths, watched_queues
from runplane.engine.executors.base import Executor
from runplane.model import ExecutionStatus, Worker
from runplane.model.clock import Clock, utcnow
from runplane.model.sla import SlaKind
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import workers as worker_store

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_ACTIVE = store.ExecutionFilter(
    statuses=frozenset({ExecutionStatus.PENDING, ExecutionStatus.RUNNING})
)
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)
BROKER_TIMEOUT = 1.0
"""Seconds a scrape waits for the broker before leaving its queue depths out."""


class EngineMetrics:
    """One registry per serving process (not the global one, so tests can run several)."""

    def __init__(self, db: Database, executor: Executor | None = None) -> None:
        self._db = db
        self.executor = executor
        self.registry = CollectorRegistry()
        self.executions = Counter(
            "runplane_executions",
            "Executions that ended in this server's executor, by pipeline and final status.",
            ["pipeline", "status"],
            registry=self.registry,
        )
        self.durations = Histogram(
            "runplane_execution_duration_seconds",
            "Run time (started to completed) of executions that ended in this server's executor.",
            ["pipeline"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.sla_breaches = Counter(
            "runplane_sla_breaches",
            "SLA breaches this server's SLA watch recorded (executions past a limit, and "
            "scheduled instants missed with nothing run), by pipeline and limit.",
            ["pipeline", "sla"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "runplane_notifications",
            "Notification deliveries this server finished, by channel and outcome (sent, failed).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_QueueCollector(self))
        ProcessCollector(registry=self.registry)
        self._watching = False

    def watch_workers(self, settings: Settings, clock: Clock = utcnow) -> None:
        """Export the live workers' gauges (and the broker's queue depths with a Celery
        executor) at every scrape; once per registry, later calls change nothing."""
        if not self._watching:
            self.registry.register(_WorkerCollector(self._db, settings, clock))
            self._watching = True

    def record_exit(self, execution_id: str) -> None:
        """Count an execution whose process exited (called on the executor's thread)."""
        try:
            with self._db.read() as conn:
                execution = store.find_execution(conn, execution_id)
        except Exception:
            log.warning("metrics: could not read %s after its exit", execution_id, exc_info=True)
            return
        if execution is None or not execution.status.is_final:
            return
        self.executions.labels(execution.pipeline, str(execution.status)).inc()
        if execution.duration_seconds is not None:
            self.durations.labels(execution.pipeline).observe(execution.duration_seconds)

    def record_sla_breach(self, pipeline: str, sla: SlaKind) -> None:
        """Count a breach the SLA watch recorded (called on its thread)."""
        self.sla_breaches.labels(pipeline, str(sla)).inc()

    def record_delivery(self, channel: str, delivered: bool) -> None:
        """Count a delivery that was sent or gave up (called on the notification thread)."""
        self.notifications.labels(str(channel), "sent" if delivered else "failed").inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class _QueueCollector(Collector):
    """Gauges read at scrape time: two indexed counts and the executor's in-memory slots."""

    def __init__(self, metrics: EngineMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        queued = GaugeMetricFamily(
            "runplane_queue_depth", "Pending executions waiting to start (all workers)."
        )
        running = GaugeMetricFamily(
            "runplane_executions_running", "Executions running now (all workers)."
        )
        try:
            with self._metrics._db.read() as conn:
                counts = store.count_by_status(conn, _ACTIVE)
        except Exception:
            log.warning("metrics: could not count queued and running executions", exc_info=True)
            return
        queued.add_metric([], counts[ExecutionStatus.PENDING])
        running.add_metric([], counts[ExecutionStatus.RUNNING])
        yield queued
        yield running
        executor = self._metrics.executor
        if executor is not None:
            facts = executor.facts()
            busy = GaugeMetricFamily(
                "runplane_executor_busy_slots", "Child processes this server's executor runs."
            )
            busy.add_metric([], facts.running)
            slots = GaugeMetricFamily(
                "runplane_executor_slots", "Executions this server's executor may run at once."
            )
            slots.add_metric([], facts.max_workers)
            yield busy
            yield slots


class _WorkerCollector(Collector):
    """Gauges of every live worker, read from the workers table at scrape time, and the
    broker's queue depths (left out while the broker does not answer)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        since = self._clock() - timedelta(seconds=self._settings.worker_timeout)
        try:
            with self._db.read() as conn:
                live = worker_store.list_live_workers(conn, since=since)
        except Exception:
            log.warning("metrics: could not read the live workers", exc_info=True)
            return
        yield from _worker_gauges(live)
        depths = self._depths(live)
        if depths is not None:
            gauge = GaugeMetricFamily(
                "runplane_broker_queue_depth",
                "Messages waiting in the broker, by queue (every priority counted).",
                labels=["queue"],
            )
            for queue, depth in depths.items():
                gauge.add_metric([queue], depth)
            yield gauge

    def _depths(self, live: list[Worker]) -> dict[str, int] | None:
        settings = self._settings
        if settings.executor != "celery" or settings.broker_url is None:
            return None
        try:
            return queue_depths(
                settings.broker_url.get_secret_value(), watched_queues(live), BROKER_TIMEOUT
            )
        except BrokerUnavailable as exc:
            log.warning("metrics: %s", exc)
            return None


def _worker_gauges(live: list[Worker]) -> Iterator[Metric]:
    workers = GaugeMetricFamily(
        "runplane_workers", "Live workers (heartbeat within the worker timeout), by kind.",
        labels=["kind"],
    )  # fmt: skip
    for kind, count in sorted(Tally(w.kind for w in live).items()):
        workers.add_metric([kind], count)
    busy = GaugeMetricFamily(
        "runplane_worker_busy", "Slots a live worker had taken at its last heartbeat.",
        labels=["worker"],
    )  # fmt: skip
    concurrency = GaugeMetricFamily(
        "runplane_worker_concurrency", "Executions a live worker may run at once.",
        labels=["worker"],
    )  # fmt: skip
    for worker, label in zip(live, worker_labels(live), strict=True):
        concurrency.add_metric([label], worker.max_workers)
        if worker.busy is not None:
            busy.add_metric([label], worker.busy)
    yield workers
    yield busy
    yield concurrency


def worker_labels(live: list[Worker]) -> list[str]:
    """Each worker's `worker` label: its name, or its id when it has none or shares its name
    with another live worker (a restart within the timeout), so no two samples collide."""
    names = Tally(w.name for w in live if w.name)
    return [w.name if w.name and names[w.name] == 1 else w.worker_id for w in live]
