"""`runplane worker`: a Celery worker whose tasks run executions with the same runner, in
processes of its own fork server (`held.py`), registered with a heartbeat like `serve`.

Its thread pool has one thread per slot (`--concurrency`): a task's thread waits while its
execution runs, so Celery reserves no more messages than there are free slots. On SIGTERM
Celery stops taking messages and waits for the executions it runs (a warm shutdown); what
still runs when the process exits is ended as lost, and retried where its policy allows.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence

from runplane.engine.distributed.app import TASK, celery_app
from runplane.engine.distributed.dispatcher import KIND
from runplane.engine.distributed.held import HeldExecutor
from runplane.engine.serving.workers import WorkerRegistration
from runplane.model.routing import checked_queue
from runplane.settings import Settings
from runplane.store import Database

log = logging.getLogger(__name__)


def default_name() -> str:
    """This machine and process, when the operator names no worker."""
    return f"{socket.gethostname()}-{os.getpid()}"


def run_worker(
    db: Database, settings: Settings, *, concurrency: int, queues: Sequence[str], name: str
) -> int:
    """Take executions from `queues` until told to stop; returns Celery's exit code."""
    queues = tuple(checked_queue(q) for q in queues)
    app = celery_app(settings)
    executor: HeldExecutor | None = None
    registration = WorkerRegistration(
        db,
        settings,
        kind=KIND,
        max_workers=concurrency,
        name=name,
        queues=queues,
        busy=lambda: 0 if executor is None else executor.facts().busy,
    )
    executor = HeldExecutor(
        db,
        settings,
        worker_id=registration.worker.worker_id,
        host=registration.worker.host,
        max_workers=concurrency,
        actor=f"worker:{name}",
    )
    held = executor

    def run_execution(execution_id: str) -> None:
        if not isinstance(execution_id, str) or len(execution_id) > 64:
            log.error("ignored a message that names no execution: %r", execution_id)
            return
        if not held.run_offered(execution_id):
            log.info("execution %s: claimed elsewhere or no longer pending", execution_id)

    app.task(name=TASK, acks_late=True, ignore_result=True)(run_execution)
    registration.register()
    executor.start()
    registration.start_heartbeat()
    try:
        node = name if "@" in name else f"{name}@{registration.worker.host}"
        worker = app.Worker(
            hostname=node,
            pool="threads",
            concurrency=concurrency,
            queues=list(queues),
            loglevel="INFO",
            quiet=True,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            optimization="fair",
        )
        worker.start()
        return int(worker.exitcode or 0)
    finally:
        executor.stop(reason="its worker shut down while it ran")
        registration.stop()
