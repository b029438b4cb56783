"""`/dashboard/executions/{id}`: one execution's header and its tabs (Summary, Parameters,
Logs, Output, and Resources: the advanced tier's CPU and memory graphs), each addressable
as `?tab=`; `?fragment=live` re-renders the parts that change while it runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from runplane.model import Execution
from runplane.pipelines import UnknownPipeline, registry
from runplane.store import captures as capture_store
from runplane.tiers import Feature, locked_reason
from runplane.views.compare import find_last_success
from runplane.views.cost_explanation import cost_explanation
from runplane.views.execution_detail import ExecutionDetail, load_execution_detail
from runplane.views.log_window import MAX_SEQ, LogQuery, read_log_window
from runplane.views.notifications import DeliveryView, list_delivery_views
from runplane.views.pending import explain_pending
from runplane.views.resources import load_resource_usage
from runplane.web import display
from runplane.web.deps import State, StateDep, requires
from runplane.web.errors import DashboardRoute
from runplane.web.security import local_target
from runplane.web.templating import render, render_fragment
from runplane.web.urls import execution_url, executions_url

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])

TABS = ("summary", "parameters", "logs", "output", "resources")
FIRST_LOG_PAGE = LogQuery(limit=100)


@router.get("/executions/{execution_id}")
def execution_page(request: Request, execution_id: str, s: StateDep) -> Response:
    """One execution: what happened, why, and what to do next."""
    tab = request.query_params.get("tab", "summary")
    tab = tab if tab in TABS else "summary"
    summary = tab == "summary"
    with s.db.read() as conn:
        detail = load_execution_detail(
            conn, execution_id, with_baseline=summary and s.settings.has(Feature.BASELINE)
        )
        captures = capture_store.list_execution_captures(conn, execution_id) if summary else []
        last_success = find_last_success(conn, detail.execution) if summary else None
        line = _line(request) if tab == "logs" else None
        window = FIRST_LOG_PAGE if line is None else replace(FIRST_LOG_PAGE, around=line)
        log = read_log_window(conn, execution_id, window) if tab == "logs" else None
        graphs = tab == "resources" and s.settings.has(Feature.RESOURCES)
        usage = load_resource_usage(conn, execution_id, now=s.clock()) if graphs else None
    pending = None
    notices: list[DeliveryView] = []
    if tab == "summary":
        pending = explain_pending(s.db, s.settings, detail.execution, clock=s.clock)
        notices = list_delivery_views(s.db, execution_id=execution_id, limit=20)
    context = _context(request, s, detail, tab) | {
        "pending": pending, "captures": captures, "log": log, "hit": line, "usage": usage,
        "last_success": last_success, "notices": notices,
    }  # fmt: skip
    if request.query_params.get("fragment") == "live":
        return render_fragment("_execution_live.html", request=request, **context)
    return render(
        request, "execution.html", title=f"{detail.execution.pipeline} {execution_id[:8]}",
        nav="executions", **context,
    )  # fmt: skip


def _context(request: Request, s: State, detail: ExecutionDetail, tab: str) -> dict[str, Any]:
    e = detail.execution
    back = local_target(_back(request), executions_url())
    here = execution_url(e.execution_id)
    return {
        "d": detail,
        "e": e,
        "tab": tab,
        "tabs": TABS,
        "back_url": back,
        "back_query": back.partition("?")[2],
        "here": here,
        "attempt": display.attempt_text(e, registry),
        "trigger": display.trigger_text(e, registry),
        "max_attempts": _max_attempts(e.pipeline),
        "output_links": s.parts.output_links(e.output),
        "now": s.clock(),
        "grace": s.settings.cancel_grace,
        "resources_locked": locked_reason(Feature.RESOURCES, s.settings.tier),
        "sla": e.sla if s.settings.has(Feature.SLA) else None,
        "sla_locked": locked_reason(Feature.SLA, s.settings.tier) if _declares_sla(e) else None,
        "cost_locked": locked_reason(Feature.COST, s.settings.tier),
        "cost_text": cost_explanation(e, detail.events),
    }


def _line(request: Request) -> int | None:
    """`?tab=logs&line=N`: the Logs tab opens at line N, marked (a search hit links here)."""
    value = request.query_params.get("line", "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_SEQ else None


def _back(request: Request) -> str | None:
    """`?back=status=failed&range=7d` (the list's query) or a full dashboard path."""
    back = request.query_params.get("back")
    if back is None:
        return None
    return back if back.startswith("/") else executions_url(back)


def _declares_sla(e: Execution) -> bool:
    """Whether an SLA applies to it: its pipeline's, or its schedule's as last evaluated."""
    try:
        return e.sla is not None or registry.get(e.pipeline).sla is not None
    except UnknownPipeline:
        return False


def _max_attempts(pipeline: str) -> int | None:
    try:
        policy = registry.get(pipeline).retry
    except Exception:
        return None
    return None if policy is None else policy.max_attempts
