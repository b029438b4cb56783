"""One execution with everything linked to it: its trail of events, the attempts of its retry
chain, parent and children, the identical run that blocks a retry, how often a failure like
it happened lately and (when asked) its baseline. The API's detail, the dashboard's detail
page and `runplane executions show` all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from runplane.model import EventKind, Execution, ExecutionEvent, ExecutionStatus
from runplane.model.audit import AuditEntry
from runplane.model.json import action_json, event_json, execution_json, iso
from runplane.model.status import RETRYABLE_STATUSES
from runplane.store import audit as audit_store
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import failures as failure_store
from runplane.store import queue as queue_store
from runplane.store import retries
from runplane.tiers import Tier
from runplane.views.baseline import Baseline, baseline_json, load_baseline
from runplane.views.resolution import Standing, list_resolved_by, standing

STOP_EVENTS = (
    EventKind.CANCEL_REQUESTED,
    EventKind.STOP_SIGNAL_SENT,
    EventKind.STOPPED,
    EventKind.KILLED,
    EventKind.CANCELLED,
)


@dataclass(frozen=True)
class ExecutionDetail:
    execution: Execution
    events: list[ExecutionEvent]
    chain: list[Execution]
    """Every attempt linked by `retry_of`, first attempt first."""
    previous_attempt: Execution | None
    next_attempt: Execution | None
    parent: Execution | None
    children: list[Execution]
    twin: Execution | None
    """The identical pending or running run that blocks Retry (only for a retryable one)."""
    recurrence: failure_store.Recurrence | None
    """Failures like this one lately (None unless it failed)."""
    audit: list[AuditEntry] = field(default_factory=list)
    """Its part of the audit trail: who ran, retried or cancelled it, and from where."""
    standing: Standing | None = None
    """Resolved by a later attempt, or what its retry is doing now (None unless it failed)."""
    baseline: Baseline | None = None
    """Against the usual of its pipeline (None unless asked: the advanced tier)."""

    @property
    def resolved_by(self) -> Execution | None:
        return None if self.standing is None else self.standing.resolved_by

    @property
    def stop_stages(self) -> list[ExecutionEvent]:
        """The cancel's stages, as the Summary lists them."""
        return [e for e in self.events if e.kind in STOP_EVENTS]


def load_execution_detail(
    conn: Connection, execution_id: str, *, with_baseline: bool = False
) -> ExecutionDetail:
    """Read it all in the caller's transaction (one snapshot). Raises `NotFound`."""
    execution = store.get_execution(conn, execution_id)
    twin = None
    if execution.status in RETRYABLE_STATUSES:
        twin = queue_store.find_active_twin(conn, execution.pipeline, execution.params_hash)
    chain = retries.list_retry_chain(conn, execution)
    resolved_by = None
    if execution.status is ExecutionStatus.CANCELLED:
        resolved_by = list_resolved_by(conn, [execution]).get(execution_id)
    previous = None if execution.retry_of is None else _find(conn, chain, execution.retry_of)
    return ExecutionDetail(
        execution=execution,
        events=event_store.list_events(conn, execution_id),
        chain=chain,
        previous_attempt=previous,
        next_attempt=retries.find_first_retry(conn, execution_id),
        parent=None if execution.parent_id is None else _find(conn, [], execution.parent_id),
        children=store.list_children(conn, execution_id),
        twin=twin,
        recurrence=failure_store.find_recurrence(conn, execution),
        audit=audit_store.list_target_entries(conn, [f"execution:{execution_id}"]),
        standing=standing(conn, execution, chain) or _cancelled_standing(conn, resolved_by),
        baseline=load_baseline(conn, execution) if with_baseline else None,
    )


def _cancelled_standing(conn: Connection, resolved_by: str | None) -> Standing | None:
    """A cancelled execution a later attempt made good is resolved too."""
    if resolved_by is None:
        return None
    return Standing(resolved_by=store.find_execution(conn, resolved_by), latest=None, advice=())


def detail_json(detail: ExecutionDetail, *, tier: Tier | None = None) -> dict[str, Any]:
    """`GET /v1/executions/{id}`: the execution with its trail and linked executions (the
    fields of features `tier` lacks are null)."""
    recurrence = detail.recurrence
    resolved = detail.resolved_by
    steps = (
        None
        if detail.standing is None or detail.execution.error is None
        else detail.standing.advice
    )
    return execution_json(detail.execution, tier=tier) | {
        "resolved_by": None if resolved is None else resolved.execution_id,
        "next_steps": None if steps is None else [action_json(a) for a in steps],
        "events": [event_json(e) for e in detail.events],
        "retry_chain": [ref_json(e) for e in detail.chain],
        "previous_attempt": _ref(detail.previous_attempt),
        "next_attempt": _ref(detail.next_attempt),
        "parent": _ref(detail.parent),
        "children": [ref_json(e) for e in detail.children],
        "recurrence": None
        if recurrence is None
        else {
            "window_days": failure_store.RECURRENCE_WINDOW.days,
            "count": recurrence.count,
            "previous": _ref(recurrence.previous),
        },
        "baseline": baseline_json(detail.baseline),
    }


def ref_json(e: Execution) -> dict[str, Any]:
    """A linked execution: enough to show and link it."""
    return {
        "execution_id": e.execution_id,
        "pipeline": e.pipeline,
        "status": str(e.status),
        "attempt": e.attempt,
        "created_at": iso(e.created_at),
    }


def _ref(e: Execution | None) -> dict[str, Any] | None:
    return None if e is None else ref_json(e)


def _find(conn: Connection, known: list[Execution], execution_id: str) -> Execution | None:
    """An execution already read, else from the database (None if it was removed)."""
    found = next((e for e in known if e.execution_id == execution_id), None)
    return found if found is not None else store.find_execution(conn, execution_id)
