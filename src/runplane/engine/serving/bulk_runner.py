"""The loop in `runplane serve` that works through running bulk operations, throttled:
never more than RUNPLANE_BULK_MAX_PENDING executions created by bulk retries pending at
once, and at most RUNPLANE_BULK_RATE executions acted on per second.

Its state is in the database (queued items), so after a restart it simply goes on. Of
several servers sharing a database the one holding its lease works through them; items
are also settled by compare-and-set, so even two runners at once never act twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from runplane.engine.bulk.operation import Outcome, act_on_item, finish_if_done
from runplane.engine.failure_log import FailureLog
from runplane.engine.serving import wakeup
from runplane.engine.serving.lease import Lease
from runplane.engine.serving.loop import ServeLoop
from runplane.model.bulk import BulkAction, BulkItem, BulkOperation
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import bulk as bulk_store

log = logging.getLogger(__name__)


class BulkRunner(ServeLoop):
    """Ticks every `settings.bulk_interval` in a thread of `serve`; tests call `tick()`."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        registry: Registry = default_registry,
        lease: Lease | None = None,
    ) -> None:
        failures = FailureLog(log, "a bulk operation could not go on")
        super().__init__("bulk-runner", settings.bulk_interval, failures, lease=lease)
        self.db = db
        self.settings = settings
        self._clock = clock
        self._registry = registry
        self._step = timedelta(seconds=1 / settings.bulk_rate)
        self._next_at: datetime | None = None
        self._swept_at: datetime | None = None

    def tick(self) -> int:
        """Act on what the throttle allows now; returns how many executions it acted on."""
        with self.db.read() as conn:
            running = bulk_store.list_running(conn)
        acted = 0
        for operation in running:
            done, out_of_rate = self._work_on(operation)
            acted += done
            if out_of_rate:
                break
        if acted:
            wakeup.notify()
        self._sweep()
        self._failures.succeeded()
        return acted

    def _sweep(self) -> None:
        """Every RUNPLANE_HOUSEKEEPING_INTERVAL, delete the previews that expired."""
        now = self._clock()
        every = timedelta(seconds=self.settings.housekeeping_interval)
        if self._swept_at is not None and now - self._swept_at < every:
            return
        self._swept_at = now
        with self.db.write() as conn:
            bulk_store.delete_expired_previews(conn, now)

    def _work_on(self, operation: BulkOperation) -> tuple[int, bool]:
        """Act on its queued items while the throttle allows; (acted, out of rate). One
        held back by the pending cap leaves the rate to the operations after it (a cancel)."""
        acted = 0
        while True:
            items = _next_item(self.db, operation.bulk_id)
            if not items:
                finish_if_done(self.db, operation.bulk_id, clock=self._clock)
                return acted, False
            if self._out_of_rate() or not self.holds_lease():
                return acted, True
            if self._pending_full(operation):
                return acted, False
            outcome = act_on_item(
                self.db, operation, items[0], grace_seconds=self.settings.cancel_grace,
                registry=self._registry, clock=self._clock,
            )  # fmt: skip
            if outcome is Outcome.ACTED:
                acted += 1
                now = self._clock()
                self._next_at = max(self._next_at or now, now) + self._step

    def _out_of_rate(self) -> bool:
        return self._next_at is not None and self._clock() < self._next_at

    def _pending_full(self, operation: BulkOperation) -> bool:
        if operation.action is not BulkAction.RETRY:
            return False
        with self.db.read() as conn:
            pending = bulk_store.count_pending_created(conn)
        return pending >= self.settings.bulk_max_pending


def _next_item(db: Database, bulk_id: str) -> list[BulkItem]:
    with db.read() as conn:
        return bulk_store.next_queued(conn, bulk_id, 1)
