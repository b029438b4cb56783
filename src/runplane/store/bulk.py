"""Bulk previews, operations, their items and the lasting marker of bulk-retried executions.

Items change by compare-and-set (`queued` to `done` or `skipped`, only if still queued), so
a runner that restarts, or a second server, never acts on an item twice; `bulk_retried` is
unique per execution, so two operations can never both retry the same one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from runplane.model import ExecutionStatus
from runplane.model.bulk import (
    BulkAction,
    BulkItem,
    BulkOperation,
    BulkPreview,
    BulkState,
    ItemState,
    Skip,
    SkipReason,
)
from runplane.store.tables import bulk_items as items
from runplane.store.tables import bulk_operations as operations
from runplane.store.tables import bulk_previews as previews
from runplane.store.tables import bulk_retried as retried
from runplane.store.tables import executions

MESSAGE = 500


def insert_preview(conn: Connection, preview: BulkPreview) -> None:
    conn.execute(
        insert(previews).values(
            preview_id=preview.preview_id,
            action=str(preview.action),
            actor=preview.actor,
            filter=preview.filter,
            matched=preview.matched,
            selected=list(preview.selected),
            skipped=[[s.execution_id, str(s.reason), s.message] for s in preview.skipped],
            created_at=preview.created_at,
            expires_at=preview.expires_at,
        )
    )


def find_preview(conn: Connection, preview_id: str) -> BulkPreview | None:
    row = conn.execute(select(previews).where(previews.c.preview_id == preview_id)).first()
    if row is None:
        return None
    m = row._mapping
    return BulkPreview(
        preview_id=m["preview_id"],
        action=BulkAction(m["action"]),
        actor=m["actor"],
        filter=m["filter"],
        matched=m["matched"],
        selected=tuple(m["selected"]),
        skipped=tuple(Skip(i, SkipReason(r), text) for i, r, text in m["skipped"]),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
    )


def delete_expired_previews(conn: Connection, now: datetime) -> int:
    """Forget previews no one can act on any more (their operations keep their own items)."""
    return conn.execute(delete(previews).where(previews.c.expires_at <= now)).rowcount


def insert_operation(conn: Connection, operation: BulkOperation, ids: Sequence[str]) -> None:
    """The operation and one queued item per execution, in the preview's order."""
    conn.execute(
        insert(operations).values(
            bulk_id=operation.bulk_id,
            preview_id=operation.preview_id,
            action=str(operation.action),
            actor=operation.actor,
            origin=operation.origin,
            state=str(operation.state),
            filter=operation.filter,
            matched=operation.matched,
            selected=operation.selected,
            created_at=operation.created_at,
        )
    )
    if ids:
        conn.execute(
            insert(items),
            [
                {"bulk_id": operation.bulk_id, "execution_id": i, "seq": n, "state": "queued"}
                for n, i in enumerate(ids)
            ],
        )


def find_operation(conn: Connection, bulk_id: str) -> BulkOperation | None:
    row = conn.execute(select(operations).where(operations.c.bulk_id == bulk_id)).first()
    return None if row is None else _operation(row)


def find_operation_of_preview(conn: Connection, preview_id: str) -> BulkOperation | None:
    row = conn.execute(select(operations).where(operations.c.preview_id == preview_id)).first()
    return None if row is None else _operation(row)


def list_running(conn: Connection) -> list[BulkOperation]:
    """Operations still to work on, oldest first."""
    rows = conn.execute(
        select(operations)
        .where(operations.c.state == str(BulkState.RUNNING))
        .order_by(operations.c.created_at, operations.c.bulk_id)
    )
    return [_operation(row) for row in rows]


def finish_operation(
    conn: Connection, bulk_id: str, state: BulkState, at: datetime, *, by: str | None = None
) -> bool:
    """Move a running operation to `state`; False if it is no longer running."""
    result = conn.execute(
        update(operations)
        .where(operations.c.bulk_id == bulk_id, operations.c.state == str(BulkState.RUNNING))
        .values(state=str(state), finished_at=at, cancelled_by=by)
    )
    return result.rowcount == 1


def next_queued(conn: Connection, bulk_id: str, limit: int) -> list[BulkItem]:
    rows = conn.execute(
        select(items)
        .where(items.c.bulk_id == bulk_id, items.c.state == str(ItemState.QUEUED))
        .order_by(items.c.seq)
        .limit(limit)
    )
    return [_item(row) for row in rows]


def settle_item(
    conn: Connection,
    bulk_id: str,
    execution_id: str,
    state: ItemState,
    at: datetime,
    *,
    reason: SkipReason | None = None,
    message: str | None = None,
    result_id: str | None = None,
) -> bool:
    """Compare-and-set a queued item to done or skipped; False if it was already settled."""
    result = conn.execute(
        update(items)
        .where(
            items.c.bulk_id == bulk_id,
            items.c.execution_id == execution_id,
            items.c.state == str(ItemState.QUEUED),
        )
        .values(
            state=str(state),
            reason=None if reason is None else str(reason),
            message=None if message is None else message[:MESSAGE],
            result_id=result_id,
            updated_at=at,
        )
    )
    return result.rowcount == 1


def skip_all_queued(
    conn: Connection, bulk_id: str, reason: SkipReason, message: str, at: datetime
) -> int:
    result = conn.execute(
        update(items)
        .where(items.c.bulk_id == bulk_id, items.c.state == str(ItemState.QUEUED))
        .values(state=str(ItemState.SKIPPED), reason=str(reason), message=message, updated_at=at)
    )
    return result.rowcount


def count_items(conn: Connection, bulk_id: str) -> dict[tuple[ItemState, SkipReason | None], int]:
    """Items of an operation per state and (for skipped ones) reason."""
    rows = conn.execute(
        select(items.c.state, items.c.reason, func.count())
        .where(items.c.bulk_id == bulk_id)
        .group_by(items.c.state, items.c.reason)
    )
    return {
        (ItemState(state), None if reason is None else SkipReason(reason)): int(n)
        for state, reason, n in rows
    }


def list_items(
    conn: Connection, bulk_id: str, *, states: Collection[ItemState] = (), limit: int = 20
) -> list[BulkItem]:
    """Items in the set's order, most recently settled ones first among settled states."""
    query = select(items).where(items.c.bulk_id == bulk_id)
    if states:
        query = query.where(items.c.state.in_(sorted(str(s) for s in states)))
    query = query.order_by(items.c.seq).limit(limit)
    return [_item(row) for row in conn.execute(query)]


def find_bulk_retry(conn: Connection, execution_id: str) -> tuple[str, str] | None:
    """The `(bulk_id, retry_id)` that once bulk-retried this execution, if one did."""
    row = conn.execute(
        select(retried.c.bulk_id, retried.c.retry_id).where(retried.c.execution_id == execution_id)
    ).first()
    return None if row is None else (row[0], row[1])


def list_bulk_retried(conn: Connection, ids: Collection[str]) -> set[str]:
    """Which of `ids` a bulk operation ever retried."""
    found: set[str] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            conn.execute(
                select(retried.c.execution_id).where(retried.c.execution_id.in_(chunk))
            ).scalars()
        )
    return found


def mark_bulk_retried(
    conn: Connection, execution_id: str, bulk_id: str, retry_id: str, at: datetime
) -> None:
    """The lasting marker; a second one for the same execution violates its primary key."""
    conn.execute(
        insert(retried).values(execution_id=execution_id, bulk_id=bulk_id, retry_id=retry_id, at=at)
    )


def count_pending_created(conn: Connection) -> int:
    """Executions a bulk retry created that still wait to start (the throttle's measure)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(executions)
            .where(
                executions.c.bulk_id.is_not(None),
                executions.c.status == str(ExecutionStatus.PENDING),
                executions.c.retry_of.is_not(None),
            )
        ).scalar_one()
    )


def _operation(row: Row[Any]) -> BulkOperation:
    m = row._mapping
    return BulkOperation(
        bulk_id=m["bulk_id"],
        preview_id=m["preview_id"],
        action=BulkAction(m["action"]),
        actor=m["actor"],
        origin=m["origin"],
        state=BulkState(m["state"]),
        filter=m["filter"],
        matched=m["matched"],
        selected=m["selected"],
        created_at=m["created_at"],
        finished_at=m["finished_at"],
        cancelled_by=m["cancelled_by"],
    )


def _item(row: Row[Any]) -> BulkItem:
    m = row._mapping
    return BulkItem(
        bulk_id=m["bulk_id"],
        execution_id=m["execution_id"],
        seq=m["seq"],
        state=ItemState(m["state"]),
        reason=None if m["reason"] is None else SkipReason(m["reason"]),
        message=m["message"],
        result_id=m["result_id"],
        updated_at=m["updated_at"],
    )


def list_later_attempts(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    """For each of `ids` that some execution retries (`retry_of`), one such attempt."""
    found: dict[str, str] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = conn.execute(
            select(executions.c.retry_of, func.min(executions.c.execution_id))
            .where(executions.c.retry_of.in_(chunk))
            .group_by(executions.c.retry_of)
        )
        found.update({str(origin): str(attempt) for origin, attempt in rows})
    return found
