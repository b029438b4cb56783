"""What a serving process runs beside its web server: worker row, executor, lost-run monitor,
the notification sender, (except in the basic tier) the scheduler and the runner of bulk
operations, and (in the advanced tier) the SLA watch.

Of several servers sharing a database, one at a time runs each of the SLA watch, the
notification sender, the bulk runner and the capture sweep: the one holding its lease
(held by worker id). Scheduling and lost-execution recovery are safe on every server."""

from __future__ import annotations

import logging
import time

from runplane.engine.executors.base import Executor
from runplane.engine.executors.configured import configured_executor
from runplane.engine.notifications.matching import Links
from runplane.engine.notifications.sender import NotificationLoop
from runplane.engine.scheduling.scheduler import Scheduler
from runplane.engine.serving.bulk_runner import BulkRunner
from runplane.engine.serving.facts import SchedulerFacts, ServingFacts
from runplane.engine.serving.housekeeping import discard_unpublished
from runplane.engine.serving.lease import Lease
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.recovery import recover_lost_executions
from runplane.engine.serving.sla import SlaWatch
from runplane.engine.serving.storage_watch import StorageWatch
from runplane.engine.serving.workers import WorkerRegistration
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import registry
from runplane.plugins import resolve_capture_tables
from runplane.settings import Settings
from runplane.store import Database
from runplane.tiers import Feature

log = logging.getLogger(__name__)


class ServingRuntime:
    """Start after the database is ready; stop before the process exits."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        links: Links | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self._clock = clock
        runs_here = settings.executor == "local"  # else Celery workers run them, not serve
        self.registration = WorkerRegistration(
            db,
            settings,
            kind="serve",
            max_workers=settings.max_workers if runs_here else 0,
            busy=lambda: self.executor.facts().busy if runs_here else 0,
            clock=clock,
        )
        self.metrics = EngineMetrics(db)
        self.executor: Executor = configured_executor(
            db,
            settings,
            worker_id=self.registration.worker.worker_id,
            host=self.registration.worker.host,
            clock=clock,
            on_exit=self.metrics.record_exit,
        )
        self.metrics.executor = self.executor
        self.scheduler = (
            Scheduler(db, settings, clock=clock) if settings.has(Feature.SCHEDULING) else None
        )
        self.sla = (
            SlaWatch(
                db, settings.sla_interval, clock=clock, on_breach=self.metrics.record_sla_breach,
                lease=self._lease("sla-watch", settings.sla_interval),
            )
            if settings.has(Feature.SLA)
            else None
        )  # fmt: skip
        self.bulk = (
            BulkRunner(
                db, settings, clock=clock, lease=self._lease("bulk-runner", settings.bulk_interval)
            )
            if settings.has(Feature.HISTORY)
            else None
        )
        self.storage = StorageWatch(db, settings)
        self.notifier = NotificationLoop(
            db,
            settings,
            links or Links(settings.public_url or "http://127.0.0.1:8000"),
            clock=clock,
            on_outcome=self.metrics.record_delivery,
            lease=self._lease("notifications", settings.notification_interval),
        )
        self._sweep_lease = self._lease("capture-sweep", settings.heartbeat_interval)
        self._capture_tables = resolve_capture_tables(registry.load(settings.pipeline_modules))
        self._swept_at: float | None = None

    def start(self) -> None:
        self.storage.start()
        self.registration.register()
        for execution_id in self._recover():
            log.warning("marked %s as worker_lost at start", execution_id)
        self.executor.start()
        self.registration.start_heartbeat(on_tick=self._recover)
        if self.scheduler is not None:
            self.scheduler.start()
        if self.sla is not None:
            self.sla.start()
        if self.bulk is not None:
            self.bulk.start()
        self.notifier.start()

    def stop(self) -> None:
        self.notifier.stop()
        if self.sla is not None:
            self.sla.stop()
        if self.bulk is not None:
            self.bulk.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.executor.stop(reason="the worker shut down while it ran")
        self._release_sweep()
        self.registration.stop()
        self.storage.stop()

    def facts(self) -> ServingFacts:
        """What its loops say of themselves now, for `/health`."""
        scheduler = None
        if self.scheduler is not None:
            at = self.scheduler.last_tick_at
            scheduler = SchedulerFacts(
                alive=self.scheduler.alive,
                last_tick_seconds_ago=None if at is None else time.monotonic() - at,
                problem=self.scheduler.problem,
            )
        return ServingFacts(
            executor=self.executor.facts(),
            heartbeat_alive=self.registration.beating,
            heartbeat_seconds_ago=self.registration.beat_seconds_ago,
            scheduler=scheduler,
        )

    def _recover(self) -> list[str]:
        """End lost executions, then sweep their unpublished rows (and, every
        `housekeeping_interval`, any others)."""
        lost = recover_lost_executions(
            self.db, self.settings, me=self.registration.worker.worker_id, clock=self._clock
        )
        now = time.monotonic()
        due = self._swept_at is None or now - self._swept_at >= self.settings.housekeeping_interval
        if (lost or due) and self._sweep_lease.held():
            self._swept_at = now
            discard_unpublished(
                self.db, self._capture_tables, clock=self._clock, go_on=self._sweep_lease.held
            )
        return lost

    def _lease(self, name: str, interval: float) -> Lease:
        """The lease of one loop: RUNPLANE_LEASE_SECONDS, and at least three passes long."""
        ttl = max(self.settings.lease_seconds, 3 * interval)
        holder = self.registration.worker.worker_id
        return Lease(self.db, name, holder, ttl, clock=self._clock)

    def _release_sweep(self) -> None:
        try:
            self._sweep_lease.release()
        except Exception as exc:
            log.warning("could not release the capture sweep's lease (%s)", exc)
