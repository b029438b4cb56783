"""An execution and the `executions` row that stores it, both ways: the one place that
knows every column, shared by the store modules that read or write executions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

from runplane.model import Execution, ExecutionError, ExecutionStatus, Trigger
from runplane.model.sla import SlaStatus
from runplane.store.costs import COST_COLUMNS


def to_row(e: Execution) -> dict[str, Any]:
    """The columns that store `e` (the advanced-tier columns only where set)."""
    sla = {} if e.sla is None else {"sla_state": e.sla.stored_state, "sla": e.sla.to_record()}
    return (
        sla
        | {
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
            "bulk_id": e.bulk_id,
            "queue": e.queue,
        }
        | {name: value for name in COST_COLUMNS if (value := getattr(e, name)) is not None}
    )


def from_row(row: Row[Any]) -> Execution:
    """The execution an `executions` row stores."""
    return from_mapping(row._mapping)


def from_mapping(m: Mapping[Any, Any]) -> Execution:
    """The execution a row's values by column name store."""
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
        sla=SlaStatus.from_json(m["sla"]),
        bulk_id=m["bulk_id"],
        queue=m["queue"],
        **{name: m[name] for name in COST_COLUMNS},
    )


def error_values(error: ExecutionError) -> dict[str, Any]:
    """The columns that store a failure, for `update_status(..., **error_values(e))`."""
    return {
        "error": error.to_dict(),
        "error_class": str(error.classification),
        "error_fingerprint": error.fingerprint,
    }
