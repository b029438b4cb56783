"""The JSON shape of executions, events, schedules and fires, shared by the API and `--json`
CLI output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runplane.model.errors import ExecutionError, SuggestedAction
from runplane.model.event import EventKind, ExecutionEvent
from runplane.model.execution import Execution
from runplane.model.schedule import Schedule, ScheduleFire
from runplane.model.sla import SlaStatus
from runplane.model.status import ExecutionStatus
from runplane.model.trigger import Trigger
from runplane.tiers import Feature, Tier, includes


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with a `Z`, e.g. `2025-12-22T08:10:15.123456Z`."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def execution_json(e: Execution, *, tier: Tier | None = None) -> dict[str, Any]:
    """An execution as the API and `--json` give it; the fields of features `tier` lacks
    (or, without a tier, of every advanced feature) are null."""
    cost = e.cost if tier is not None and includes(tier, Feature.COST) else None
    sla = e.sla if tier is not None and includes(tier, Feature.SLA) else None
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
        "sla": None if sla is None else sla.to_json(),
        "bulk_id": e.bulk_id,
        "queue": e.queue,
        "cost": None if cost is None else cost.to_dict(),
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


def parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def execution_from_json(body: dict[str, Any]) -> Execution:
    """An execution as the API published it (`execution_json`), back as the type; what the
    JSON leaves out (the parameters' hash, the process) stays empty."""
    created = parse_iso(body["created_at"])
    assert created is not None, "an execution always has created_at"
    return Execution(
        execution_id=body["execution_id"],
        pipeline=body["pipeline"],
        status=ExecutionStatus(body["status"]),
        params=body.get("params") or {},
        params_hash="",
        trigger=Trigger(body["trigger"]),
        triggered_by=body["triggered_by"],
        trigger_time=parse_iso(body.get("trigger_time")) or created,
        created_at=created,
        capture_id=body.get("capture_id") or "",
        dry_run=bool(body.get("dry_run")),
        attempt=int(body.get("attempt") or 1),
        retry_of=body.get("retry_of"),
        parent_id=body.get("parent_id"),
        after_id=body.get("after_id"),
        not_before=parse_iso(body.get("not_before")),
        started_at=parse_iso(body.get("started_at")),
        completed_at=parse_iso(body.get("completed_at")),
        rows_processed=body.get("rows_processed"),
        output=body.get("output"),
        error=None if body.get("error") is None else ExecutionError.from_dict(body["error"]),
        progress=body.get("progress"),
        cancel_requested_at=parse_iso(body.get("cancel_requested_at")),
        cancel_requested_by=body.get("cancel_requested_by"),
        sla=SlaStatus.from_json(body.get("sla")),
        bulk_id=body.get("bulk_id"),
        queue=body.get("queue"),
        **_cost_fields(body.get("cost")),
    )


def _cost_fields(cost: dict[str, Any] | None) -> dict[str, Any]:
    if not cost:
        return {}
    return {
        "cost_amount": cost["amount"],
        "cost_currency": cost["currency"],
        "cpu_seconds": cost["cpu_seconds"],
        "gb_seconds": cost["gb_seconds"],
        "cost_rates_version": cost["rates_version"],
    }


def event_from_json(execution_id: str, body: dict[str, Any]) -> ExecutionEvent:
    at = parse_iso(body["at"])
    assert at is not None
    return ExecutionEvent(
        event_id=body.get("event_id"),
        execution_id=execution_id,
        kind=EventKind(body["kind"]),
        actor=body["actor"],
        at=at,
        detail=body.get("detail") or {},
    )
