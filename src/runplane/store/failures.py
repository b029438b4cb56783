"""Failure questions: how often a failure like this one happened lately (same error
fingerprint), which failures are still unresolved, and how many failed per pipeline.
Read-only; the executions table is the only source.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, func, literal, or_, select, union_all

from runplane.model import Execution, ExecutionStatus
from runplane.model.status import SUCCESS_STATUSES
from runplane.store import prepared
from runplane.store.execution_rows import from_row
from runplane.store.executions import ExecutionFilter
from runplane.store.tables import executions as t

RECURRENCE_WINDOW = timedelta(days=7)
"""How far back "failures like this" are counted (detail, list and API)."""
COUNTS_PER_STATEMENT = 100
"""Counts one statement unites (SQLite allows 500 parts in a compound select)."""


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
    count = count_recurrences(conn, [execution], window=window).get(execution.execution_id, 1)
    previous = conn.execute(
        select(t)
        .where(
            t.c.error_fingerprint == fingerprint,
            t.c.status == str(ExecutionStatus.FAILED),
            t.c.created_at >= execution.created_at - window,
            t.c.created_at <= execution.created_at,
            t.c.execution_id != execution.execution_id,
        )
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return Recurrence(count=count, previous=None if previous is None else from_row(previous))


def count_recurrences(
    conn: Connection, failures: Iterable[Execution], *, window: timedelta = RECURRENCE_WINDOW
) -> dict[str, int]:
    """The one definition of "failures like this": for each failed execution, the failures
    with its error fingerprint in the `window` up to it, it included.

    One statement for a page of them (a list page's rows or one detail), each count read
    from the fingerprint index alone, never the matching rows themselves (a busy
    fingerprint has thousands a week), so the row and the detail of an execution always
    agree; executions without a fingerprint are absent.
    """
    wanted = [e for e in failures if e.error is not None and e.error.fingerprint is not None]
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), COUNTS_PER_STATEMENT):
        chunk = wanted[start : start + COUNTS_PER_STATEMENT]
        counted = [
            select(literal(e.execution_id).label("id"), func.count().label("n")).where(
                t.c.error_fingerprint == str(e.error.fingerprint if e.error else ""),
                t.c.status == str(ExecutionStatus.FAILED),
                t.c.created_at >= e.created_at - window,
                t.c.created_at <= e.created_at,
            )
            for e in chunk
        ]
        statement = counted[0] if len(counted) == 1 else union_all(*counted)
        for execution_id, count in conn.execute(statement):
            counts[execution_id] = max(int(count), 1)  # it is one, even if not failed yet
    return counts


MAX_HOPS = 20
"""Retry chains longer than this are not followed (automatic retries stop at a few)."""


def count_unresolved_failures(conn: Connection, filter: ExecutionFilter) -> int:
    """Retry chains with a failure within `filter` that no attempt has made good.

    A chain is an execution and every attempt retrying it (`retry_of`, followed through
    any number of further attempts); it is resolved once one of them succeeded, so three
    failed attempts at one problem count once. Failures in no chain are counted in SQL;
    only the others have their chains followed. The filter's statuses are ignored.
    """
    where = replace(filter, statuses=frozenset()).where(conn.dialect.name)
    failed = t.c.status == str(ExecutionStatus.FAILED)
    retry = t.alias("retry")
    retried = exists().where(retry.c.retry_of == t.c.execution_id)
    alone = conn.execute(
        select(func.count()).select_from(t).where(failed, *where, ~retried, t.c.retry_of.is_(None))
    ).scalar_one()
    linked = conn.execute(
        select(t.c.execution_id, t.c.retry_of).where(
            failed, *where, or_(retried, t.c.retry_of.is_not(None))
        )
    )
    roots = set(_roots(conn, {row[0]: row[1] for row in linked}).values())
    return int(alone) + len(roots) - len(list_resolutions(conn, roots))


def _roots(conn: Connection, parents: dict[str, str | None]) -> dict[str, str]:
    """Each execution's first attempt, following `retry_of` up (`parents`: id -> retry_of)."""
    known = dict(parents)
    for _ in range(MAX_HOPS):
        missing = sorted({p for p in known.values() if p is not None and p not in known})
        if not missing:
            break
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = conn.execute(
                select(t.c.execution_id, t.c.retry_of).where(t.c.execution_id.in_(chunk))
            )
            found = dict(rows.tuples().all())
            known.update({m: found.get(m) for m in chunk})
    roots = {}
    for execution_id in parents:
        node, hops = execution_id, 0
        while known.get(node) is not None and hops < MAX_HOPS:
            node, hops = str(known[node]), hops + 1
        roots[execution_id] = node
    return roots


def _retries_of(conn: Connection, ids: list[str]) -> Sequence[Any]:
    """`(execution_id, retry_of, status, created_at)` of the retries of `ids` (prepared on
    SQLite: every list page asks this of its failures)."""
    columns = (t.c.execution_id, t.c.retry_of, t.c.status, t.c.created_at)
    if conn.dialect.name != "sqlite":
        return conn.execute(select(*columns).where(t.c.retry_of.in_(ids))).all()

    def build() -> Select[Any]:
        return select(*columns).where(
            t.c.retry_of.in_([bindparam(f"id_{i}") for i in range(len(ids))])
        )

    statement = prepared.statements.get(conn, ("retries_of", len(ids)), build)
    return statement.rows(conn, {f"id_{i}": value for i, value in enumerate(ids)})


def list_resolutions(conn: Connection, origins: Collection[str]) -> dict[str, str]:
    """The one definition of "resolved by": for each origin that some later attempt of its
    retry chain made good, the earliest such successful attempt (absent when none did)."""
    children: dict[str, list[tuple[str, str, datetime]]] = {}
    seen = set(origins)
    frontier = sorted(origins)
    for _ in range(MAX_HOPS):
        if not frontier:
            break
        following: list[str] = []
        for start in range(0, len(frontier), 500):
            chunk = frontier[start : start + 500]
            for execution_id, retry_of, status, created_at in _retries_of(conn, chunk):
                children.setdefault(retry_of, []).append((execution_id, status, created_at))
                if execution_id not in seen:
                    seen.add(execution_id)
                    following.append(execution_id)
        frontier = following
    successes = {str(s) for s in SUCCESS_STATUSES}
    known: dict[str, tuple[datetime, str] | None] = {}

    def first_success(node: str) -> tuple[datetime, str] | None:
        if node not in known:
            known[node] = None  # a cycle (not possible through retries) ends here
            found = [
                (created_at, child) if status in successes else first_success(child)
                for child, status, created_at in children.get(node, ())
            ]
            known[node] = min((f for f in found if f is not None), default=None)
        return known[node]

    resolved = {origin: first_success(origin) for origin in origins}
    return {origin: found[1] for origin, found in resolved.items() if found is not None}


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


def find_previous_outcome(conn: Connection, execution: Execution) -> Execution | None:
    """The last execution of the same pipeline and parameters that completed or failed
    before this one ended: a failed one makes this one's success a recovery."""
    row = conn.execute(
        select(t)
        .where(
            t.c.pipeline == execution.pipeline,
            t.c.params_hash == execution.params_hash,
            t.c.status.in_([str(ExecutionStatus.COMPLETED), str(ExecutionStatus.FAILED)]),
            t.c.execution_id != execution.execution_id,
            t.c.created_at <= execution.created_at,
        )
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return None if row is None else from_row(row)
