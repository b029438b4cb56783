"""What an executor is to the process that serves it: the small interface the local executor
implements (and a distributed one will), plus the facts health checks and metrics read.

An executor claims pending executions from the database, runs each in a process of its
own with `engine.running.runner`, passes stop requests to the executions it holds, and
records an exit through `lifecycle.record_exit` when a process ends without a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ExecutorFacts:
    """What `/health` and `/metrics` know of an executor, read without touching its internals."""

    alive: bool
    """Its loop is running (it may still be stalled: see `last_tick_seconds_ago`)."""
    last_tick_seconds_ago: float
    running: int
    """Executions it holds now."""
    max_workers: int
    """Executions it may run at once."""
    busy: int = 0
    """Slots taken: what it holds, less those waiting for their child executions."""
    accepting: bool = True
    """It can start processes now (the local executor: its fork server runs)."""
    restarts: int = 0
    """Times what starts its processes had to be started again (the fork server)."""
    unrecorded: int = 0
    """Executions whose process ended but whose end it could not write yet (storage)."""
    problem: str | None = None
    """Why it is not taking work, or what it holds back, as a sentence; None when fine."""


class Executor(Protocol):
    @property
    def worker_id(self) -> str:
        """The `workers` row its claims are recorded under."""
        ...

    def start(self) -> None:
        """Begin claiming and running pending executions."""

    def stop(self, *, reason: str = "the worker shut down while it ran") -> None:
        """Stop claiming; end what still runs (recorded as lost, for `reason`)."""

    def wake(self) -> None:
        """Look for runnable work now instead of at the next poll (safe from any thread)."""

    def request_stop(self, execution_id: str, *, kill: bool = False) -> bool:
        """Ask a held execution to stop (`check_cancelled()` raises), or kill it at once.

        Returns False if this executor does not hold it.
        """
        ...

    def running_ids(self) -> list[str]:
        """The executions it holds now."""
        ...

    def facts(self) -> ExecutorFacts: ...
