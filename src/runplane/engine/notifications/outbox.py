"""The one entry point of notifications: an event recorded in the caller's transaction.

The transaction that ends an execution calls `record` unconditionally (one small insert,
no rule matching), so an event exists exactly when the change it reports committed.
The SLA evaluator records `sla_at_risk`, `sla_breached` and `schedule_missed` the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.model import ExecutionStatus
from runplane.model.notification import OutboxKind
from runplane.store import notifications as store

KIND_OF_STATUS = {
    ExecutionStatus.COMPLETED: OutboxKind.COMPLETED,
    ExecutionStatus.DRY_RUN: OutboxKind.DRY_RUN,
    ExecutionStatus.FAILED: OutboxKind.FAILED,
    ExecutionStatus.CANCELLED: OutboxKind.CANCELLED,
}


def record(
    conn: Connection,
    kind: OutboxKind | str,
    *,
    at: datetime,
    execution_id: str | None = None,
    **detail: Any,
) -> None:
    """Insert one outbox event on `conn`'s transaction; `serve` matches it against the rules."""
    store.insert_outbox(conn, OutboxKind(kind), at=at, execution_id=execution_id, detail=detail)
