"""Queries over executions: insert, look up, list newest first, count, and compare-and-set.

Every status change goes through `update_status`, which writes only if the row is still
in the expected status, so executors, cancel requests and monitors can race safely.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)

from runplane.model import (
    Execution,
    ExecutionError,
    ExecutionStatus,
    Trigger,
    check_transition,
)
from runplane.store import counts
from runplane.store.errors import NotFound
from runplane.store.tables import executions as t
from runplane.store.types import UTCDateTime


@dataclass(frozen=True)
class ExecutionFilter:
    """What the executions page and API narrow a list by; empty collections mean "all"."""

    statuses: frozenset[ExecutionStatus] = frozenset()
    pipelines: frozenset[str] = frozenset()
    triggers: frozenset[Trigger] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.statuses:
            clauses.append(t.c.status.in_(sorted(self.statuses)))
        if self.pipelines:
            clauses.append(t.c.pipeline.in_(sorted(self.pipelines)))
        if self.triggers:
            clauses.append(t.c.trigger.in_(sorted(self.triggers)))
        if self.since is not None:
            clauses.append(t.c.created_at >= self.since)
        if self.until is not None:
            clauses.append(t.c.created_at < self.until)
        return clauses


Cursor = tuple[datetime, str]
"""A keyset position: the `(created_at, execution_id)` of the last row seen."""


def insert_execution(conn: Connection, execution: Execution) -> None:
    conn.execute(insert(t).values(_to_row(execution)))
    counts.note(
        conn, created_at=execution.created_at, pipeline=execution.pipeline,
        trigger=execution.trigger, status=execution.status,
    )  # fmt: skip


def find_execution(conn: Connection, execution_id: str) -> Execution | None:
    row = conn.execute(select(t).where(t.c.execution_id == execution_id)).first()
    return None if row is None else _from_row(row)


def get_execution(conn: Connection, execution_id: str) -> Execution:
    execution = find_execution(conn, execution_id)
    if execution is None:
        raise NotFound(f"no execution with id {execution_id!r}")
    return execution


def list_executions(
    conn: Connection,
    filter: ExecutionFilter = ExecutionFilter(),
    *,
    limit: int = 50,
    after: Cursor | None = None,
) -> list[Execution]:
    """Newest first by `(created_at, execution_id)`; `after` continues from a previous page."""
    query = select(t).where(*filter.where())
    if after is not None:
        position = tuple_(
            literal(after[0], UTCDateTime()), literal(after[1], t.c.execution_id.type)
        )
        query = query.where(tuple_(t.c.created_at, t.c.execution_id) < position)
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [_from_row(row) for row in conn.execute(query).all()]


def list_execution_keys(
    conn: Connection,
    filter: ExecutionFilter = ExecutionFilter(),
    *,
    limit: int = 50,
    after: Cursor | None = None,
) -> list[tuple[str, datetime, ExecutionStatus]]:
    """Like `list_executions`, but only `(execution_id, created_at, status)` of each row."""
    query = select(t.c.execution_id, t.c.created_at, t.c.status).where(*filter.where())
    if after is not None:
        position = tuple_(
            literal(after[0], UTCDateTime()), literal(after[1], t.c.execution_id.type)
        )
        query = query.where(tuple_(t.c.created_at, t.c.execution_id) < position)
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [(row[0], row[1], ExecutionStatus(row[2])) for row in conn.execute(query).all()]


def list_executions_by_id(conn: Connection, ids: Collection[str]) -> dict[str, Execution]:
    if not ids:
        return {}
    rows = conn.execute(select(t).where(t.c.execution_id.in_(sorted(ids)))).all()
    return {row.execution_id: _from_row(row) for row in rows}


def count_by_status(
    conn: Connection, filter: ExecutionFilter = ExecutionFilter()
) -> dict[ExecutionStatus, int]:
    """Executions per status within the filter (zero for the statuses it excludes)."""
    wanted = [s for s in ExecutionStatus if not filter.statuses or s in filter.statuses]
    totals = dict.fromkeys(ExecutionStatus, 0)
    totals.update(
        counts.count_statuses(
            conn, wanted, pipelines=filter.pipelines, triggers=filter.triggers,
            since=filter.since, until=filter.until,
        )
    )  # fmt: skip
    return totals


def update_status(
    conn: Connection,
    execution_id: str,
    expected: ExecutionStatus,
    new: ExecutionStatus,
    *,
    require_no_cancel: bool = False,
    **values: Any,
) -> bool:
    """Compare-and-set: move to `new` only if still `expected`; returns whether it moved.

    With `require_no_cancel` the move also needs no pending cancel request, which is how
    a run's final publish can never follow a cancel.
    """
    check_transition(expected, new)
    where = [t.c.execution_id == execution_id, t.c.status == str(expected)]
    if require_no_cancel:
        where.append(t.c.cancel_requested_at.is_(None))
    moved = conn.execute(
        update(t)
        .where(*where)
        .values(status=str(new), **values)
        .returning(t.c.created_at, t.c.pipeline, t.c.trigger)
    ).first()
    if moved is None:
        return False
    counts.note(
        conn, created_at=moved.created_at, pipeline=moved.pipeline, trigger=moved.trigger,
        status=new,
    )  # fmt: skip
    return True


def update_execution(conn: Connection, execution_id: str, **values: Any) -> None:
    """Write fields that are not a status (progress, process id); never the status."""
    assert "status" not in values, "status changes go through update_status"
    conn.execute(update(t).where(t.c.execution_id == execution_id).values(**values))


def request_cancel(
    conn: Connection, execution_id: str, *, by: str, at: datetime, kill_after: datetime
) -> bool:
    """Record a cancel request on a running execution; False if it is not running."""
    result = conn.execute(
        update(t)
        .where(t.c.execution_id == execution_id, t.c.status == str(ExecutionStatus.RUNNING))
        .values(
            cancel_requested_at=func.coalesce(t.c.cancel_requested_at, at),
            cancel_requested_by=func.coalesce(t.c.cancel_requested_by, by),
            kill_after=kill_after,
        )
    )
    return result.rowcount == 1


def find_last_execution(conn: Connection, pipeline: str) -> Execution | None:
    """The newest execution of a pipeline, if it ever ran."""
    row = conn.execute(
        select(t)
        .where(t.c.pipeline == pipeline)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return None if row is None else _from_row(row)


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
    return None if newest is None else _from_row(newest)


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
    newest_last = sorted(map(_from_row, rows), key=lambda e: (e.created_at, e.execution_id))
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
    succeeded (completed, or dry_run for a dry-run chain). With `scope`, only those ids and their children (a `run --wait` tree).
    """
    after = t.alias("after")
    query = (
        select(t)
        .outerjoin(after, after.c.execution_id == t.c.after_id)
        .where(
            t.c.status == str(ExecutionStatus.PENDING),
            or_(t.c.not_before.is_(None), t.c.not_before <= now),
            or_(
                t.c.after_id.is_(None),
                after.c.status.in_([str(ExecutionStatus.COMPLETED), str(ExecutionStatus.DRY_RUN)]),
            ),
        )
        .order_by(t.c.created_at, t.c.execution_id)
        .limit(limit)
    )
    if scope is not None:
        ids = sorted(scope)
        query = query.where(or_(t.c.execution_id.in_(ids), t.c.parent_id.in_(ids)))
    return [_from_row(row) for row in conn.execute(query)]


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
    return [_from_row(row) for row in conn.execute(query.order_by(t.c.started_at))]


def list_children(conn: Connection, parent_id: str) -> list[Execution]:
    query = select(t).where(t.c.parent_id == parent_id).order_by(t.c.created_at, t.c.execution_id)
    return [_from_row(row) for row in conn.execute(query)]


def list_statuses(conn: Connection, ids: Iterable[str]) -> dict[str, ExecutionStatus]:
    rows = conn.execute(select(t.c.execution_id, t.c.status).where(t.c.execution_id.in_(list(ids))))
    return {row[0]: ExecutionStatus(row[1]) for row in rows}


def list_retry_chain(conn: Connection, execution: Execution) -> list[Execution]:
    """Every attempt linked to this one by `retry_of`, first attempt first."""
    first = execution
    seen = {execution.execution_id}
    while first.retry_of is not None and first.retry_of not in seen:
        previous = find_execution(conn, first.retry_of)
        if previous is None:
            break
        seen.add(previous.execution_id)
        first = previous
    chain = [first]
    while True:
        row = conn.execute(
            select(t)
            .where(t.c.retry_of == chain[-1].execution_id)
            .order_by(t.c.created_at)
            .limit(1)
        ).first()
        if row is None or row.execution_id in {e.execution_id for e in chain}:
            return chain
        chain.append(_from_row(row))


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
    return Recurrence(count=count, previous=None if previous is None else _from_row(previous))


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


def queue_position(conn: Connection, execution: Execution) -> int:
    """How many pending executions were created before this one (0 = next in line)."""
    return conn.execute(
        select(func.count())
        .select_from(t)
        .where(
            t.c.status == str(ExecutionStatus.PENDING),
            tuple_(t.c.created_at, t.c.execution_id)
            < tuple_(
                literal(execution.created_at, UTCDateTime()),
                literal(execution.execution_id, t.c.execution_id.type),
            ),
        )
    ).scalar_one()


def pipeline_names_with_runs(conn: Connection) -> list[str]:
    return list(conn.execute(select(t.c.pipeline).distinct().order_by(t.c.pipeline)).scalars())


def _to_row(e: Execution) -> dict[str, Any]:
    return {
        "execution_id": e.execution_id,
        "pipeline": e.pipeline,
        "status": str(e.status),
        "params": e.params,
        "params_hash": e.params_hash,
        "dry_run": e.dry_run,
        "trigger": str(e.trigger),
        "triggered_by": e.triggered_by,
        "trigger_time": e.trigger_time,
        "created_at": e.created_at,
        "not_before": e.not_before,
        "started_at": e.started_at,
        "completed_at": e.completed_at,
        "capture_id": e.capture_id,
        "attempt": e.attempt,
        "retry_of": e.retry_of,
        "parent_id": e.parent_id,
        "after_id": e.after_id,
        "rows_processed": e.rows_processed,
        "output": e.output,
        "error": None if e.error is None else e.error.to_dict(),
        "error_class": None if e.error is None else str(e.error.classification),
        "error_fingerprint": None if e.error is None else e.error.fingerprint,
        "progress": e.progress,
        "cancel_requested_at": e.cancel_requested_at,
        "cancel_requested_by": e.cancel_requested_by,
        "kill_after": e.kill_after,
        "worker_id": e.worker_id,
        "pid": e.pid,
        "process_started_at": e.process_started_at,
    }


def _from_row(row: Row[Any]) -> Execution:
    m = row._mapping
    return Execution(
        execution_id=m["execution_id"],
        pipeline=m["pipeline"],
        status=ExecutionStatus(m["status"]),
        params=m["params"],
        params_hash=m["params_hash"],
        dry_run=bool(m["dry_run"]),
        trigger=Trigger(m["trigger"]),
        triggered_by=m["triggered_by"],
        trigger_time=m["trigger_time"],
        created_at=m["created_at"],
        not_before=m["not_before"],
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        capture_id=m["capture_id"],
        attempt=m["attempt"],
        retry_of=m["retry_of"],
        parent_id=m["parent_id"],
        after_id=m["after_id"],
        rows_processed=m["rows_processed"],
        output=m["output"],
        error=None if m["error"] is None else ExecutionError.from_dict(m["error"]),
        progress=m["progress"],
        cancel_requested_at=m["cancel_requested_at"],
        cancel_requested_by=m["cancel_requested_by"],
        kill_after=m["kill_after"],
        worker_id=m["worker_id"],
        pid=m["pid"],
        process_started_at=m["process_started_at"],
    )


def error_values(error: ExecutionError) -> dict[str, Any]:
    """The columns that store a failure, for `update_status(..., **error_values(e))`."""
    return {
        "error": error.to_dict(),
        "error_class": str(error.classification),
        "error_fingerprint": error.fingerprint,
    }
