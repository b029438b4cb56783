"""Execution rows: insert, look up, list newest first, count, and compare-and-set.

Every status change goes through `update_status`, which writes only if the row is still
in the expected status, so executors, cancel requests and monitors can race safely.
What executors ask of pending work is in `queue.py`; failure questions in `failures.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    func,
    insert,
    literal,
    select,
    tuple_,
    union_all,
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
from runplane.store.costs import COST_COLUMNS
from runplane.store.errors import AmbiguousId, NotFound
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


def older_than(position: Cursor) -> ColumnElement[bool]:
    """Rows before `position` in list order (newest first): the keyset clause."""
    at, execution_id = position
    return tuple_(t.c.created_at, t.c.execution_id) < tuple_(
        literal(at, UTCDateTime()), literal(execution_id, t.c.execution_id.type)
    )


def insert_execution(conn: Connection, execution: Execution) -> None:
    conn.execute(insert(t).values(_to_row(execution)))
    counts.note(
        conn, created_at=execution.created_at, pipeline=execution.pipeline,
        trigger=execution.trigger, status=execution.status,
        cost=execution.cost_amount, cpu_seconds=execution.cpu_seconds,
    )  # fmt: skip


def find_execution(conn: Connection, execution_id: str) -> Execution | None:
    row = conn.execute(select(t).where(t.c.execution_id == execution_id)).first()
    return None if row is None else from_row(row)


def get_execution(conn: Connection, execution_id: str) -> Execution:
    execution = find_execution(conn, execution_id)
    if execution is None:
        raise NotFound(f"no execution with id {execution_id!r}")
    return execution


MIN_ID_PREFIX = 6
"""The shortest id prefix that names an execution (the dashboard shows 8 characters)."""
_CANDIDATES = 10


def resolve_execution_id(conn: Connection, text: str) -> str:
    """The id of the execution `text` names: its whole id, or a prefix of 6+ characters
    that only its id starts with (`45934f8b`). Raises `NotFound`, or `AmbiguousId` naming
    some of the executions a shared prefix fits."""
    if find_execution(conn, text) is not None:
        return text
    if len(text) < MIN_ID_PREFIX:
        hint = f" (an id prefix needs at least {MIN_ID_PREFIX} characters)" if text else ""
        raise NotFound(f"no execution with id {text!r}{hint}")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        select(t.c.execution_id)
        .where(t.c.execution_id.like(escaped + "%", escape="\\"))
        .order_by(t.c.execution_id)
        .limit(_CANDIDATES * 5)
    ).scalars()
    found = [str(i) for i in rows if str(i).startswith(text)]  # LIKE ignores case on SQLite
    if not found:
        raise NotFound(f"no execution with id {text!r} or an id starting with it")
    if len(found) > 1:
        shown = ", ".join(found[:_CANDIDATES]) + (", …" if len(found) > _CANDIDATES else "")
        count = f"{len(found)}" if len(found) <= _CANDIDATES else f"more than {_CANDIDATES}"
        raise AmbiguousId(
            f"the id prefix {text!r} fits {count} executions ({shown}); give more characters",
            found[:_CANDIDATES],
        )
    return found[0]


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
        query = query.where(older_than(after))
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [from_row(row) for row in conn.execute(query).all()]


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
        query = query.where(older_than(after))
    query = query.order_by(t.c.created_at.desc(), t.c.execution_id.desc()).limit(limit)
    return [(row[0], row[1], ExecutionStatus(row[2])) for row in conn.execute(query).all()]


def list_executions_by_id(conn: Connection, ids: Collection[str]) -> dict[str, Execution]:
    if not ids:
        return {}
    rows = conn.execute(select(t).where(t.c.execution_id.in_(sorted(ids)))).all()
    return {row.execution_id: from_row(row) for row in rows}


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
        status=new, cost=values.get("cost_amount"), cpu_seconds=values.get("cpu_seconds"),
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


def list_last_executions(conn: Connection, pipelines: Collection[str]) -> dict[str, Execution]:
    """The newest execution of each pipeline that ever ran, in one statement: a union of
    one indexed newest-first look-up per pipeline (a GROUP BY would scan every row)."""
    names = sorted(set(pipelines))
    if not names:
        return {}
    newest = [
        select(t.c.execution_id)
        .where(t.c.pipeline == name)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
        .subquery()
        .select()
        for name in names
    ]
    ids = union_all(*newest).subquery()
    rows = conn.execute(select(t).where(t.c.execution_id.in_(select(ids.c.execution_id))))
    return {row.pipeline: from_row(row) for row in rows}


def find_last_execution(conn: Connection, pipeline: str) -> Execution | None:
    """The newest execution of a pipeline, if it ever ran."""
    row = conn.execute(
        select(t)
        .where(t.c.pipeline == pipeline)
        .order_by(t.c.created_at.desc(), t.c.execution_id.desc())
        .limit(1)
    ).first()
    return None if row is None else from_row(row)


def list_children(conn: Connection, parent_id: str) -> list[Execution]:
    query = select(t).where(t.c.parent_id == parent_id).order_by(t.c.created_at, t.c.execution_id)
    return [from_row(row) for row in conn.execute(query)]


def list_statuses(conn: Connection, ids: Iterable[str]) -> dict[str, ExecutionStatus]:
    rows = conn.execute(select(t.c.execution_id, t.c.status).where(t.c.execution_id.in_(list(ids))))
    return {row[0]: ExecutionStatus(row[1]) for row in rows}


def list_retry_chain(conn: Connection, execution: Execution) -> list[Execution]:
    """The attempts linked to this one by `retry_of`, first attempt first: the ones it
    retries, itself, then the retries that followed it (the earliest of each)."""
    chain = [execution]
    seen = {execution.execution_id}
    while chain[0].retry_of is not None and chain[0].retry_of not in seen:
        previous = find_execution(conn, chain[0].retry_of)
        if previous is None:
            break
        seen.add(previous.execution_id)
        chain.insert(0, previous)
    while True:
        following = find_first_retry(conn, chain[-1].execution_id)
        if following is None or following.execution_id in seen:
            return chain
        seen.add(following.execution_id)
        chain.append(following)


def find_first_retry(conn: Connection, execution_id: str) -> Execution | None:
    """The earliest execution that retries this one, if any."""
    row = conn.execute(
        select(t)
        .where(t.c.retry_of == execution_id)
        .order_by(t.c.created_at, t.c.execution_id)
        .limit(1)
    ).first()
    return None if row is None else from_row(row)


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
    } | {name: value for name in COST_COLUMNS if (value := getattr(e, name)) is not None}


def from_row(row: Row[Any]) -> Execution:
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
        **{name: m[name] for name in COST_COLUMNS},
    )


def error_values(error: ExecutionError) -> dict[str, Any]:
    """The columns that store a failure, for `update_status(..., **error_values(e))`."""
    return {
        "error": error.to_dict(),
        "error_class": str(error.classification),
        "error_fingerprint": error.fingerprint,
    }
