"""Why an execution of a bulk set is not acted on: one set of rules for the preview and for
the re-check of each item just before it is acted on."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from runplane.model import Execution, ExecutionStatus
from runplane.model.bulk import BulkAction, Skip, SkipReason
from runplane.model.status import RETRYABLE_STATUSES
from runplane.store import bulk as bulk_store
from runplane.store import failures as failure_store
from runplane.store import queue as queue_store


def assess(
    conn: Connection, action: BulkAction, executions: Sequence[Execution]
) -> tuple[list[str], list[Skip]]:
    """Split `executions` (in the set's order) into the ids to act on and the skipped ones.

    A retry acts only on the latest attempt of each chain, never on one a later success
    resolved, one a bulk operation already retried, or one whose identical run is pending
    or running (or will be, by an earlier execution of the same set).
    """
    if action is BulkAction.CANCEL:
        return _assess_cancel(executions)
    ended = [e.execution_id for e in executions if e.status in RETRYABLE_STATUSES]
    resolved = failure_store.list_resolutions(conn, ended) if ended else {}
    later = bulk_store.list_later_attempts(conn, ended)
    marked = bulk_store.list_bulk_retried(conn, ended)
    twins = queue_store.list_active_twins(conn, {(e.pipeline, e.params_hash) for e in executions})
    planned: dict[tuple[str, str], str] = {}
    selected: list[str] = []
    skipped: list[Skip] = []
    for e in executions:
        identity = (e.pipeline, e.params_hash)
        skip = _retry_skip(e, resolved, later, marked)
        if skip is None and identity in twins:
            twin = twins[identity]
            skip = Skip(
                e.execution_id,
                SkipReason.IDENTICAL_ACTIVE,
                f"an identical run of {e.pipeline} is already {twin.status} ({twin.execution_id})",
            )
        if skip is None and identity in planned:
            skip = Skip(
                e.execution_id,
                SkipReason.IDENTICAL_ACTIVE,
                f"{planned[identity]} of this set starts the identical run of {e.pipeline}",
            )
        if skip is None:
            planned[identity] = e.execution_id
            selected.append(e.execution_id)
        else:
            skipped.append(skip)
    return selected, skipped


def recheck(conn: Connection, action: BulkAction, execution: Execution) -> Skip | None:
    """The reason to skip one execution now, just before it is acted on; None to go on.
    (An identical active run is checked by the retry itself, under its lock.)"""
    if action is BulkAction.CANCEL:
        return next(iter(_assess_cancel([execution])[1]), None)
    ended = [execution.execution_id] if execution.status in RETRYABLE_STATUSES else []
    resolved = failure_store.list_resolutions(conn, ended) if ended else {}
    later = bulk_store.list_later_attempts(conn, ended)
    marked = bulk_store.list_bulk_retried(conn, ended)
    return _retry_skip(execution, resolved, later, marked)


def _retry_skip(
    e: Execution, resolved: dict[str, str], later: dict[str, str], marked: set[str]
) -> Skip | None:
    if e.status not in RETRYABLE_STATUSES:
        return Skip(
            e.execution_id,
            SkipReason.NOT_ALLOWED,
            f"it is {e.status}; only failed or cancelled executions can be retried",
        )
    if e.execution_id in resolved:
        return Skip(
            e.execution_id,
            SkipReason.RESOLVED,
            f"resolved by the later success {resolved[e.execution_id]}",
        )
    if e.execution_id in marked:
        return Skip(
            e.execution_id,
            SkipReason.ALREADY_BULK_RETRIED,
            "a bulk operation already retried it (an execution is bulk-retried once)",
        )
    if e.execution_id in later:
        return Skip(
            e.execution_id,
            SkipReason.NOT_LATEST,
            f"{later[e.execution_id]} is a later attempt of it; only the latest is retried",
        )
    return None


def _assess_cancel(executions: Sequence[Execution]) -> tuple[list[str], list[Skip]]:
    selected: list[str] = []
    skipped: list[Skip] = []
    for e in executions:
        if e.status in (ExecutionStatus.PENDING, ExecutionStatus.RUNNING):
            selected.append(e.execution_id)
        else:
            skipped.append(
                Skip(
                    e.execution_id,
                    SkipReason.NOT_ALLOWED,
                    f"it already ended {e.status}; only pending or running ones can be cancelled",
                )
            )
    return selected, skipped
