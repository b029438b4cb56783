"""The local executor: runs each execution in its own process, at most `max_workers` at once.

Processes come from a fork server that has already imported Runplane and the registered
pipelines (a fork costs milliseconds, a fresh interpreter hundreds). Each child holds one
end of a socket pair (its lifeline, `running/link.py`): stop signals go down it, and the
child exits when it closes, so no child outlives its executor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection, wait

import psutil

from runplane.engine import lifecycle, processes
from runplane.engine.executors.base import ExecutorFacts
from runplane.engine.executors.forkserver import ForkServer
from runplane.engine.running.exits import ProcessExit
from runplane.engine.serving import wakeup
from runplane.model import EventKind
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import queue as queue_store
from runplane.store import resources as resource_store

log = logging.getLogger(__name__)


@dataclass
class _Child:
    execution_id: str
    pid: int
    lifeline: Connection
    stats: psutil.Process | None
    waiting: bool = False
    stop_sent: bool = False
    killed: bool = False
    closed: bool = False


class LocalExecutor:
    """Claims pending executions from the database and runs them in child processes
    (an `Executor`, see `base.py`).

    With `scope`, it runs only those executions and their descendants (`run --wait`).
    `on_exit(execution_id)` runs after each child's exit is recorded (metrics count there).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        worker_id: str,
        host: str,
        max_workers: int | None = None,
        scope: set[str] | None = None,
        clock: Clock = utcnow,
        on_exit: Callable[[str], None] | None = None,
    ) -> None:
        self._db = db
        self._on_exit = on_exit
        self._settings = settings
        self._settings_json = settings.model_dump_json()
        self.worker_id = worker_id
        self._host = host
        self.max_workers = max_workers or settings.max_workers
        self._scope = scope
        self._clock = clock
        self._children: dict[str, _Child] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="executor", daemon=True)
        self._sampler = threading.Thread(target=self._sample, name="resource-sampler", daemon=True)
        self._forkserver = ForkServer(self._settings_json)
        self._last_cancel_check = 0.0
        self._last_blocked_check = 0.0
        self._last_tick = time.monotonic()
        self._actor = f"worker:{host}:{os.getpid()}"

    def start(self) -> None:
        self._forkserver.start()
        wakeup.subscribe(self.wake)
        self._thread.start()
        self._sampler.start()

    def wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # a wake-up is already pending
            os.write(self._wake_w, b"!")

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._children)

    def facts(self) -> ExecutorFacts:
        with self._lock:
            running = len(self._children)
        return ExecutorFacts(
            alive=self._thread.is_alive(),
            last_tick_seconds_ago=max(0.0, time.monotonic() - self._last_tick),
            running=running,
            max_workers=self.max_workers,
        )

    def request_stop(self, execution_id: str, *, kill: bool = False) -> bool:
        with self._lock:
            child = self._children.get(execution_id)
        if child is None:
            return False
        if kill:
            child.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        else:
            child.stop_sent = True
            with contextlib.suppress(OSError):
                child.lifeline.send(("stop",))
        return True

    def stop(self, *, reason: str = "the worker shut down while it ran") -> None:
        """Stop claiming work; kill running children and record them as lost."""
        wakeup.unsubscribe(self.wake)
        self._stopping.set()
        self.wake()
        self._thread.join()
        self._sampler.join()
        for child in list(self._children.values()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            self._record_exit(child, ProcessExit(child.pid, None, killed=True, lost=reason))
        self._children.clear()
        self._forkserver.stop()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
            except Exception:
                log.exception("executor tick failed; retrying")
                time.sleep(self._settings.poll_interval)

    def _tick(self) -> None:
        with self._lock:
            children = list(self._children.values())
        waitables: list[object] = [self._wake_r, self._forkserver]
        waitables += [c.lifeline for c in children if not c.closed]
        ready = wait(waitables, timeout=self._settings.poll_interval)  # type: ignore[arg-type]
        self._last_tick = time.monotonic()
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for child in children:
            if child.lifeline in ready:
                self._read_messages(child)
        by_pid = {c.pid: c for c in children}
        for pid, code in self._forkserver.exits():
            if (exited := by_pid.get(pid)) is not None:
                self._record_exit(exited, ProcessExit(pid, code, killed=exited.killed))
        if self._stopping.is_set():
            return
        now = time.monotonic()
        if children and now - self._last_cancel_check >= self._settings.poll_interval:
            self._last_cancel_check = now
            self._handle_cancels()
        if now - self._last_blocked_check >= 1.0:
            self._last_blocked_check = now
            lifecycle.cancel_blocked(self._db, clock=self._clock)
        self._start_runnable()

    def _start_runnable(self) -> None:
        with self._lock:
            busy = sum(1 for c in self._children.values() if not c.waiting)
        free = self.max_workers - busy
        if free <= 0:
            return
        with self._db.read() as conn:
            candidates = queue_store.list_runnable(
                conn, self._clock(), limit=free, scope=self._scope
            )
        for candidate in candidates:
            if lifecycle.claim_execution(
                self._db,
                candidate.execution_id,
                worker_id=self.worker_id,
                actor=self._actor,
                clock=self._clock,
            ):
                if self._scope is not None:
                    self._scope.add(candidate.execution_id)
                self._spawn(candidate.execution_id)

    def _spawn(self, execution_id: str) -> None:
        ours, theirs = socket.socketpair()
        pid = self._forkserver.spawn(execution_id, theirs)
        theirs.close()
        lifeline = Connection(ours.detach())
        started = processes.start_time(pid)
        try:
            stats: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            stats = None
        with self._lock:
            self._children[execution_id] = _Child(execution_id, pid, lifeline, stats)
        with self._db.write() as conn:
            store.update_execution(conn, execution_id, pid=pid, process_started_at=started)

    def _read_messages(self, child: _Child) -> None:
        try:
            while child.lifeline.poll():
                (message,) = child.lifeline.recv()
                if message == "waiting":
                    child.waiting = True
                elif message == "resumed":
                    child.waiting = False
                # "submitted" needs nothing more: this tick looks for runnable work anyway
        except (EOFError, OSError):
            child.closed = True  # the child is exiting; its sentinel reports that

    def _record_exit(self, child: _Child, ended: ProcessExit) -> None:
        with self._lock:
            self._children.pop(child.execution_id, None)
        child.lifeline.close()
        lifecycle.record_exit(
            self._db,
            child.execution_id,
            ended,
            host=self._host,
            retry_scale=self._settings.retry_backoff_scale,
            clock=self._clock,
        )
        if self._on_exit is not None:
            try:
                self._on_exit(child.execution_id)
            except Exception:
                log.exception("on_exit hook failed for %s", child.execution_id)

    def _handle_cancels(self) -> None:
        with self._db.read() as conn:
            requested = [
                e
                for e in queue_store.list_running(conn, worker_id=self.worker_id)
                if e.cancel_requested_at is not None
            ]
        now = self._clock()
        for execution in requested:
            with self._lock:
                child = self._children.get(execution.execution_id)
            if child is None:
                continue
            if not child.stop_sent and self.request_stop(execution.execution_id):
                self._event(execution.execution_id, EventKind.STOP_SIGNAL_SENT, now)
            if (
                not child.killed
                and execution.kill_after is not None
                and now >= execution.kill_after
                and self.request_stop(execution.execution_id, kill=True)
            ):
                self._event(execution.execution_id, EventKind.KILLED, now)

    def _event(self, execution_id: str, kind: EventKind, at: datetime) -> None:
        with self._db.write() as conn:
            event_store.insert_event(conn, execution_id, kind, actor="executor", at=at)

    def _sample(self) -> None:
        while not self._stopping.wait(self._settings.resource_sample_interval):
            with self._lock:
                children = [c for c in self._children.values() if c.stats is not None]
            samples = []
            now = self._clock()
            for child in children:
                assert child.stats is not None
                try:
                    with child.stats.oneshot():
                        samples.append(
                            resource_store.ResourceSample(
                                child.execution_id,
                                now,
                                child.stats.cpu_percent(),
                                child.stats.memory_info().rss,
                            )
                        )
                except psutil.Error:
                    continue
            if samples:
                try:
                    with self._db.write() as conn:
                        resource_store.insert_samples(conn, samples)
                except Exception:
                    log.debug("resource samples not written", exc_info=True)
