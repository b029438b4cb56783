"""Failure questions: how often a failure like this one happened lately (same error
fingerprint), which failures are still unresolved, and how many failed per pipeline.
Read-only; the executions table is the only source.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, exists, func, select

from runplane.model import Execution, ExecutionStatus
from runplane.model.status import SUCCESS_STATUSES
from runplane.store.executions import ExecutionFilter, from_row
from runplane.store.tables import executions as t

RECURRENCE_WINDOW = timedelta(days=7)
"""How far back "failures like this" are counted (detail, list and API)."""


@dataclass(frozen=True)
class Recurrence:
    """How often a failure like this one happened in a window ending at it."""

    count: int
    """Failures with the same fingerprint in the window, this one included."""
    previous: Execution | None
    """The most recent earlier one, if any."""


def find_recurrence(
    conn: Connection, execution: Execution, *, window: timedelta = RECURRENCE_WINDOW
) -> Recurrence | None:
    """Failures sharing this execution's error fingerprint in `window` up to it; None if not failed."""
    fingerprint = None if execution.error is None else execution.error.fingerprint
    if fingerprint is None:
        return None
    similar = [
        t.c.error_fingerprint == fingerprint,
        t.c.status == str(ExecutionStatus.FAILED),
        t.c.created_at >= execution.created_at - window,
        t.c.created_at <= execution.created_at,
    ]
    count = conn.execute(select(func.count()).select_from(t).where(*similar)).scalar_one()
    previous = conn.execute(
        select(t)
        .where(*similar, t.c.execution_id != execution.execution_id)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return Recurrence(count=count, previous=None if previous is None else from_row(previous))


def count_by_fingerprint(
    conn: Connection, fingerprints: Iterable[str], *, since: datetime | None
) -> dict[str, int]:
    """Failures per error fingerprint since a time, for grouping repeated failures in a list."""
    wanted = sorted(set(fingerprints))
    if not wanted:
        return {}
    query = select(t.c.error_fingerprint, func.count()).where(
        t.c.error_fingerprint.in_(wanted), t.c.status == str(ExecutionStatus.FAILED)
    )
    if since is not None:
        query = query.where(t.c.created_at >= since)
    rows = conn.execute(query.group_by(t.c.error_fingerprint))
    return {row[0]: row[1] for row in rows}


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
