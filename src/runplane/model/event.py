"""The append-only trail of an execution: who did what to it, and when."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    CREATED = "created"
    STARTED = "started"
    CANCEL_REQUESTED = "cancel_requested"
    STOP_SIGNAL_SENT = "stop_signal_sent"
    STOPPED = "stopped"
    KILLED = "killed"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RETRIED = "retried"
    WAITING = "waiting"
    DISCARDED = "discarded"
    """Housekeeping deleted the rows it wrote but never published."""
    SLA_AT_RISK = "sla_at_risk"
    SLA_BREACHED = "sla_breached"
    """The SLA watch found it at risk of missing, or past, a limit of its SLA."""


@dataclass(frozen=True)
class ExecutionEvent:
    execution_id: str
    kind: EventKind
    actor: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None
