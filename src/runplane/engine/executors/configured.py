"""Which executor a serving process runs, from its settings: the local one, or the Celery
dispatcher."""

from __future__ import annotations

from collections.abc import Callable

from runplane.engine.executors.base import Executor
from runplane.engine.executors.local import LocalExecutor
from runplane.model.clock import Clock
from runplane.settings import Settings
from runplane.store import Database


def configured_executor(
    db: Database,
    settings: Settings,
    *,
    worker_id: str,
    host: str,
    clock: Clock,
    on_exit: Callable[[str], None],
) -> Executor:
    """The executor that runs this process's share of the work; `on_exit(execution_id)` is
    called after each exit it records (metrics count there). With the Celery executor,
    the one that hands executions to the broker for workers to run."""
    if settings.executor == "celery":
        from runplane.engine.distributed.dispatcher import CeleryDispatcher  # imports Celery

        return CeleryDispatcher(db, settings, worker_id=worker_id, clock=clock)
    return LocalExecutor(db, settings, worker_id=worker_id, host=host, clock=clock, on_exit=on_exit)
