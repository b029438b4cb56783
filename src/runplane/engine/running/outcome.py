"""A run's result as its final transaction writes it, so it can travel when that write fails:
the runner retries it for `final_write_timeout`, then hands it to its executor over its
link (`EXIT_HANDED_OVER`), which keeps it and writes it once storage takes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runplane.engine import lifecycle
from runplane.model import Execution, ExecutionError, ExecutionStatus, LogLine
from runplane.model.clock import Clock, utcnow
from runplane.model.cost import ExitUsage, Rates
from runplane.store import Database


@dataclass(frozen=True)
class Outcome:
    """What `lifecycle.finish_execution` records for one run (pickled over a lifeline)."""

    execution: Execution
    status: ExecutionStatus
    output: dict[str, Any] | None = None
    rows_processed: int | None = None
    error: ExecutionError | None = None
    log_lines: tuple[LogLine, ...] = ()
    finished_at: datetime | None = None
    """When the run ended, its `completed_at` however late the write succeeds."""
    process: tuple[int, float | None] | None = None
    """The run's own pid and start time."""
    rates: Rates | None = None
    """The rates its cost is computed with (those in force when it ended)."""
    usage: ExitUsage | None = None
    """Its own accounting when it ended: CPU seconds and peak RSS."""

    def write(self, db: Database, *, retry_scale: float, clock: Clock = utcnow) -> bool:
        """Record it in one transaction; False when it was refused (no longer running, or
        a cancel came first). Raises what the database raises."""
        if self.finished_at is not None:
            clock = _at(self.finished_at)
        return lifecycle.finish_execution(
            db,
            self.execution,
            self.status,
            output=self.output,
            rows_processed=self.rows_processed,
            error=self.error,
            log_lines=self.log_lines,
            retry_scale=retry_scale,
            clock=clock,
            process=self.process,
            rates=self.rates,
            usage=self.usage,
        )


def _at(instant: datetime) -> Clock:
    return lambda: instant
