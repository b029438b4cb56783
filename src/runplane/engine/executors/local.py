"""The local executor: runs each execution in its own process, at most `max_workers` at once.

Processes come from a fork server that has already imported Runplane and the registered
pipelines (a fork costs milliseconds, a fresh interpreter hundreds); `supervision.py`
starts a new one when it dies. Each child holds one end of a socket pair (its lifeline,
`running/link.py`): stop signals go down it, a result the child could not write comes up
it, and the child exits when it closes, so no child outlives its executor. Ends it could
not record yet (storage full or gone) wait in its backlog (`backlog.py`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from multiprocessing.connection import Connection, wait

import psutil

from runplane.engine import faults, lifecycle, processes
from runplane.engine.executors.backlog import Unwritten, WriteBacklog
from runplane.engine.executors.base import ExecutorFacts
from runplane.engine.executors.children import Child
from runplane.engine.executors.sampler import ResourceSampler
from runplane.engine.executors.supervision import ForkServerSupervisor
from runplane.engine.failure_log import FailureLog
from runplane.engine.running.exits import EXIT_UNRECORDED, ProcessExit
from runplane.engine.serving import wakeup
from runplane.model import EventKind
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import queue as queue_store

log = logging.getLogger(__name__)


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
        actor: str | None = None,
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
        self._children: dict[str, Child] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="executor", daemon=True)
        self._sampler = ResourceSampler(
            db,
            self._sampled,
            interval=settings.resource_sample_interval,
            stopping=self._stopping,
            clock=clock,
        )
        self._forks = ForkServerSupervisor(self._settings_json)
        self._backlog = WriteBacklog()
        self._unstarted: list[str] = []
        """Claimed, but their fork server died before it forked them: started next."""
        self._loop_failures = FailureLog(log, "the executor's loop failed")
        self._write_failures = FailureLog(log, "recording how executions ended failed")
        faults.arm(settings)
        self._last_cancel_check = 0.0
        self._last_blocked_check = 0.0
        self._last_tick = time.monotonic()
        self._actor = actor or f"worker:{host}:{os.getpid()}"
        """Who its claims, stop signals and kills are recorded as in the trail."""

    def start(self) -> None:
        self._forks.start()
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
            busy = sum(1 for c in self._children.values() if not c.waiting)
        problem = self._forks.problem
        waiting = len(self._backlog) if self._write_failures.failing else 0  # not in flight
        if problem is None and waiting:
            problem = (
                f"{waiting} ended execution(s) wait to be recorded "
                f"({self._write_failures.last or 'storage failing'})"
            )
        return ExecutorFacts(
            alive=self._thread.is_alive(),
            last_tick_seconds_ago=max(0.0, time.monotonic() - self._last_tick),
            running=running,
            max_workers=self.max_workers,
            busy=busy,
            accepting=self._forks.server is not None,
            restarts=self._forks.restarts,
            unrecorded=waiting,
            problem=problem,
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
            child.read_messages()
            ended = ProcessExit(child.pid, None, killed=True, lost=reason)
            self._backlog.hold(child.execution_id, ended, child.outcome)
            child.lifeline.close()
        self._children.clear()
        for execution_id in self._unstarted:
            self._backlog.hold(execution_id, ProcessExit(None, None, lost=reason), None)
        try:
            self._backlog.flush(self._write_end)
        except Exception as exc:
            log.error(
                "%d ended execution(s) could not be recorded (%s); the recovery of the next "
                "start ends them as lost",
                len(self._backlog),
                exc,
            )
        self._forks.stop()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
                self._loop_failures.succeeded()
            except Exception as exc:
                self._loop_failures.failed(exc)
                time.sleep(self._settings.poll_interval)

    def _tick(self) -> None:
        with self._lock:
            children = list(self._children.values())
        server = self._forks.server
        waitables: list[object] = [self._wake_r] + ([server] if server is not None else [])
        waitables += [c.lifeline for c in children if not c.closed]
        ready: Sequence[object] = wait(waitables, timeout=self._settings.poll_interval)  # type: ignore[arg-type]
        self._last_tick = time.monotonic()
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for child in children:
            if child.lifeline in ready:
                child.read_messages()
        if server is not None and server in ready:
            by_pid = {c.pid: c for c in children}
            for pid, code, usage in server.exits():
                if (exited := by_pid.get(pid)) is not None:
                    self._ended(exited, ProcessExit(pid, code, killed=exited.killed, usage=usage))
            if not server.alive():
                self._forks.lost()
        self._watch_orphans(children)
        if self._stopping.is_set():
            return
        self._write_backlog()
        now = time.monotonic()
        if children and now - self._last_cancel_check >= self._settings.poll_interval:
            self._last_cancel_check = now
            self._handle_cancels()
        if now - self._last_blocked_check >= 1.0:
            self._last_blocked_check = now
            lifecycle.cancel_blocked(self._db, clock=self._clock)
        if self._forks.ensure():
            self._start_runnable()

    def _start_runnable(self) -> None:
        while self._unstarted and self._forks.alive:
            self._spawn(self._unstarted.pop(0))
        with self._lock:
            busy = sum(1 for c in self._children.values() if not c.waiting)
        free = self.max_workers - busy - len(self._unstarted)
        if free <= 0:
            return
        for execution_id in self._candidates(free):
            faults.reach("claim", execution_id)
            if not self._forks.alive:  # it died meanwhile: leave the rest pending
                return
            won = lifecycle.claim_execution(
                self._db, execution_id, worker_id=self.worker_id, actor=self._actor,
                clock=self._clock,
            )  # fmt: skip
            self._claimed(execution_id, won)
            if won:
                if self._scope is not None:
                    self._scope.add(execution_id)
                self._spawn(execution_id)

    def _candidates(self, free: int) -> list[str]:
        """The executions to try to claim now, at most `free`: the runnable pending ones."""
        with self._db.read() as conn:
            runnable = queue_store.list_runnable(conn, self._clock(), limit=free, scope=self._scope)
        return [e.execution_id for e in runnable]

    def _claimed(self, execution_id: str, won: bool) -> None:
        """After each claim, won or lost to another executor (a hook for the Celery worker)."""

    def _spawn(self, execution_id: str) -> None:
        server = self._forks.server
        ours, theirs = socket.socketpair()
        try:
            assert server is not None, "claim only while a fork server runs"
            pid = server.spawn(execution_id, theirs)
        except OSError:  # it died between the check and the request: start it on the next
            ours.close()
            self._unstarted.append(execution_id)
            self._forks.lost()
            return
        finally:
            theirs.close()
        lifeline = Connection(ours.detach())
        started = processes.start_time(pid)
        try:
            stats: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            stats = None
        child = Child(execution_id, pid, lifeline, stats, started, self._forks.generation)
        with self._lock:
            self._children[execution_id] = child
        try:
            with self._db.write() as conn:
                store.update_execution(conn, execution_id, pid=pid, process_started_at=started)
        except Exception as exc:  # its process runs regardless; it records its own result
            self._write_failures.failed(exc)

    def _watch_orphans(self, children: list[Child]) -> None:
        """Children of a fork server that died: their exit is seen here, not reported."""
        current = self._forks.generation if self._forks.server is not None else -1
        for child in children:
            if child.generation == current or child.execution_id not in self._children:
                continue
            if child.closed or not processes.is_alive(child.pid, child.started):
                reason = (
                    f"Its process (pid {child.pid}) ended after the fork server that started "
                    "it had died, without recording a result"
                )
                self._ended(child, ProcessExit(child.pid, None, killed=child.killed, lost=reason))

    def _ended(self, child: Child, ended: ProcessExit) -> None:
        """A child's process ended: record what that means (now, or once storage takes it)."""
        with self._lock:
            self._children.pop(child.execution_id, None)
        child.read_messages()  # a result sent just before it exited
        child.lifeline.close()
        if child.outcome is not None:
            log.warning(
                "execution %s could not write its result; this server holds it and writes it "
                "once the database takes it",
                child.execution_id,
            )
        self._backlog.hold(child.execution_id, ended, child.outcome)
        self._write_backlog()

    def _write_backlog(self) -> None:
        if not self._backlog.due():
            return
        try:
            self._backlog.flush(self._write_end)
        except Exception as exc:
            self._write_failures.failed(exc)
        else:
            self._write_failures.succeeded()

    def _write_end(self, unwritten: Unwritten) -> None:
        """Record one end: the runner's own result if it handed one over, else what the
        exit means (`lifecycle.record_exit`)."""
        ended = unwritten.ended
        outcome = unwritten.outcome
        scale = self._settings.retry_backoff_scale
        if outcome is not None:
            if outcome.write(self._db, retry_scale=scale, clock=self._clock):
                ended = ProcessExit(ended.pid, 0)  # recorded: nothing left to decide
            else:  # refused (a cancel came first): what a refused runner's exit means
                ended = ProcessExit(ended.pid, EXIT_UNRECORDED)
        lifecycle.record_exit(
            self._db, unwritten.execution_id, ended, host=self._host, retry_scale=scale,
            clock=self._clock, rates=self._settings.rate_card,
        )  # fmt: skip
        if self._on_exit is not None:
            try:
                self._on_exit(unwritten.execution_id)
            except Exception:
                log.exception("on_exit hook failed for %s", unwritten.execution_id)

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
            event_store.insert_event(conn, execution_id, kind, actor=self._actor, at=at)

    def _sampled(self) -> list[tuple[str, psutil.Process]]:
        with self._lock:
            return [(c.execution_id, c.stats) for c in self._children.values() if c.stats]
