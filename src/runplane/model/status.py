"""Execution statuses and the one table of allowed moves between them.

The store consults `check_transition` before every compare-and-set, so no layer can
write a move this table does not list.
"""

from collections.abc import Mapping
from enum import StrEnum


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DRY_RUN = "dry_run"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def icon(self) -> str:
        """The page spec's status indicator, shown beside the word (never instead of it)."""
        return _ICONS[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_ICONS = {
    ExecutionStatus.PENDING: "◯",
    ExecutionStatus.RUNNING: "⏳",
    ExecutionStatus.COMPLETED: "✓",
    ExecutionStatus.FAILED: "❌",
    ExecutionStatus.CANCELLED: "⏹",
    ExecutionStatus.DRY_RUN: "📋",
}


TRANSITIONS: Mapping[ExecutionStatus, frozenset[ExecutionStatus]] = {
    ExecutionStatus.PENDING: frozenset({ExecutionStatus.RUNNING, ExecutionStatus.CANCELLED}),
    ExecutionStatus.RUNNING: frozenset(
        {
            ExecutionStatus.COMPLETED,
            ExecutionStatus.FAILED,
            ExecutionStatus.CANCELLED,
            ExecutionStatus.DRY_RUN,
        }
    ),
    ExecutionStatus.COMPLETED: frozenset(),
    ExecutionStatus.FAILED: frozenset(),
    ExecutionStatus.CANCELLED: frozenset(),
    ExecutionStatus.DRY_RUN: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
ACTIVE_STATUSES = frozenset({ExecutionStatus.PENDING, ExecutionStatus.RUNNING})
RETRYABLE_STATUSES = frozenset({ExecutionStatus.FAILED, ExecutionStatus.CANCELLED})
SUCCESS_STATUSES = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.DRY_RUN})


class InvalidTransition(ValueError):
    """A programmer error: code asked for a status move the table does not allow."""


def check_transition(old: ExecutionStatus, new: ExecutionStatus) -> None:
    """Raise `InvalidTransition` unless `old -> new` is in `TRANSITIONS`."""
    if new not in TRANSITIONS[old]:
        raise InvalidTransition(f"an execution cannot move from {old} to {new}")
