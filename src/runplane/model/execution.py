"""An execution (one run of a pipeline), its log lines, and the workers that run them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runplane.model.cost import Cost
from runplane.model.errors import ExecutionError
from runplane.model.sla import SlaStatus
from runplane.model.status import ExecutionStatus
from runplane.model.trigger import Trigger


@dataclass(frozen=True)
class Execution:
    execution_id: str
    pipeline: str
    status: ExecutionStatus
    params: dict[str, Any]
    params_hash: str
    trigger: Trigger
    triggered_by: str
    trigger_time: datetime
    created_at: datetime
    capture_id: str
    dry_run: bool = False
    attempt: int = 1
    retry_of: str | None = None
    parent_id: str | None = None
    after_id: str | None = None
    not_before: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    rows_processed: int | None = None
    output: dict[str, Any] | None = None
    error: ExecutionError | None = None
    progress: dict[str, Any] | None = None
    cancel_requested_at: datetime | None = None
    cancel_requested_by: str | None = None
    kill_after: datetime | None = None
    worker_id: str | None = None
    pid: int | None = None
    process_started_at: float | None = None
    sla: SlaStatus | None = None
    """How it stands against its SLA, as the SLA watch last found (None: no SLA applies)."""
    bulk_id: str | None = None
    """The bulk operation that created or cancelled it, if one did."""
    queue: str | None = None
    """The broker queue it is routed to (the Celery executor); None means `default`."""
    cpu_seconds: float | None = None
    gb_seconds: float | None = None
    peak_rss_bytes: int | None = None
    cost_amount: float | None = None
    cost_currency: str | None = None
    cost_rates_version: str | None = None

    @property
    def cost(self) -> Cost | None:
        """What it cost, as recorded when it ended (None before, or if it never ran)."""
        if self.cost_amount is None or self.cost_currency is None:
            return None
        return Cost(
            amount=self.cost_amount,
            currency=self.cost_currency,
            cpu_seconds=self.cpu_seconds or 0.0,
            gb_seconds=self.gb_seconds or 0.0,
            rates_version=self.cost_rates_version or "",
        )

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        if self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds()

    def running_for(self, now: datetime) -> float | None:
        """Seconds since start while running, for live counters."""
        if self.started_at is None:
            return None
        end = self.completed_at or now
        return (end - self.started_at).total_seconds()


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""The levels a log line may carry, lowest first."""


@dataclass(frozen=True)
class LogLine:
    """One line of an execution's log; `seq` numbers them from 1 in the order written."""

    execution_id: str
    seq: int
    at: datetime
    level: str
    message: str

    def as_text(self) -> str:
        """The log format used everywhere: `HH:MM:SS.mmm LEVEL message`."""
        return (
            f"{self.at:%H:%M:%S}.{self.at.microsecond // 1000:03d} {self.level:<5} {self.message}"
        )


@dataclass(frozen=True)
class Worker:
    """A process that runs executions (`serve`, or `run --wait` for its own execution tree)."""

    worker_id: str
    host: str
    pid: int
    process_started_at: float
    kind: str
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None = None
    max_workers: int = 1
    info: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    """What an operator called it (`runplane worker --name`)."""
    queues: tuple[str, ...] = ()
    """The queues it takes executions from (Celery workers); empty for `serve` and `run`."""
    busy: int | None = None
    """Executions it ran at its last heartbeat."""

    def heartbeat_age(self, now: datetime) -> float:
        """Seconds since its last heartbeat, to the millisecond (never negative)."""
        return round(max(0.0, (now - self.heartbeat_at).total_seconds()), 3)
