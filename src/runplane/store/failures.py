"""Failure questions the dashboard asks: which failures are still unresolved, and how many
failed per pipeline. Read-only; the executions table is the only source.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, exists, func, select

from runplane.model import ExecutionStatus
from runplane.model.status import SUCCESS_STATUSES
from runplane.store.executions import ExecutionFilter
from runplane.store.tables import executions as t

MAX_HOPS = 20
"""Retry chains longer than this are not followed (automatic retries stop at a few)."""


def count_unresolved_failures(conn: Connection, filter: ExecutionFilter) -> int:
    """Failed executions within `filter` that no later attempt has made good.

    A failure is resolved once an execution that retries it (`retry_of`, followed through
    any number of further attempts) succeeded. Failures never retried are counted in SQL;
    only the retried ones have their chains followed. The filter's statuses are ignored.
    """
    where = ExecutionFilter(
        pipelines=filter.pipelines, triggers=filter.triggers, since=filter.since, until=filter.until
    ).where()
    failed = t.c.status == str(ExecutionStatus.FAILED)
    retry = t.alias("retry")
    retried = exists().where(retry.c.retry_of == t.c.execution_id)
    never = conn.execute(select(func.count()).select_from(t).where(failed, *where, ~retried))
    origins = list(conn.execute(select(t.c.execution_id).where(failed, *where, retried)).scalars())
    return int(never.scalar_one()) + len(origins) - len(_resolved(conn, origins))


def _resolved(conn: Connection, origins: Collection[str]) -> set[str]:
    """The origins with a successful attempt somewhere after them in their retry chain."""
    children: dict[str, list[tuple[str, str]]] = {}
    seen = set(origins)
    frontier = list(origins)
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
                children.setdefault(retry_of, []).append((execution_id, status))
                if execution_id not in seen:
                    seen.add(execution_id)
                    following.append(execution_id)
        frontier = following
    successes = {str(s) for s in SUCCESS_STATUSES}
    known: dict[str, bool] = {}

    def succeeded_after(node: str) -> bool:
        if node not in known:
            known[node] = False  # a cycle (not possible through retries) ends here
            known[node] = any(
                status in successes or succeeded_after(child)
                for child, status in children.get(node, ())
            )
        return known[node]

    return {origin for origin in origins if succeeded_after(origin)}


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
