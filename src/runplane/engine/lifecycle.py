"""The moves executors and runners make: claim, finish, stop, lose, and automatic retry.

Each is one transaction with a compare-and-set on the status, so two processes acting
on the same execution cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.engine import accounting, auto_retry, faults
from runplane.engine.classify import worker_lost
from runplane.engine.notifications import outbox
from runplane.engine.notifications.outbox import KIND_OF_STATUS
from runplane.engine.running.exits import ProcessExit
from runplane.engine.serving import wakeup
from runplane.model import (
    EventKind,
    Execution,
    ExecutionError,
    ExecutionStatus,
    LogLine,
)
from runplane.model.clock import Clock, utcnow
from runplane.model.cost import ExitUsage, RateCard, Rates
from runplane.model.notification import OutboxKind
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database, Rollback, execution_rows
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import logs as log_store
from runplane.store import queue as queue_store

_FINAL_EVENTS = {
    ExecutionStatus.COMPLETED: EventKind.COMPLETED,
    ExecutionStatus.DRY_RUN: EventKind.COMPLETED,
    ExecutionStatus.FAILED: EventKind.FAILED,
    ExecutionStatus.CANCELLED: EventKind.CANCELLED,
}


def claim_execution(
    db: Database, execution_id: str, *, worker_id: str, actor: str, clock: Clock = utcnow
) -> bool:
    """Move a pending execution to running for this worker; False if someone else took it."""
    now = clock()
    with db.write() as conn:
        if not store.update_status(
            conn,
            execution_id,
            ExecutionStatus.PENDING,
            ExecutionStatus.RUNNING,
            started_at=now,
            worker_id=worker_id,
        ):
            return False
        event_store.insert_event(conn, execution_id, EventKind.STARTED, actor=actor, at=now)
        return True


def finish_execution(
    db: Database,
    execution: Execution,
    status: ExecutionStatus,
    *,
    output: dict[str, Any] | None = None,
    rows_processed: int | None = None,
    error: ExecutionError | None = None,
    log_lines: Sequence[LogLine] = (),
    registry: Registry = default_registry,
    retry_scale: float = 1.0,
    clock: Clock = utcnow,
    process: tuple[int, float | None] | None = None,
    rates: Rates | None = None,
    usage: ExitUsage | None = None,
) -> bool:
    """Record a run's result, its last log lines and publish its captures in one transaction.

    Requires the execution to be running with no cancel request; returns False (and
    writes nothing) otherwise. A failure may schedule the next automatic attempt.
    `process` (pid, start time) is the run's own, recorded in case its executor has not
    written it yet (a run can end before the executor hears back from the fork). With
    `rates`, its cost (from `usage`, its own accounting, and its samples) goes in too.
    """
    with db.write() as conn:
        finished = record_finish(
            conn,
            execution,
            status,
            output=output,
            rows_processed=rows_processed,
            error=error,
            log_lines=log_lines,
            registry=registry,
            retry_scale=retry_scale,
            now=clock(),
            process=process,
            rates=rates,
            usage=usage,
        )
        if not finished:
            raise Rollback
    if finished:
        wakeup.notify()
    return finished


def record_finish(
    conn: Connection,
    execution: Execution,
    status: ExecutionStatus,
    *,
    output: dict[str, Any] | None,
    rows_processed: int | None,
    error: ExecutionError | None,
    log_lines: Sequence[LogLine],
    registry: Registry,
    retry_scale: float,
    now: datetime,
    process: tuple[int, float | None] | None = None,
    rates: Rates | None = None,
    usage: ExitUsage | None = None,
) -> bool:
    """The statements of `finish_execution`, on the caller's transaction (roll back on False)."""
    values: dict[str, Any] = {
        "completed_at": now,
        "rows_processed": rows_processed,
        "output": output,
    }
    if process is not None:
        values["pid"], values["process_started_at"] = process
    if rates is not None:
        values.update(accounting.cost_columns(conn, execution, rates=rates, usage=usage, ended=now))
    final = True
    if error is not None:
        recorded = auto_retry.schedule_auto_retry(
            conn, execution, error, registry, retry_scale, now
        )
        final = recorded is error
        error = recorded
        values.update(execution_rows.error_values(error))
    if not store.update_status(
        conn,
        execution.execution_id,
        ExecutionStatus.RUNNING,
        status,
        require_no_cancel=True,
        **values,
    ):
        return False
    log_store.insert_log_lines(conn, log_lines)
    if status is ExecutionStatus.COMPLETED:
        faults.reach("publish", execution.execution_id)
        capture_store.publish_captures(conn, execution.execution_id, now)
    detail: dict[str, Any] = _rates_detail(rates)
    if error is not None:
        detail["classification"] = str(error.classification)
    event_store.insert_event(
        conn, execution.execution_id, _FINAL_EVENTS[status], actor="runner", at=now, **detail
    )
    outbox.record(
        conn, KIND_OF_STATUS[status], at=now, execution_id=execution.execution_id, final=final
    )
    return True


def record_exit(
    db: Database,
    execution_id: str,
    ended: ProcessExit,
    *,
    host: str | None,
    registry: Registry = default_registry,
    retry_scale: float = 1.0,
    clock: Clock = utcnow,
    rates: RateCard | None = None,
) -> bool:
    """What a process that ended means for its execution: the one place that decides.

    Nothing, if the runner recorded the result or the execution is no longer running;
    `cancelled` if a cancel was requested (stopped cooperatively, or killed); otherwise
    `failed` as `worker_lost`, which its retry policy may retry. Returns whether it wrote.
    With `rates`, the end records its cost from the exit's usage and the samples.
    """
    if ended.recorded:
        return False
    with db.read() as conn:
        execution = store.get_execution(conn, execution_id)
    if execution.status is not ExecutionStatus.RUNNING:
        return False
    priced = None if rates is None else (rates.for_pipeline(execution.pipeline), ended.usage)
    if execution.cancel_requested_at is not None:
        return _mark_stopped(
            db, execution, killed=not ended.cooperative, exit_code=ended.code, clock=clock,
            priced=priced,
        )  # fmt: skip
    error = worker_lost(pipeline=execution.pipeline, reason=ended.describe(), host=host)
    return _mark_lost(
        db, execution, error=error, registry=registry, retry_scale=retry_scale, clock=clock,
        priced=priced,
    )  # fmt: skip


Priced = tuple[Rates, ExitUsage | None] | None
"""The rates an end is priced at, and its process's usage when its exit was seen."""


def _priced_values(
    conn: Connection, execution: Execution, priced: Priced, now: datetime
) -> dict[str, Any]:
    if priced is None:
        return {}
    rates, usage = priced
    return accounting.cost_columns(conn, execution, rates=rates, usage=usage, ended=now)


def _rates_detail(rates: Rates | None) -> dict[str, Any]:
    """The rates a cost was computed with, kept in the end's event: the detail page shows
    the arithmetic even after the rates have changed."""
    return {} if rates is None else {"rates": rates.to_dict() | {"version": rates.version}}


def _mark_stopped(
    db: Database,
    execution: Execution,
    *,
    killed: bool,
    exit_code: int | None,
    clock: Clock,
    priced: Priced = None,
) -> bool:
    """After the process of a cancel-requested execution exited: write `cancelled`."""
    now = clock()
    execution_id = execution.execution_id
    with db.write() as conn:
        if not store.update_status(
            conn, execution_id, ExecutionStatus.RUNNING, ExecutionStatus.CANCELLED,
            completed_at=now, **_priced_values(conn, execution, priced, now),
        ):  # fmt: skip
            return False
        how = "killed after the grace period" if killed else "stopped cooperatively"
        event_store.insert_event(
            conn,
            execution_id,
            EventKind.STOPPED,
            actor="executor",
            at=now,
            how=how,
            exit_code=exit_code,
        )
        event_store.insert_event(
            conn, execution_id, EventKind.CANCELLED, actor="executor", at=now,
            **_rates_detail(None if priced is None else priced[0]),
        )  # fmt: skip
        outbox.record(conn, OutboxKind.CANCELLED, at=now, execution_id=execution_id)
    wakeup.notify()
    return True


def _mark_lost(
    db: Database,
    execution: Execution,
    *,
    error: ExecutionError,
    registry: Registry,
    retry_scale: float,
    clock: Clock,
    priced: Priced = None,
) -> bool:
    """A running execution whose process died without a result: `failed` (`worker_lost`)."""
    now = clock()
    with db.write() as conn:
        recorded = auto_retry.schedule_auto_retry(
            conn, execution, error, registry, retry_scale, now
        )
        final, error = recorded is error, recorded
        moved = store.update_status(
            conn,
            execution.execution_id,
            ExecutionStatus.RUNNING,
            ExecutionStatus.FAILED,
            completed_at=now,
            **execution_rows.error_values(error),
            **_priced_values(conn, execution, priced, now),
        )
        if not moved:
            raise Rollback  # the automatic retry it may have inserted goes too
        event_store.insert_event(
            conn,
            execution.execution_id,
            EventKind.FAILED,
            actor="monitor",
            at=now,
            classification=str(error.classification),
            reason=error.message,
            **_rates_detail(None if priced is None else priced[0]),
        )
        outbox.record(
            conn, OutboxKind.WORKER_LOST, at=now, execution_id=execution.execution_id, final=final
        )
    if moved:
        wakeup.notify()
    return moved


def cancel_blocked(db: Database, *, clock: Clock = utcnow) -> int:
    """Cancel pending executions whose `after` execution failed or was cancelled."""
    with db.read() as conn:
        if not queue_store.list_blocked_by_failure(conn):
            return 0  # the common case: no write transaction at all
    now = clock()
    cancelled = 0
    with db.write() as conn:
        for execution_id, after_id, after_status in queue_store.list_blocked_by_failure(conn):
            if store.update_status(
                conn,
                execution_id,
                ExecutionStatus.PENDING,
                ExecutionStatus.CANCELLED,
                completed_at=now,
            ):
                event_store.insert_event(
                    conn,
                    execution_id,
                    EventKind.CANCELLED,
                    actor="executor",
                    at=now,
                    how=f"its prerequisite {after_id} ended {after_status}",
                )
                outbox.record(conn, OutboxKind.CANCELLED, at=now, execution_id=execution_id)
                cancelled += 1
    return cancelled
