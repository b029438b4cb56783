"""Factories for rows tests need, with defaults that can be overridden one field at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.model import Execution, ExecutionStatus, Trigger
from runplane.model.schedule import CatchUp, Schedule
from runplane.pipelines.params import params_hash
from runplane.store import executions as store
from runplane.store import schedules as schedule_store


def make_execution(conn: Connection, **overrides: Any) -> Execution:
    """Insert an execution (default: a completed `runplane.noop`) and return it."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    pipeline = overrides.pop("pipeline", "runplane.noop")
    params = overrides.pop("params", {})
    status = ExecutionStatus(overrides.pop("status", ExecutionStatus.COMPLETED))
    values: dict[str, Any] = {
        "execution_id": new_execution_id(),
        "pipeline": pipeline,
        "status": status,
        "params": params,
        "params_hash": params_hash(pipeline, params),
        "trigger": Trigger.MANUAL,
        "triggered_by": "user:test",
        "trigger_time": created,
        "created_at": created,
        "capture_id": new_capture_id(created),
    }
    if status is not ExecutionStatus.PENDING:
        values["started_at"] = created
    if status.is_final:
        values["completed_at"] = created
    values.update(overrides)
    execution = Execution(**values)
    store.insert_execution(conn, execution)
    return execution


def make_schedule(conn: Connection, **overrides: Any) -> Schedule:
    """Insert a schedule (default: `runplane.noop` every minute in UTC, from the CLI)."""
    created = overrides.pop("created_at", datetime(2025, 12, 22, 8, 0, tzinfo=UTC))
    values: dict[str, Any] = {
        "name": "every-minute",
        "pipeline": "runplane.noop",
        "cron": "* * * * *",
        "timezone": "UTC",
        "params": {},
        "enabled": True,
        "catch_up": CatchUp.LATEST,
        "source": "cli",
        "created_at": created,
        "created_by": "user:test",
        "updated_at": created,
        "updated_by": "user:test",
        "active_since": created,
        "checked_until": created,
    }
    values.update(overrides)
    schedule = Schedule(**values)
    schedule_store.insert_schedule(conn, schedule)
    return schedule
