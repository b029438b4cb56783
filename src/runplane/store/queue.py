"""The queue executors work from: pending executions that may start, those blocked by a
failed prerequisite, the running ones, and the identical run that blocks a retry.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, tuple_, update

from runplane.model import Execution, ExecutionStatus
from runplane.store.execution_rows import from_row
from runplane.store.executions import older_than
from runplane.store.tables import executions as t

_after = t.alias("after")
"""The execution another waits for (`after_id`)."""


def find_active_twin(conn: Connection, pipeline: str, params_hash: str) -> Execution | None:
    """A pending or running execution of the same pipeline with the same parameters.

    The few active rows are sorted here: an ORDER BY in SQL lets SQLite walk the time index
    of the whole table instead of the identity index (about 200 ms at a million rows).
    """
    rows = conn.execute(
        select(t).where(
            t.c.pipeline == pipeline,
            t.c.params_hash == params_hash,
            t.c.status.in_([str(ExecutionStatus.PENDING), str(ExecutionStatus.RUNNING)]),
        )
    ).all()
    newest = max(rows, key=lambda r: (r.created_at, r.execution_id), default=None)
    return None if newest is None else from_row(newest)


def list_active_twins(
    conn: Connection, identities: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Execution]:
    """The newest pending or running execution per `(pipeline, params_hash)` among these.

    One query for a whole page of rows, so a list can disable Retry where it would be refused.
    """
    wanted = sorted(set(identities))
    if not wanted:
        return {}
    rows = conn.execute(
        select(t).where(
            tuple_(t.c.pipeline, t.c.params_hash).in_(wanted),
            t.c.status.in_([str(ExecutionStatus.PENDING), str(ExecutionStatus.RUNNING)]),
        )
    )
    newest_last = sorted(map(from_row, rows), key=lambda e: (e.created_at, e.execution_id))
    return {(e.pipeline, e.params_hash): e for e in newest_last}


def update_after(conn: Connection, old: str, new: str) -> None:
    """Make pending executions that wait for `old` wait for `new` instead (its retry)."""
    conn.execute(
        update(t)
        .where(t.c.after_id == old, t.c.status == str(ExecutionStatus.PENDING))
        .values(after_id=new)
    )


def list_runnable(
    conn: Connection, now: datetime, *, limit: int, scope: Collection[str] | None = None
) -> list[Execution]:
    """Pending executions that may start now, oldest first.

    Skips ones whose `not_before` is in the future or whose `after` execution has not
    succeeded (completed, or dry_run for a dry-run chain). With `scope`, only those ids and
    their children (a `run --wait` tree).
    """
    query = _runnable(select(t), now).order_by(t.c.created_at, t.c.execution_id)
    if scope is not None:
        ids = sorted(scope)
        query = query.where(or_(t.c.execution_id.in_(ids), t.c.parent_id.in_(ids)))
    return [from_row(row) for row in conn.execute(query.limit(limit))]


def list_to_dispatch(
    conn: Connection, now: datetime, *, dispatched_before: datetime, limit: int
) -> list[tuple[str, str | None, bool]]:
    """Runnable executions never handed to the broker, or last handed before
    `dispatched_before` and still unclaimed, oldest first: (id, queue, handed before)."""
    query = _runnable(select(t.c.execution_id, t.c.queue, t.c.dispatched_at), now)
    query = query.where(or_(t.c.dispatched_at.is_(None), t.c.dispatched_at < dispatched_before))
    rows = conn.execute(query.order_by(t.c.created_at, t.c.execution_id).limit(limit))
    return [(row[0], row[1], row[2] is not None) for row in rows]


def _runnable(query: Select[Any], now: datetime) -> Select[Any]:
    """`query` narrowed to pending executions that may start at `now`."""
    return query.outerjoin(_after, _after.c.execution_id == t.c.after_id).where(
        t.c.status == str(ExecutionStatus.PENDING),
        or_(t.c.not_before.is_(None), t.c.not_before <= now),
        or_(
            t.c.after_id.is_(None),
            _after.c.status.in_([str(ExecutionStatus.COMPLETED), str(ExecutionStatus.DRY_RUN)]),
        ),
    )


def update_dispatched(
    conn: Connection, execution_id: str, at: datetime | None, *, dispatched_before: datetime
) -> bool:
    """Record that a pending execution was handed to the broker `at`, only if nobody did
    since `dispatched_before` (so several servers send it once); `at=None` undoes it."""
    unclaimed = or_(t.c.dispatched_at.is_(None), t.c.dispatched_at < dispatched_before)
    query = update(t).where(
        t.c.execution_id == execution_id, t.c.status == str(ExecutionStatus.PENDING)
    )
    if at is not None:
        query = query.where(unclaimed)
    return conn.execute(query.values(dispatched_at=at)).rowcount == 1


def find_oldest_due(conn: Connection, now: datetime) -> tuple[Execution, datetime] | None:
    """The pending execution that has waited longest since it could start, and since when:
    the latest of its creation, its `not_before` and its `after` execution's end (so a
    retry's backoff and a chain's wait do not count as waiting)."""
    query = _runnable(select(t, _after.c.completed_at.label("after_completed_at")), now)
    rows = conn.execute(query.order_by(t.c.created_at, t.c.execution_id).limit(50)).all()
    oldest: tuple[Execution, datetime] | None = None
    for row in rows:
        execution = from_row(row)
        since = max(
            at for at in (execution.created_at, execution.not_before, row.after_completed_at) if at
        )
        if oldest is None or since < oldest[1]:
            oldest = (execution, since)
    return oldest


def list_blocked_by_failure(conn: Connection) -> list[tuple[str, str, ExecutionStatus]]:
    """Pending executions whose `after` execution ended without completing."""
    after = t.alias("after")
    rows = conn.execute(
        select(t.c.execution_id, after.c.execution_id, after.c.status)
        .join(after, after.c.execution_id == t.c.after_id)
        .where(
            t.c.status == str(ExecutionStatus.PENDING),
            after.c.status.in_([str(ExecutionStatus.FAILED), str(ExecutionStatus.CANCELLED)]),
        )
    )
    return [(row[0], row[1], ExecutionStatus(row[2])) for row in rows]


def list_running(conn: Connection, *, worker_id: str | None = None) -> list[Execution]:
    query = select(t).where(t.c.status == str(ExecutionStatus.RUNNING))
    if worker_id is not None:
        query = query.where(t.c.worker_id == worker_id)
    return [from_row(row) for row in conn.execute(query.order_by(t.c.started_at))]


def queue_position(conn: Connection, execution: Execution) -> int:
    """How many pending executions were created before this one (0 = next in line)."""
    return conn.execute(
        select(func.count())
        .select_from(t)
        .where(
            t.c.status == str(ExecutionStatus.PENDING),
            older_than((execution.created_at, execution.execution_id)),
        )
    ).scalar_one()
