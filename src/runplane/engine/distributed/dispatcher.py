"""The executor of a `serve` whose executions run on Celery workers: it runs nothing itself,
it hands each runnable pending execution to its queue on the broker.

Handing over is marked on the row first (`dispatched_at`, compare-and-set), so several
`serve` processes send an execution once; one still unclaimed after
RUNPLANE_REDISPATCH_AFTER is sent again, if a live worker serves its queue, since a broker
that lost its messages (Redis restarted without persistence) must lose no execution. A
duplicate message is harmless: the worker's claim (`pending -> running`) refuses it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from celery import Celery

from runplane.engine import lifecycle
from runplane.engine.distributed.app import TASK, celery_app
from runplane.engine.executors.base import ExecutorFacts
from runplane.engine.failure_log import FailureLog
from runplane.engine.serving import wakeup
from runplane.model import Worker
from runplane.model.clock import Clock, utcnow
from runplane.model.routing import queue_of
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import queue as queue_store
from runplane.store import workers as worker_store

log = logging.getLogger(__name__)

BATCH = 200
"""Executions handed over per pass at most (the rest go on the next, at once)."""
KIND = "celery"
"""The kind of the worker rows `runplane worker` registers."""


class CeleryDispatcher:
    """Sends runnable executions to the broker (an `Executor`, see `executors/base.py`)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        worker_id: str,
        clock: Clock = utcnow,
        app: Celery | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self.worker_id = worker_id
        self._clock = clock
        self._app = app or celery_app(settings)
        self._woken = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)
        self._failures = FailureLog(log, "handing executions to the broker failed")
        self._last_tick = time.monotonic()
        self._last_blocked_check = 0.0
        self._workers: list[Worker] = []
        """The live Celery workers, as of the last pass."""

    def start(self) -> None:
        wakeup.subscribe(self.wake)
        self._thread.start()

    def stop(self, *, reason: str = "the worker shut down while it ran") -> None:
        """Stop sending; what workers run goes on (they are other processes)."""
        wakeup.unsubscribe(self.wake)
        self._stopping.set()
        self._woken.set()
        if self._thread.is_alive():
            self._thread.join()
        self._app.close()

    def wake(self) -> None:
        self._woken.set()

    def request_stop(self, execution_id: str, *, kill: bool = False) -> bool:
        """Never held here: the worker holding it sees the cancel request and stops it."""
        return False

    def running_ids(self) -> list[str]:
        return []

    def facts(self) -> ExecutorFacts:
        workers = self._workers
        problem = None
        if self._failures.failing:
            problem = f"the broker does not take executions ({self._failures.last})"
        elif not workers:
            problem = "no Celery worker is live: queued executions wait for `runplane worker`"
        return ExecutorFacts(
            alive=self._thread.is_alive(),
            last_tick_seconds_ago=max(0.0, time.monotonic() - self._last_tick),
            running=sum(w.busy or 0 for w in workers),
            max_workers=sum(w.max_workers for w in workers),
            busy=sum(w.busy or 0 for w in workers),
            accepting=problem is None,
            problem=problem,
        )

    def tick(self) -> int:
        """One pass: hand over what is due; returns how many executions were sent."""
        now = self._clock()
        since = now - timedelta(seconds=self._settings.worker_timeout)
        before = now - timedelta(seconds=self._settings.redispatch_after)
        with self._db.read() as conn:
            self._workers = worker_store.list_live_workers(conn, since=since, kind=KIND)
            due = queue_store.list_to_dispatch(conn, now, dispatched_before=before, limit=BATCH)
        served = {queue for w in self._workers for queue in w.queues}
        due = [d for d in due if not d[2] or queue_of(d[1]) in served]  # re-send: if served
        if not due:
            return 0
        with self._db.write() as conn:
            mine = [
                (id_, queue)
                for id_, queue, _ in due
                if queue_store.update_dispatched(conn, id_, now, dispatched_before=before)
            ]
        for sent, (execution_id, queue) in enumerate(mine):
            try:
                self._app.send_task(TASK, args=[execution_id], queue=queue_of(queue), retry=False)
            except Exception:
                self._undo([id_ for id_, _ in mine[sent:]], before)
                raise
        return len(mine)

    def _undo(self, unsent: list[str], before: datetime) -> None:
        """Unmark what could not be sent, so the next pass sends it (not a redispatch later)."""
        with self._db.write() as conn:
            for execution_id in unsent:
                queue_store.update_dispatched(conn, execution_id, None, dispatched_before=before)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._woken.wait(self._settings.poll_interval)
            self._woken.clear()
            if self._stopping.is_set():
                return
            self._last_tick = time.monotonic()
            try:
                if self.tick() == BATCH:
                    self._woken.set()  # more are due: no need to wait for the next poll
                self._cancel_blocked()
                self._failures.succeeded()
            except Exception as exc:
                self._failures.failed(exc)
                self._stopping.wait(1.0)

    def _cancel_blocked(self) -> None:
        now = time.monotonic()
        if now - self._last_blocked_check >= 1.0:
            self._last_blocked_check = now
            lifecycle.cancel_blocked(self._db, clock=self._clock)
