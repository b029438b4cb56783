"""Automatic retry: the next attempt a failure's retry policy allows, with backoff and
jitter, inserted in the transaction that records the failure."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from runplane.engine.new_executions import next_attempt
from runplane.model import EventKind, Execution, ExecutionError, SuggestedAction
from runplane.pipelines import Registry, UnknownPipeline
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import queue as queue_store


def schedule_auto_retry(
    conn: Connection,
    execution: Execution,
    error: ExecutionError,
    registry: Registry,
    retry_scale: float,
    now: datetime,
) -> ExecutionError:
    """Insert the next attempt when the pipeline's retry policy covers this failure.

    Executions chained `after` the failed one wait for the new attempt instead of being
    cancelled, since it may still succeed.
    """
    try:
        policy = registry.get(execution.pipeline).retry
    except UnknownPipeline:
        return error
    if (
        policy is None
        or error.classification not in policy.classes
        or execution.attempt >= policy.max_attempts
    ):
        return error
    delay = policy.backoff_seconds * policy.backoff_factor ** (execution.attempt - 1)
    delay *= 1 + random.uniform(-policy.jitter, policy.jitter)
    not_before = now + timedelta(seconds=delay * retry_scale)
    retry = next_attempt(
        execution,
        params=execution.params,
        params_hash=execution.params_hash,
        trigger=execution.trigger,
        triggered_by=f"auto-retry:{execution.execution_id}",
        trigger_time=execution.trigger_time,
        now=now,
        not_before=not_before,
    )
    store.insert_execution(conn, retry)
    queue_store.update_after(conn, execution.execution_id, retry.execution_id)
    event_store.insert_event(
        conn,
        retry.execution_id,
        EventKind.CREATED,
        actor=retry.triggered_by,
        at=now,
        trigger=str(retry.trigger),
        retry_of=execution.execution_id,
        not_before=not_before.isoformat(),
    )
    event_store.insert_event(
        conn,
        execution.execution_id,
        EventKind.RETRIED,
        actor="auto-retry",
        at=now,
        new_execution_id=retry.execution_id,
    )
    note = SuggestedAction(
        f"Automatic retry scheduled for {not_before:%H:%M:%S} UTC "
        f"(attempt {retry.attempt} of {policy.max_attempts}): no action needed yet",
        execution_id=retry.execution_id,
    )
    return replace(error, suggested_actions=(note, *error.suggested_actions))
