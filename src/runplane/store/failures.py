"""Failure questions the dashboard asks: which failures are still unresolved, and how many
failed per pipeline. Read-only; the executions table is the only source.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, func, select

from runplane.model import ExecutionStatus
from runplane.model.status import SUCCESS_STATUSES
from runplane.store.executions import ExecutionFilter
from runplane.store.tables import executions as t

MAX_HOPS = 20
"""Retry chains longer than this are not followed (automatic retries stop at a few)."""


def list_unresolved_failures(conn: Connection, filter: ExecutionFilter) -> list[str]:
    """Failed executions within `filter` that no later attempt has made good, newest first.

    A failure is resolved once an execution that retries it (`retry_of`, followed through
    any number of further attempts) succeeded. The filter's statuses are ignored: only
    failed executions are considered.
    """
    where = ExecutionFilter(
        pipelines=filter.pipelines, triggers=filter.triggers, since=filter.since, until=filter.until
    ).where()
    failed = list(
        conn.execute(
            select(t.c.execution_id)
            .where(t.c.status == str(ExecutionStatus.FAILED), *where)
            .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        ).scalars()
    )
    if not failed:
        return []
    resolved = _resolved(conn, failed)
    return [execution_id for execution_id in failed if execution_id not in resolved]


def _resolved(conn: Connection, origins: Collection[str]) -> set[str]:
    """The origins with a successful attempt somewhere after them in their retry chain."""
    reached: dict[str, set[str]] = {execution_id: {execution_id} for execution_id in origins}
    frontier = list(origins)
    resolved: set[str] = set()
    successes = {str(s) for s in SUCCESS_STATUSES}
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        following: list[str] = []
        for start in range(0, len(frontier), 500):
            chunk = frontier[start : start + 500]
            rows = conn.execute(
                select(t.c.execution_id, t.c.retry_of, t.c.status).where(t.c.retry_of.in_(chunk))
            )
            for execution_id, retry_of, status in rows:
                via = reached[retry_of]
                if status in successes:
                    resolved |= via
                    continue
                if execution_id not in reached:
                    reached[execution_id] = set()
                    following.append(execution_id)
                reached[execution_id] |= via
        frontier = following
    return resolved


def count_failures_by_pipeline(
    conn: Connection, *, since: datetime, pipelines: Collection[str] = ()
) -> dict[str, int]:
    """Failed executions created at or after `since`, per pipeline (absent means none)."""
    query = select(t.c.pipeline, func.count()).where(
        t.c.status == str(ExecutionStatus.FAILED), t.c.created_at >= since
    )
    if pipelines:
        query = query.where(t.c.pipeline.in_(sorted(pipelines)))
    return {row[0]: row[1] for row in conn.execute(query.group_by(t.c.pipeline))}
