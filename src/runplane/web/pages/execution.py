"""`/dashboard/executions/{id}`: one execution's header and its four tabs (Summary,
Parameters, Logs, Output), each addressable as `?tab=`; `?fragment=live` re-renders the
parts that change while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import Connection

from runplane.model import EventKind, Execution, ExecutionEvent, LogLine
from runplane.model.status import RETRYABLE_STATUSES
from runplane.pipelines import registry
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import failures as failure_store
from runplane.store import logs as log_store
from runplane.store import queue as queue_store
from runplane.store.captures import Capture
from runplane.tiers import Feature
from runplane.views.overview import PendingReason, explain_pending
from runplane.web import display
from runplane.web.deps import State, StateDep, requires
from runplane.web.errors import DashboardRoute
from runplane.web.security import local_target
from runplane.web.templating import render, render_fragment

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])

TABS = ("summary", "parameters", "logs", "output")
FIRST_LOG_PAGE = 100
STOP_EVENTS = (
    EventKind.CANCEL_REQUESTED,
    EventKind.STOP_SIGNAL_SENT,
    EventKind.STOPPED,
    EventKind.KILLED,
    EventKind.CANCELLED,
)


@dataclass(frozen=True)
class Detail:
    """Everything the header and the chosen tab show, read in one transaction."""

    execution: Execution
    events: list[ExecutionEvent]
    chain: list[Execution]
    parent: Execution | None
    children: list[Execution]
    twin: Execution | None
    recurrence: failure_store.Recurrence | None = None
    captures: list[Capture] = field(default_factory=list)
    log_lines: list[LogLine] = field(default_factory=list)
    log_total: int = 0
    first_error: int | None = None

    @property
    def stop_stages(self) -> list[ExecutionEvent]:
        return [e for e in self.events if e.kind in STOP_EVENTS]

    @property
    def assets(self) -> list[dict[str, Any]]:
        """Output assets the Data Assets page can show (they name a week and a tier)."""
        found = (self.execution.output or {}).get("assets") or []
        return [a for a in found if {"week", "tier"} <= set(a.get("keys", {}))]


@router.get("/executions/{execution_id}")
def execution_page(request: Request, execution_id: str, s: StateDep) -> Response:
    """One execution: what happened, why, and what to do next."""
    tab = request.query_params.get("tab", "summary")
    tab = tab if tab in TABS else "summary"
    with s.db.read() as conn:
        detail = load_detail(conn, execution_id, tab)
    pending = explain_pending(s.db, s.settings, detail.execution) if tab == "summary" else None
    context = _context(request, s, detail, tab, pending)
    if request.query_params.get("fragment") == "live":
        return render_fragment("_execution_live.html", **context)
    return render(
        request, "execution.html", title=f"{detail.execution.pipeline} {execution_id[:8]}",
        nav="executions", **context,
    )  # fmt: skip


def load_detail(conn: Connection, execution_id: str, tab: str) -> Detail:
    """The execution (NotFound if unknown), its links, and what `tab` needs."""
    execution = store.get_execution(conn, execution_id)
    twin = None
    if execution.status in RETRYABLE_STATUSES:
        twin = queue_store.find_active_twin(conn, execution.pipeline, execution.params_hash)
    extra: dict[str, Any] = {}
    if tab == "summary":
        extra["recurrence"] = failure_store.find_recurrence(
            conn, execution, window=failure_store.RECURRENCE_WINDOW
        )
        extra["captures"] = capture_store.list_execution_captures(conn, execution_id)
    if tab == "logs":
        extra["log_lines"] = log_store.list_log_lines(conn, execution_id, limit=FIRST_LOG_PAGE)
        extra["log_total"] = log_store.count_log_lines(conn, execution_id)
        extra["first_error"] = log_store.find_first_error_seq(conn, execution_id)
    parent = (
        None if execution.parent_id is None else store.find_execution(conn, execution.parent_id)
    )
    return Detail(
        execution=execution,
        events=event_store.list_events(conn, execution_id),
        chain=store.list_retry_chain(conn, execution),
        parent=parent,
        children=store.list_children(conn, execution_id),
        twin=twin,
        **extra,
    )


def _context(
    request: Request, s: State, detail: Detail, tab: str, pending: PendingReason | None
) -> dict[str, Any]:
    e = detail.execution
    back = local_target(_back(request), "/dashboard/executions")
    here = f"/dashboard/executions/{e.execution_id}"
    return {
        "d": detail,
        "e": e,
        "tab": tab,
        "tabs": TABS,
        "pending": pending,
        "back_url": back,
        "back_query": back.partition("?")[2],
        "here": here,
        "attempt": display.attempt_text(e, registry),
        "max_attempts": _max_attempts(e.pipeline),
        "now": s.clock(),
        "grace": s.settings.cancel_grace,
    }


def _back(request: Request) -> str | None:
    """`?back=status=failed&range=7d` (the list's query) or a full dashboard path."""
    back = request.query_params.get("back")
    if back is None:
        return None
    return back if back.startswith("/") else f"/dashboard/executions?{back}"


def _max_attempts(pipeline: str) -> int | None:
    try:
        policy = registry.get(pipeline).retry
    except Exception:
        return None
    return None if policy is None else policy.max_attempts
