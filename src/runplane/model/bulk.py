"""Bulk retry and bulk cancel: a preview freezes the set a filter selects, an operation acts
on exactly that set, one item per execution, and says why it skipped the others.

    BulkPreview(preview_id=..., action=BulkAction.RETRY, matched=12, selected=("a1...",),
                skipped=(Skip("b2...", SkipReason.RESOLVED, "resolved by c3..."),), ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class BulkAction(StrEnum):
    RETRY = "retry"
    CANCEL = "cancel"


class BulkState(StrEnum):
    """An operation runs until every item is done or skipped, or until it is cancelled."""

    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ItemState(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    """Why an execution of the set is not acted on (at preview, or re-checked at action)."""

    NOT_ALLOWED = "not_allowed"
    """Its status does not allow the action (a retry of a completed run, a cancel of an
    ended one)."""
    RESOLVED = "resolved"
    """A later attempt of its retry chain already succeeded."""
    NOT_LATEST = "not_latest"
    """A later attempt of its retry chain exists; only the latest attempt is retried."""
    IDENTICAL_ACTIVE = "identical_active"
    """An identical run (same pipeline and parameters) is already pending or running, or
    an earlier execution of this set will start one."""
    ALREADY_BULK_RETRIED = "already_bulk_retried"
    """Another bulk operation already retried it; an execution is bulk-retried once ever."""
    OPERATION_CANCELLED = "operation_cancelled"
    """The operation was cancelled before it reached this execution."""
    FAILED = "failed"
    """The action itself was refused (e.g. its pipeline is no longer registered)."""


SKIP_LABELS = {
    SkipReason.NOT_ALLOWED: "Not in a state that allows it",
    SkipReason.RESOLVED: "Already resolved by a later success",
    SkipReason.NOT_LATEST: "Not the latest attempt of its chain",
    SkipReason.IDENTICAL_ACTIVE: "Identical run already pending or running",
    SkipReason.ALREADY_BULK_RETRIED: "Already retried by a bulk operation",
    SkipReason.OPERATION_CANCELLED: "Operation cancelled first",
    SkipReason.FAILED: "Refused",
}
"""Each reason in words, for the dashboard and the CLI."""


@dataclass(frozen=True)
class Skip:
    execution_id: str
    reason: SkipReason
    message: str


@dataclass(frozen=True)
class BulkPreview:
    preview_id: str
    action: BulkAction
    actor: str
    filter: dict[str, Any]
    """The filter with its window fixed to absolute instants, or `{"ids": [...]}`."""
    matched: int
    selected: tuple[str, ...]
    skipped: tuple[Skip, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class BulkItem:
    bulk_id: str
    execution_id: str
    seq: int
    state: ItemState
    reason: SkipReason | None = None
    message: str | None = None
    result_id: str | None = None
    """The retry it created, for a bulk retry."""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BulkOperation:
    bulk_id: str
    preview_id: str
    action: BulkAction
    actor: str
    origin: dict[str, Any]
    """Who started it and from where (`Origin` fields), for the entry of each execution."""
    state: BulkState
    filter: dict[str, Any]
    matched: int
    selected: int
    created_at: datetime
    finished_at: datetime | None = None
    cancelled_by: str | None = None
