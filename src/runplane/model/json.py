"""The JSON shape of executions, events, schedules and fires, shared by the API and `--json`
CLI output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runplane.model.errors import SuggestedAction
from runplane.model.event import ExecutionEvent
from runplane.model.execution import Execution
from runplane.model.schedule import Schedule, ScheduleFire


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with a `Z`, e.g. `2025-12-22T08:10:15.123456Z`."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def execution_json(e: Execution) -> dict[str, Any]:
    return {
        "execution_id": e.execution_id,
        "pipeline": e.pipeline,
        "status": str(e.status),
        "trigger": str(e.trigger),
        "triggered_by": e.triggered_by,
        "trigger_time": iso(e.trigger_time),
        "created_at": iso(e.created_at),
        "started_at": iso(e.started_at),
        "completed_at": iso(e.completed_at),
        "not_before": iso(e.not_before),
        "duration_seconds": e.duration_seconds,
        "rows_processed": e.rows_processed,
        "params": e.params,
        "dry_run": e.dry_run,
        "capture_id": e.capture_id,
        "retry_of": e.retry_of,
        "attempt": e.attempt,
        "parent_id": e.parent_id,
        "after_id": e.after_id,
        "output": e.output,
        "error": None if e.error is None else e.error.to_dict(),
        "progress": e.progress,
        "cancel_requested_at": iso(e.cancel_requested_at),
        "cancel_requested_by": e.cancel_requested_by,
    }


def action_json(action: SuggestedAction) -> dict[str, Any]:
    """A suggested action as the error's `suggested_actions` list it."""
    return {"text": action.text, "run": action.run, "execution_id": action.execution_id}


def event_json(event: ExecutionEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "kind": str(event.kind),
        "actor": event.actor,
        "at": iso(event.at),
        "detail": event.detail,
    }


def schedule_json(s: Schedule) -> dict[str, Any]:
    """A schedule's definition; `editable` is false for one defined in a file."""
    return {
        "name": s.name,
        "pipeline": s.pipeline,
        "cron": s.cron,
        "timezone": s.timezone,
        "params": s.params,
        "enabled": s.enabled,
        "catch_up": str(s.catch_up),
        "source": s.source,
        "editable": s.file is None,
        "created_at": iso(s.created_at),
        "created_by": s.created_by,
        "updated_at": iso(s.updated_at),
        "updated_by": s.updated_by,
    }


def fire_json(fire: ScheduleFire, execution: Execution | None) -> dict[str, Any]:
    """One scheduled instant handled, with the status of the execution it created."""
    return {
        "scheduled_for": iso(fire.scheduled_for),
        "fired_at": iso(fire.fired_at),
        "late": fire.late,
        "skipped": fire.skipped,
        "execution_id": fire.execution_id,
        "status": None if execution is None else str(execution.status),
        "error": fire.error,
    }
