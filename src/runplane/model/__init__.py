"""Plain types shared by every layer: executions, statuses, triggers, errors. No I/O here."""

from runplane.model.errors import ErrorClass, ExecutionError, SuggestedAction
from runplane.model.event import EventKind, ExecutionEvent
from runplane.model.execution import LOG_LEVELS, Execution, LogLine, Worker
from runplane.model.status import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    ExecutionStatus,
    InvalidTransition,
    check_transition,
)
from runplane.model.trigger import Trigger

__all__ = [
    "ACTIVE_STATUSES",
    "FINAL_STATUSES",
    "LOG_LEVELS",
    "TRANSITIONS",
    "ErrorClass",
    "EventKind",
    "Execution",
    "ExecutionError",
    "ExecutionEvent",
    "ExecutionStatus",
    "InvalidTransition",
    "LogLine",
    "SuggestedAction",
    "Trigger",
    "Worker",
    "check_transition",
]
