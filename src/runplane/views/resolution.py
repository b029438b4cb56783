"""Where a failure stands now: made good by a later attempt ("resolved by"), or waiting on
the attempt retrying it (scheduled, running), or past every attempt ("act now").

A failed execution's suggested actions are written when it fails, so the note about its
automatic retry says "scheduled" for ever; this is read when asked instead. The list rows,
the execution's detail (dashboard, API, CLI) read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from runplane.model import Execution, ExecutionStatus, SuggestedAction
from runplane.model.status import RETRYABLE_STATUSES
from runplane.pipelines import Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.store import executions as store
from runplane.store import failures as failure_store

AUTO_RETRY = "auto-retry:"
"""`triggered_by` of an automatic retry: `auto-retry:<id of the attempt it retries>`."""


@dataclass(frozen=True)
class Standing:
    """A failed execution as it stands now."""

    resolved_by: Execution | None
    """The earliest later attempt that succeeded, if one did."""
    latest: Execution | None
    """The newest attempt after this one, if it was retried."""
    advice: tuple[SuggestedAction, ...]
    """The suggested actions with the retry's current state first."""


def list_resolved_by(conn: Connection, executions: Sequence[Execution]) -> dict[str, str]:
    """For each failed or cancelled execution among `executions` that a later attempt made
    good, that attempt's id (a list page's rows: one walk down their chains)."""
    ended = [e.execution_id for e in executions if e.status in RETRYABLE_STATUSES]
    return failure_store.list_resolutions(conn, ended) if ended else {}


def standing(
    conn: Connection,
    execution: Execution,
    chain: Sequence[Execution],
    *,
    registry: Registry = default_registry,
) -> Standing | None:
    """How a failed execution stands, given its retry chain (first attempt first); None
    for one that did not fail."""
    if execution.status is not ExecutionStatus.FAILED or execution.error is None:
        return None
    resolved_id = failure_store.list_resolutions(conn, [execution.execution_id]).get(
        execution.execution_id
    )
    ids = [e.execution_id for e in chain]
    at = ids.index(execution.execution_id) + 1 if execution.execution_id in ids else len(ids)
    after = list(chain[at:])
    resolved = next((e for e in after if e.execution_id == resolved_id), None)
    if resolved is None and resolved_id is not None:  # a success off the first-retry path
        resolved = store.find_execution(conn, resolved_id)
    latest = after[-1] if after else None
    stored = tuple(a for a in execution.error.suggested_actions if not is_retry_note(a))
    return Standing(
        resolved_by=resolved,
        latest=latest,
        advice=_advice(execution, latest, resolved, stored, _max_attempts(execution, registry)),
    )


def is_retry_note(action: SuggestedAction) -> bool:
    """The note written at failure time about the automatic retry it scheduled."""
    return action.execution_id is not None and action.text.startswith("Automatic retry")


def is_auto_retry(execution: Execution) -> bool:
    return execution.triggered_by.startswith(AUTO_RETRY)


def _advice(
    execution: Execution,
    latest: Execution | None,
    resolved: Execution | None,
    stored: tuple[SuggestedAction, ...],
    max_attempts: int | None,
) -> tuple[SuggestedAction, ...]:
    if resolved is not None:
        return (
            SuggestedAction(
                f"Resolved by {resolved.execution_id[:8]} (attempt {resolved.attempt}, "
                f"{resolved.status.label.lower()}): no action needed",
                execution_id=resolved.execution_id,
            ),
        )
    of = f" of {max_attempts}" if max_attempts and latest and is_auto_retry(latest) else ""
    if latest is not None and latest.status is ExecutionStatus.PENDING:
        what = "Automatic retry" if is_auto_retry(latest) else "Retry"
        when = (
            f"scheduled for {latest.not_before:%H:%M:%S} UTC"
            if latest.not_before is not None
            else "queued"
        )
        text = f"{what} {when} (attempt {latest.attempt}{of}): no action needed yet"
        return (SuggestedAction(text, execution_id=latest.execution_id), *stored)
    if latest is not None and latest.status is ExecutionStatus.RUNNING:
        since = "" if latest.started_at is None else f" since {latest.started_at:%H:%M:%S} UTC"
        what = "Automatic retry" if is_auto_retry(latest) else "Retry"
        text = f"{what} running{since} (attempt {latest.attempt}{of}): no action needed yet"
        return (SuggestedAction(text, execution_id=latest.execution_id), *stored)
    last = latest or execution
    if last.status is ExecutionStatus.CANCELLED:
        text = f"Attempt {last.attempt} was cancelled, so nothing retries this any more: act now"
        return (SuggestedAction(text, execution_id=last.execution_id), *stored)
    if last.attempt > 1 and (latest is not None or is_auto_retry(execution)):
        text = f"All {last.attempt} attempts failed — act now"
        link = None if latest is None else latest.execution_id
        next_steps = stored if latest is None or latest.error is None else _stored(latest)
        return (SuggestedAction(text, execution_id=link), *next_steps)
    return stored


def _stored(execution: Execution) -> tuple[SuggestedAction, ...]:
    actions = () if execution.error is None else execution.error.suggested_actions
    return tuple(a for a in actions if not is_retry_note(a))


def _max_attempts(execution: Execution, registry: Registry) -> int | None:
    try:
        policy = registry.get(execution.pipeline).retry
    except UnknownPipeline:
        return None
    return None if policy is None else policy.max_attempts
