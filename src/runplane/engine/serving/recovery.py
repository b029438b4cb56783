"""Finds running executions whose process is gone and ends them as `worker_lost`.

Runs when a worker starts and after each of its heartbeats. Executions of the worker
itself are left to its own executor, which sees its children exit first-hand.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime

from runplane.engine import lifecycle, processes
from runplane.engine.running.exits import ProcessExit
from runplane.model import Execution, Worker
from runplane.model.clock import Clock, utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import queue as queue_store
from runplane.store import workers as worker_store

log = logging.getLogger(__name__)


def recover_lost_executions(
    db: Database, settings: Settings, *, me: str | None = None, clock: Clock = utcnow
) -> list[str]:
    """End every lost running execution; returns their ids."""
    host = socket.gethostname()
    now = clock()
    with db.read() as conn:
        running = [e for e in queue_store.list_running(conn) if e.worker_id != me]
        workers = {
            e.worker_id: worker_store.find_worker(conn, e.worker_id)
            for e in running
            if e.worker_id is not None
        }
    lost = []
    for execution in running:
        worker = workers.get(execution.worker_id) if execution.worker_id else None
        reason = _why_lost(execution, worker, host, now, settings.worker_timeout)
        if reason is None:
            continue
        if worker is not None and worker.host == host and execution.pid is not None:
            processes.kill(execution.pid, execution.process_started_at)
        ended = ProcessExit(pid=execution.pid, code=None, killed=True, lost=reason)
        if lifecycle.record_exit(
            db,
            execution.execution_id,
            ended,
            host=worker.host if worker else None,
            retry_scale=settings.retry_backoff_scale,
            clock=clock,
            rates=settings.rate_card,  # from its samples alone: its exit was never seen
        ):
            log.warning("execution %s lost: %s", execution.execution_id, reason)
            lost.append(execution.execution_id)
    return lost


def _why_lost(
    execution: Execution, worker: Worker | None, host: str, now: datetime, timeout: float
) -> str | None:
    if worker is None:
        return "Its worker is not registered"
    where = f"{worker.host} (pid {worker.pid})"
    if worker.stopped_at is not None:
        return f"Its worker on {where} stopped while it ran"
    same_host = worker.host == host
    if same_host and not processes.is_alive(worker.pid, worker.process_started_at):
        return f"Its worker process on {where} is gone"  # the surest reason: say it first
    age = (now - worker.heartbeat_at).total_seconds()
    if age > timeout:
        return f"Its worker on {where} sent no heartbeat for {age:.0f} s"
    if not same_host:
        return None
    if execution.pid is not None and not processes.is_alive(
        execution.pid, execution.process_started_at
    ):
        return f"Its process (pid {execution.pid}) on {worker.host} is gone"
    return None
