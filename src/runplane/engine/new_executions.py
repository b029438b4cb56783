"""A new execution: its parameters validated and canonical, its row built (a first run, or
the next attempt of another), and its insert with the `created` event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from runplane.engine.ids import new_capture_id, new_execution_id
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.routing import checked_queue
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.pipelines.params import canonical_params, params_hash, validate_params
from runplane.store import events as event_store
from runplane.store import executions as store


def prepare_params(
    pipeline: str,
    params: dict[str, Any],
    registry: Registry = default_registry,
    *,
    strict: bool = False,
) -> tuple[dict[str, Any], str]:
    """Validate against the pipeline's parameters; returns canonical params and their hash.

    `strict` for parameters that came as JSON (see `validate_params`). Raises
    `UnknownPipeline` or `InvalidParams`.
    """
    definition = registry.get(pipeline)
    validated = validate_params(pipeline, definition.params, params, strict=strict)
    canonical = canonical_params(validated)
    return canonical, params_hash(pipeline, canonical)


def prepare_execution(
    pipeline: str,
    params: dict[str, Any],
    *,
    trigger: Trigger,
    triggered_by: str,
    now: datetime,
    dry_run: bool = False,
    parent_id: str | None = None,
    after: str | None = None,
    not_before: datetime | None = None,
    trigger_time: datetime | None = None,
    registry: Registry = default_registry,
    strict: bool = False,
    queue: str | None = None,
) -> Execution:
    """A new pending execution with validated parameters, routed to `queue` or else its
    pipeline's, not yet stored (raises `UnknownPipeline`, `InvalidParams`, `InvalidQueue`).

    `insert_submitted` stores it, inside a transaction the caller may share with its own
    writes (the scheduler's fire record).
    """
    canonical, identity = prepare_params(pipeline, params, registry, strict=strict)
    return new_execution(
        pipeline,
        canonical,
        identity,
        trigger=trigger,
        triggered_by=triggered_by,
        now=now,
        trigger_time=trigger_time,
        dry_run=dry_run,
        parent_id=parent_id,
        after_id=after,
        not_before=not_before,
        queue=checked_queue(queue) if queue is not None else registry.get(pipeline).queue,
    )


def new_execution(
    pipeline: str,
    params: dict[str, Any],
    params_hash: str,
    *,
    trigger: Trigger,
    triggered_by: str,
    now: datetime,
    trigger_time: datetime | None = None,
    **links: Any,
) -> Execution:
    """The one constructor of a new pending execution: fresh execution and capture ids,
    created `now`; `links` are its `attempt`, `retry_of`, `parent_id`, `after_id`,
    `not_before` and `dry_run`, where they differ from a first run's."""
    return Execution(
        execution_id=new_execution_id(),
        pipeline=pipeline,
        status=ExecutionStatus.PENDING,
        params=params,
        params_hash=params_hash,
        trigger=trigger,
        triggered_by=triggered_by,
        trigger_time=trigger_time or now,
        created_at=now,
        capture_id=new_capture_id(now),
        **links,
    )


def next_attempt(
    original: Execution,
    *,
    params: dict[str, Any],
    params_hash: str,
    trigger: Trigger,
    triggered_by: str,
    now: datetime,
    trigger_time: datetime | None = None,
    not_before: datetime | None = None,
    bulk_id: str | None = None,
) -> Execution:
    """A new attempt of `original`: same pipeline, parent, queue and dry-run flag, linked by
    `retry_of`, its attempt number one higher (`bulk_id`: the bulk operation creating it)."""
    return new_execution(
        original.pipeline,
        params,
        params_hash,
        trigger=trigger,
        triggered_by=triggered_by,
        now=now,
        trigger_time=trigger_time,
        dry_run=original.dry_run,
        attempt=original.attempt + 1,
        retry_of=original.execution_id,
        parent_id=original.parent_id,
        not_before=not_before,
        bulk_id=bulk_id,
        queue=original.queue,
    )


def insert_submitted(conn: Connection, execution: Execution, **detail: Any) -> None:
    """Store a prepared execution and its `created` event (with `detail`) on `conn`.

    The caller wakes the executor (`wakeup.notify()`) once the transaction committed.
    """
    for reference in (execution.parent_id, execution.after_id):
        if reference is not None:
            store.get_execution(conn, reference)
    store.insert_execution(conn, execution)
    event_store.insert_event(
        conn,
        execution.execution_id,
        EventKind.CREATED,
        actor=execution.triggered_by,
        at=execution.created_at,
        trigger=str(execution.trigger),
        **detail,
    )
