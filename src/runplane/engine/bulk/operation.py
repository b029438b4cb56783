"""A bulk operation: started from a preview (never a fresh filter), it acts on exactly the
previewed ids, one item at a time, each re-checked just before it is acted on.

An item is settled and its execution retried (or cancelled) in one transaction, so a
process killed at any point either did both or neither: a restart resumes with the items
still queued and never retries one twice. The single-execution retry and cancel
(`engine/service.py`) do the change itself, with their rules, events and audit entry.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from runplane.engine import faults
from runplane.engine.access.audit import append
from runplane.engine.bulk.checks import recheck
from runplane.engine.errors import BulkRefused, CancelRefused, RetryRefused
from runplane.engine.new_executions import next_attempt, prepare_params
from runplane.engine.service import identity_lock, record_cancel, record_retry
from runplane.model import Execution, Trigger
from runplane.model.audit import AuditAction, Origin
from runplane.model.bulk import (
    BulkAction,
    BulkItem,
    BulkOperation,
    BulkState,
    ItemState,
    Skip,
    SkipReason,
)
from runplane.model.clock import Clock, utcnow
from runplane.pipelines import InvalidParams, Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.store import Database, NotFound
from runplane.store import bulk as bulk_store
from runplane.store import executions as store


def start_operation(
    db: Database,
    preview_id: str,
    *,
    max_executions: int,
    origin: Origin,
    trigger: Trigger = Trigger.API,
    clock: Clock = utcnow,
) -> BulkOperation:
    """Record the operation over the preview's selected ids, with its audit entry.

    Refused (`BulkRefused`, nothing written) when the preview expired, already started an
    operation, or selects more than `max_executions`.
    """
    now = clock()
    with db.write() as conn:
        preview = bulk_store.find_preview(conn, preview_id)
        if preview is None:
            raise NotFound(f"no bulk preview with id {preview_id!r}; make a preview first")
        started = bulk_store.find_operation_of_preview(conn, preview_id)
        if started is not None:
            raise BulkRefused(
                f"preview {preview_id} already started bulk operation {started.bulk_id}; "
                "make a new preview to act again"
            )
        if preview.expires_at <= now:
            raise BulkRefused(f"preview {preview_id} expired; make a new preview")
        if len(preview.selected) > max_executions:
            raise BulkRefused(
                f"the preview selects {len(preview.selected)} executions, more than max "
                f"{max_executions}; raise max or narrow the filter"
            )
        operation = BulkOperation(
            bulk_id=str(uuid.uuid4()),
            preview_id=preview_id,
            action=preview.action,
            actor=origin.actor,
            origin=_origin_json(origin) | {"trigger": str(trigger)},
            state=BulkState.RUNNING,
            filter=preview.filter,
            matched=preview.matched,
            selected=len(preview.selected),
            created_at=now,
        )
        bulk_store.insert_operation(conn, operation, preview.selected)
        append(
            conn, origin, AuditAction.BULK_START, f"bulk:{operation.bulk_id}", now,
            bulk_action=str(preview.action), preview_id=preview_id, matched=preview.matched,
            selected=len(preview.selected), filter=preview.filter,
        )  # fmt: skip
    return operation


def cancel_operation(
    db: Database, bulk_id: str, *, origin: Origin, clock: Clock = utcnow
) -> BulkOperation:
    """Stop a running operation: the items not yet reached are skipped; those done stay."""
    now = clock()
    with db.write() as conn:
        operation = bulk_store.find_operation(conn, bulk_id)
        if operation is None:
            raise NotFound(f"no bulk operation with id {bulk_id!r}")
        if not bulk_store.finish_operation(
            conn, bulk_id, BulkState.CANCELLED, now, by=origin.actor
        ):
            raise BulkRefused(f"bulk operation {bulk_id} already {operation.state}")
        left = bulk_store.skip_all_queued(
            conn, bulk_id, SkipReason.OPERATION_CANCELLED, f"cancelled by {origin.actor}", now
        )
        append(conn, origin, AuditAction.BULK_CANCEL, f"bulk:{bulk_id}", now, skipped=left)
        found = bulk_store.find_operation(conn, bulk_id)
    assert found is not None
    return found


class Outcome(StrEnum):
    """What acting on one item did."""

    ACTED = "acted"
    SKIPPED = "skipped"
    GONE = "gone"
    """Someone else settled it, or the operation is no longer running."""


class _Skipped(Exception):
    def __init__(self, skip: Skip) -> None:
        super().__init__(skip.message)
        self.skip = skip


class _Stopped(Exception):
    """The item was settled elsewhere, or the operation ended meanwhile."""


def act_on_item(
    db: Database,
    operation: BulkOperation,
    item: BulkItem,
    *,
    grace_seconds: float,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> Outcome:
    """Retry or cancel one queued item's execution, or skip it with its reason."""
    try:
        if operation.action is BulkAction.RETRY:
            _retry(db, operation, item, registry=registry, clock=clock)
        else:
            _cancel(db, operation, item, grace_seconds=grace_seconds, clock=clock)
    except _Stopped:
        return Outcome.GONE
    except _Skipped as skipped:
        return _skip(db, operation, skipped.skip, clock)
    return Outcome.ACTED


def finish_if_done(db: Database, bulk_id: str, *, clock: Clock = utcnow) -> bool:
    """Complete a running operation that has no queued item left; True if it did."""
    with db.write() as conn:
        if bulk_store.next_queued(conn, bulk_id, 1):
            return False
        return bulk_store.finish_operation(conn, bulk_id, BulkState.COMPLETED, clock())


def _retry(
    db: Database, operation: BulkOperation, item: BulkItem, *, registry: Registry, clock: Clock
) -> None:
    original = _load(db, item)
    with db.read() as conn:
        early = recheck(conn, BulkAction.RETRY, original)
    if early is not None:
        raise _Skipped(early)
    try:
        params, identity = prepare_params(original.pipeline, original.params, registry)
    except (UnknownPipeline, InvalidParams) as exc:
        raise _Skipped(Skip(item.execution_id, SkipReason.FAILED, str(exc))) from None
    now = clock()
    trigger = Trigger(operation.origin.get("trigger", Trigger.API))
    retry = next_attempt(
        original, params=params, params_hash=identity, trigger=trigger,
        triggered_by=operation.actor, now=now, bulk_id=operation.bulk_id,
    )  # fmt: skip
    try:
        with db.write(lock=identity_lock(retry)) as conn:
            _claim(conn, operation, item, now, result_id=retry.execution_id)
            current = store.get_execution(conn, item.execution_id)
            late = recheck(conn, BulkAction.RETRY, current)
            if late is not None:
                raise _Skipped(late)
            record_retry(
                conn, item.execution_id, retry, trigger=trigger, origin=_origin(operation),
                bulk_id=operation.bulk_id,
            )  # fmt: skip
            bulk_store.mark_bulk_retried(
                conn, item.execution_id, operation.bulk_id, retry.execution_id, now
            )
            faults.reach("bulk-item", item.execution_id)
    except RetryRefused as exc:
        reason = SkipReason.NOT_ALLOWED if exc.active_id is None else SkipReason.IDENTICAL_ACTIVE
        raise _Skipped(Skip(item.execution_id, reason, str(exc))) from None
    except IntegrityError:  # another operation's marker won the race
        raise _Skipped(_already_retried(db, item)) from None


def _cancel(
    db: Database, operation: BulkOperation, item: BulkItem, *, grace_seconds: float, clock: Clock
) -> None:
    _load(db, item)
    now = clock()
    try:
        with db.write() as conn:
            _claim(conn, operation, item, now)
            record_cancel(
                conn, item.execution_id, by=operation.actor, grace_seconds=grace_seconds,
                now=now, origin=_origin(operation), bulk_id=operation.bulk_id,
            )  # fmt: skip
            store.update_execution(conn, item.execution_id, bulk_id=operation.bulk_id)
    except CancelRefused as exc:
        raise _Skipped(Skip(item.execution_id, SkipReason.NOT_ALLOWED, str(exc))) from None


def _claim(
    conn: Connection,
    operation: BulkOperation,
    item: BulkItem,
    now: datetime,
    result_id: str | None = None,
) -> None:
    """Settle the item as done in the acting transaction; stop if it is not ours to act on."""
    current = bulk_store.find_operation(conn, operation.bulk_id)
    if current is None or current.state is not BulkState.RUNNING:
        raise _Stopped
    if not bulk_store.settle_item(
        conn, operation.bulk_id, item.execution_id, ItemState.DONE, now, result_id=result_id
    ):
        raise _Stopped


def _skip(db: Database, operation: BulkOperation, skip: Skip, clock: Clock) -> Outcome:
    with db.write() as conn:
        settled = bulk_store.settle_item(
            conn, operation.bulk_id, skip.execution_id, ItemState.SKIPPED, clock(),
            reason=skip.reason, message=skip.message,
        )  # fmt: skip
    return Outcome.SKIPPED if settled else Outcome.GONE


def _load(db: Database, item: BulkItem) -> Execution:
    with db.read() as conn:
        found = store.find_execution(conn, item.execution_id)
    if found is None:
        message = "the execution no longer exists"
        raise _Skipped(Skip(item.execution_id, SkipReason.FAILED, message))
    return found


def _already_retried(db: Database, item: BulkItem) -> Skip:
    with db.read() as conn:
        marker = bulk_store.find_bulk_retry(conn, item.execution_id)
    by = "" if marker is None else f" ({marker[0]} created {marker[1]})"
    message = f"a bulk operation already retried it{by}"
    return Skip(item.execution_id, SkipReason.ALREADY_BULK_RETRIED, message)


def _origin(operation: BulkOperation) -> Origin:
    o = operation.origin
    return Origin(
        actor=o.get("actor", operation.actor),
        address=o.get("address"),
        user_agent=o.get("user_agent"),
        token=o.get("token"),
    )


def _origin_json(origin: Origin) -> dict[str, Any]:
    return {
        "actor": origin.actor,
        "address": origin.address,
        "user_agent": origin.user_agent,
        "token": origin.token,
    }
