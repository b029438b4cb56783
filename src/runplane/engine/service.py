"""What operators ask for: submit, retry and cancel executions.

Every function validates first and writes in one short transaction, so a refused
request changes nothing. The CLI, API and dashboard call these and nothing lower.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runplane.engine.access.audit import append
from runplane.engine.errors import CancelRefused, RetryRefused
from runplane.engine.new_executions import (
    insert_submitted,
    next_attempt,
    prepare_execution,
    prepare_params,
)
from runplane.engine.notifications import outbox
from runplane.engine.serving import wakeup
from runplane.model import EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.model.notification import OutboxKind
from runplane.model.status import RETRYABLE_STATUSES
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import queue as queue_store


def submit_execution(
    db: Database,
    pipeline: str,
    params: dict[str, Any],
    *,
    trigger: Trigger,
    triggered_by: str,
    dry_run: bool = False,
    parent_id: str | None = None,
    after: str | None = None,
    not_before: datetime | None = None,
    trigger_time: datetime | None = None,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
    origin: Origin | None = None,
    strict: bool = False,
    queue: str | None = None,
) -> Execution:
    """Record a new pending execution, routed to `queue` if given; it is in the database
    before this returns, with its audit entry when someone (`origin`) asked for it.
    `strict` validates `params` as JSON values (the API's bodies), see `validate_params`."""
    execution = prepare_execution(
        pipeline,
        params,
        strict=strict,
        trigger=trigger,
        triggered_by=triggered_by,
        dry_run=dry_run,
        parent_id=parent_id,
        after=after,
        not_before=not_before,
        trigger_time=trigger_time,
        registry=registry,
        now=clock(),
        queue=queue,
    )
    with db.write() as conn:
        insert_submitted(conn, execution)
        append(
            conn, origin, AuditAction.RUN, f"execution:{execution.execution_id}",
            execution.created_at, pipeline=pipeline, params=execution.params,
            dry_run=dry_run or None,
        )  # fmt: skip
    wakeup.notify()
    return execution


def retry_execution(
    db: Database,
    execution_id: str,
    overrides: dict[str, Any] | None = None,
    *,
    trigger: Trigger,
    triggered_by: str,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
    origin: Origin | None = None,
    strict: bool = False,
) -> Execution:
    """Start a new attempt of a failed or cancelled execution, linked by `retry_of`.

    Refused (`RetryRefused`) while an identical run is pending or running; the check and
    the insert are one serialised transaction, so concurrent retries create one execution.
    """
    with db.read() as conn:
        original = store.get_execution(conn, execution_id)
    _check_retryable(original)
    params, identity = prepare_params(
        original.pipeline, {**original.params, **(overrides or {})}, registry, strict=strict
    )
    now = clock()
    retry = next_attempt(
        original,
        params=params,
        params_hash=identity,
        trigger=trigger,
        triggered_by=triggered_by,
        now=now,
    )
    with db.write(lock=identity_lock(retry)) as conn:
        record_retry(
            conn, original.execution_id, retry, trigger=trigger, origin=origin,
            params=overrides or None,
        )  # fmt: skip
    wakeup.notify()
    return retry


def identity_lock(execution: Execution) -> str:
    """The lock that serialises runs of one pipeline with the same parameters."""
    return f"identity:{execution.pipeline}:{execution.params_hash}"


def record_retry(
    conn: Connection,
    original_id: str,
    retry: Execution,
    *,
    trigger: Trigger,
    origin: Origin | None,
    **audit: Any,
) -> None:
    """Store `retry` of `original_id` with its events and audit entry (`audit` its detail),
    in the caller's transaction, which holds `identity_lock(retry)`.

    Raises `RetryRefused` (write nothing more) when the original no longer allows a retry
    or an identical run is pending or running.
    """
    _check_retryable(store.get_execution(conn, original_id))
    twin = queue_store.find_active_twin(conn, retry.pipeline, retry.params_hash)
    if twin is not None:
        raise RetryRefused(
            f"an identical run of {retry.pipeline} is already {twin.status} "
            f"({twin.execution_id}); wait for it or cancel it first",
            active_id=twin.execution_id,
        )
    store.insert_execution(conn, retry)
    bulk = {} if retry.bulk_id is None else {"bulk_id": retry.bulk_id}
    event_store.insert_event(
        conn, retry.execution_id, EventKind.CREATED, actor=retry.triggered_by,
        at=retry.created_at, trigger=str(trigger), retry_of=original_id, **bulk,
    )  # fmt: skip
    event_store.insert_event(
        conn, original_id, EventKind.RETRIED, actor=retry.triggered_by, at=retry.created_at,
        new_execution_id=retry.execution_id,
    )  # fmt: skip
    append(
        conn, origin, AuditAction.RETRY, f"execution:{original_id}", retry.created_at,
        new_execution_id=retry.execution_id, **audit,
    )  # fmt: skip


def cancel_execution(
    db: Database,
    execution_id: str,
    *,
    by: str,
    grace_seconds: float,
    force: bool = False,
    clock: Clock = utcnow,
    origin: Origin | None = None,
) -> Execution:
    """Cancel a pending execution at once, or ask a running one to stop.

    A running execution stays `running` until its process has exited; its executor sends
    the stop signal and, after `grace_seconds` (at once with `force`), kills it. Active
    child executions are cancelled with it. Raises `CancelRefused` for a finished one.
    """
    with db.write() as conn:
        return record_cancel(
            conn, execution_id, by=by, grace_seconds=grace_seconds, force=force, now=clock(),
            origin=origin,
        )  # fmt: skip


def record_cancel(
    conn: Connection,
    execution_id: str,
    *,
    by: str,
    grace_seconds: float,
    now: datetime,
    force: bool = False,
    origin: Origin | None = None,
    **audit: Any,
) -> Execution:
    """Cancel (or ask to stop) in the caller's transaction, with the audit entry (`audit`
    its detail). Raises `CancelRefused` for an execution that already ended."""
    execution = store.get_execution(conn, execution_id)
    if execution.status.is_final:
        raise CancelRefused(
            f"execution {execution_id} already ended {execution.status}; nothing to cancel"
        )
    _cancel_tree(conn, execution, by=by, now=now, grace_seconds=0 if force else grace_seconds)
    append(
        conn, origin, AuditAction.CANCEL, f"execution:{execution_id}", now,
        force=force or None, **audit,
    )  # fmt: skip
    return store.get_execution(conn, execution_id)


def _cancel_tree(
    conn: Any, execution: Execution, *, by: str, now: datetime, grace_seconds: float
) -> None:
    if execution.status is ExecutionStatus.PENDING:
        if store.update_status(
            conn,
            execution.execution_id,
            ExecutionStatus.PENDING,
            ExecutionStatus.CANCELLED,
            completed_at=now,
            cancel_requested_at=now,
            cancel_requested_by=by,
        ):
            event_store.insert_event(
                conn, execution.execution_id, EventKind.CANCEL_REQUESTED, actor=by, at=now
            )
            event_store.insert_event(
                conn,
                execution.execution_id,
                EventKind.CANCELLED,
                actor=by,
                at=now,
                how="cancelled before it started",
            )
            outbox.record(conn, OutboxKind.CANCELLED, at=now, execution_id=execution.execution_id)
    elif execution.status is ExecutionStatus.RUNNING:
        kill_after = now + timedelta(seconds=grace_seconds)
        if execution.kill_after is not None and execution.kill_after < kill_after:
            kill_after = execution.kill_after
        if store.request_cancel(conn, execution.execution_id, by=by, at=now, kill_after=kill_after):
            event_store.insert_event(
                conn,
                execution.execution_id,
                EventKind.CANCEL_REQUESTED,
                actor=by,
                at=now,
                grace_seconds=grace_seconds,
            )
    for child in store.list_children(conn, execution.execution_id):
        if not child.status.is_final:
            _cancel_tree(conn, child, by=by, now=now, grace_seconds=grace_seconds)


def _check_retryable(execution: Execution) -> None:
    if execution.status not in RETRYABLE_STATUSES:
        raise RetryRefused(
            f"execution {execution.execution_id} is {execution.status}; only failed or "
            "cancelled executions can be retried"
        )
