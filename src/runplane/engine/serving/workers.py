"""Worker registration: a row per process that runs executions, kept fresh by a heartbeat.

Other processes judge liveness from these rows: a stale heartbeat, or (on the same host)
a pid whose start time no longer matches, means the worker and its executions are lost.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from runplane.engine import processes
from runplane.engine.failure_log import FailureLog
from runplane.engine.ids import new_execution_id
from runplane.model import Worker
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import workers as worker_store

log = logging.getLogger(__name__)


class WorkerRegistration:
    """Registers this process as a worker and runs `on_tick` after every heartbeat.

    `busy`, when given, is sampled at registration and at every beat, so other processes
    see how many of its `max_workers` slots are taken.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        kind: str,
        max_workers: int,
        scope: str | None = None,
        name: str | None = None,
        queues: tuple[str, ...] = (),
        busy: Callable[[], int] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._busy = busy
        now = clock()
        pid = os.getpid()
        self.worker = Worker(
            worker_id=new_execution_id(),
            host=socket.gethostname(),
            pid=pid,
            process_started_at=processes.start_time(pid) or 0.0,
            kind=kind,
            started_at=now,
            heartbeat_at=now,
            max_workers=max_workers,
            info={"scope": scope} if scope else {},
            name=name,
            queues=queues,
            busy=0 if busy is not None else None,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = FailureLog(log, "the heartbeat failed")
        self.last_beat = time.monotonic()
        """When (monotonic) the last heartbeat was written."""

    @property
    def beat_seconds_ago(self) -> float:
        """Age of the last heartbeat written; other servers judge this one lost past
        `worker_timeout`."""
        return time.monotonic() - self.last_beat

    @property
    def beating(self) -> bool:
        """The heartbeat thread runs (it was started and not stopped)."""
        return self._thread is not None and self._thread.is_alive()

    def register(self) -> None:
        with self._db.write() as conn:
            worker_store.insert_worker(conn, self.worker)
        self.last_beat = time.monotonic()

    def start_heartbeat(self, on_tick: Callable[[], object] = lambda: None) -> None:
        """Beat now (what ran since `register`, a fork server's start, may have outlasted
        the worker timeout on a loaded machine), then every `heartbeat_interval`."""
        try:
            self.heartbeat()
        except Exception as exc:
            self._failures.failed(exc)
        self._thread = threading.Thread(
            target=self._beat, args=(on_tick,), name="heartbeat", daemon=True
        )
        self._thread.start()

    def heartbeat(self) -> None:
        busy = self._sample_busy()
        with self._db.write() as conn:
            worker_store.update_heartbeat(conn, self.worker.worker_id, self._clock(), busy=busy)
        self.last_beat = time.monotonic()

    def _sample_busy(self) -> int | None:
        """The busy count, or None (left as it was) when it cannot be had: the heartbeat,
        which keeps this worker alive to others, never waits on it."""
        if self._busy is None:
            return None
        try:
            return self._busy()
        except Exception as exc:
            log.warning("could not count this worker's busy slots (%s)", exc)
            return None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            with self._db.write() as conn:
                worker_store.update_stopped(conn, self.worker.worker_id, self._clock())
        except Exception as exc:
            log.warning(
                "could not record that this worker stopped (%s); other processes will judge "
                "it lost once its heartbeat is %.0f s old",
                exc,
                self._settings.worker_timeout,
            )

    def _beat(self, on_tick: Callable[[], object]) -> None:
        while not self._stop.wait(self._settings.heartbeat_interval):
            try:
                self.heartbeat()
                on_tick()
            except Exception as exc:
                self._failures.failed(exc)
            else:
                self._failures.succeeded()
