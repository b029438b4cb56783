"""Retry and cancel: a confirm (a page, or a modal with `?fragment=modal`) and the form post
that calls the engine, then redirects with 303 (to the new execution, or back).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine import service
from runplane.engine.errors import CancelRefused, RetryRefused
from runplane.model import Execution, Trigger
from runplane.model.access import Action
from runplane.model.status import RETRYABLE_STATUSES
from runplane.pipelines import InvalidParams, UnknownPipeline, registry
from runplane.store import executions as store
from runplane.store import queue as queue_store
from runplane.tiers import Feature
from runplane.web.deps import CallerDep, State, StateDep, allowed, app_state, requires
from runplane.web.errors import DashboardRoute
from runplane.web.forms import diff, form_fields, submitted_params
from runplane.web.security import FormDep, local_target
from runplane.web.templating import render, render_fragment
from runplane.web.urls import execution_url

router = APIRouter(route_class=DashboardRoute, dependencies=[Depends(requires(Feature.HISTORY))])


@router.get("/executions/{execution_id}/retry")
def retry_page(request: Request, execution_id: str, s: StateDep) -> Response:
    """Retry Execution? The parameters it reruns with, and a form to change them."""
    execution = _load(s, execution_id)
    return _confirm(request, "retry", execution, _retry_context(s, execution))


@router.post("/executions/{execution_id}/retry", dependencies=[Depends(allowed(Action.RETRY))])
async def retry_action(
    request: Request, execution_id: str, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """Create the new attempt (with changed parameters if asked), then open it."""
    execution = await run_in_threadpool(_load, s, execution_id)
    overrides = _overrides(execution, values) if values.get("modify") else None
    try:
        retry = await run_in_threadpool(
            lambda: service.retry_execution(
                s.db,
                execution_id,
                overrides,
                trigger=Trigger.MANUAL,
                triggered_by=caller.actor,
                origin=caller.origin,
            )
        )
    except (RetryRefused, InvalidParams, UnknownPipeline) as exc:
        context = _retry_context(s, execution, overrides=overrides, refused=exc)
        status = 422 if isinstance(exc, InvalidParams) else 409
        return await run_in_threadpool(_confirm, request, "retry", execution, context, status)
    return RedirectResponse(execution_url(retry.execution_id), status_code=303)


@router.get("/executions/{execution_id}/cancel")
def cancel_page(request: Request, execution_id: str, s: StateDep) -> Response:
    """Cancel Execution? With how long it has been running (or queued)."""
    execution = _load(s, execution_id)
    return _confirm(request, "cancel", execution, {"refused": None})


@router.post("/executions/{execution_id}/cancel", dependencies=[Depends(allowed(Action.CANCEL))])
async def cancel_action(
    request: Request, execution_id: str, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """Cancel a pending run at once, or ask a running one to stop; then go back."""
    try:
        await run_in_threadpool(
            lambda: service.cancel_execution(
                s.db,
                execution_id,
                by=caller.actor,
                grace_seconds=s.settings.cancel_grace,
                origin=caller.origin,
            )
        )
    except CancelRefused as exc:
        execution = await run_in_threadpool(_load, s, execution_id)
        context = {"refused": exc}
        return await run_in_threadpool(_confirm, request, "cancel", execution, context, 409)
    back = local_target((values.get("back") or [""])[-1], execution_url(execution_id))
    return RedirectResponse(back, status_code=303)


def _load(s: State, execution_id: str) -> Execution:
    with s.db.read() as conn:
        return store.get_execution(conn, execution_id)


def _overrides(execution: Execution, values: dict[str, list[str]]) -> dict[str, Any] | None:
    try:
        schema = registry.get(execution.pipeline).schema
    except UnknownPipeline:
        return None
    return {**execution.params, **submitted_params(schema, values)}


def _retry_context(
    s: State,
    execution: Execution,
    *,
    overrides: dict[str, Any] | None = None,
    refused: Exception | None = None,
) -> dict[str, Any]:
    """The confirm's parameters, form fields (with field errors) and what changed."""
    with s.db.read() as conn:
        twin = queue_store.find_active_twin(conn, execution.pipeline, execution.params_hash)
    try:
        schema: dict[str, Any] | None = registry.get(execution.pipeline).schema
    except UnknownPipeline:
        schema = None
    errors = refused.errors if isinstance(refused, InvalidParams) else {}
    fields = [] if schema is None else form_fields(
        schema, overrides or execution.params, original=execution.params, errors=errors
    )  # fmt: skip
    return {
        "fields": fields,
        "changes": diff(execution.params, overrides) if overrides else [],
        "modify": overrides is not None,
        "twin": twin,
        "retryable": execution.status in RETRYABLE_STATUSES,
        "known": schema is not None,
        "refused": refused,
    }


def _confirm(
    request: Request, kind: str, execution: Execution, context: dict[str, Any], status: int = 200
) -> Response:
    back = local_target(request.query_params.get("back"), execution_url(execution.execution_id))
    context = {**context, "e": execution, "back": back, "now": app_state(request).clock()}
    partial = f"_confirm_{kind}.html"
    if request.query_params.get("fragment") == "modal":
        return render_fragment(partial, status, request=request, **context)
    title = "Retry execution" if kind == "retry" else "Cancel execution"
    return render(
        request, "confirm.html", title=title, nav="executions", status=status, partial=partial,
        **context,
    )  # fmt: skip
