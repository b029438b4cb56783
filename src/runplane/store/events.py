"""The append-only trail of execution events. Rows are inserted, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from runplane.model import EventKind, ExecutionEvent
from runplane.store import prepared
from runplane.store.tables import execution_events as t


def insert_event(
    conn: Connection,
    execution_id: str,
    kind: EventKind,
    *,
    actor: str,
    at: datetime,
    **detail: Any,
) -> None:
    values = {"execution_id": execution_id, "kind": str(kind), "actor": actor, "at": at}
    prepared.insert(conn, t, values | {"detail": detail or None})


def list_events(conn: Connection, execution_id: str, *, after: int = 0) -> list[ExecutionEvent]:
    """The trail of one execution, oldest first; `after` skips events already seen."""
    rows = conn.execute(
        select(t)
        .where(t.c.execution_id == execution_id, t.c.event_id > after)
        .order_by(t.c.event_id)
    )
    return [
        ExecutionEvent(
            event_id=row.event_id,
            execution_id=row.execution_id,
            kind=EventKind(row.kind),
            actor=row.actor,
            at=row.at,
            detail=row.detail or {},
        )
        for row in rows
    ]
