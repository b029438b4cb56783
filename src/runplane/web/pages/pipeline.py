"""`/dashboard/pipelines/{name}`: description, parameters, the run form generated from the
schema, last runs, its schedules; and running it (queued, or in the basic tier finished before the page
answers, with the result shown at once).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine import service
from runplane.engine.executors.scoped import run_to_end
from runplane.model import Execution, Trigger
from runplane.model.access import Action
from runplane.pipelines import InvalidParams, Pipeline, registry
from runplane.store import executions as store
from runplane.tiers import Feature
from runplane.views.schedules import list_schedule_states
from runplane.views.sla import list_recent_misses
from runplane.web.deps import CallerDep, State, StateDep, allowed
from runplane.web.errors import DashboardRoute
from runplane.web.forms import PREFIX as FIELD
from runplane.web.forms import form_fields, submitted_params
from runplane.web.security import FormDep, local_target
from runplane.web.templating import render, render_fragment
from runplane.web.urls import execution_url, pipeline_url

router = APIRouter(route_class=DashboardRoute)

RECENT_RUNS = 10


@router.get("/pipelines/{name}")
def pipeline_page(request: Request, name: str, s: StateDep) -> Response:
    """A pipeline, its parameters, recent runs and schedules, and a form to run it."""
    pipeline = registry.get(name)
    result_id = request.query_params.get("result")
    with s.db.read() as conn:
        recent = store.list_executions(
            conn, store.ExecutionFilter(pipelines=frozenset({name})), limit=RECENT_RUNS
        )
        result = None if result_id is None else store.find_execution(conn, result_id)
    values = _prefill(request, pipeline)
    return _page(request, s, pipeline, recent=recent, result=result, values=values)


@router.get("/pipelines/{name}/run")
def run_page(request: Request, name: str, s: StateDep) -> Response:
    """Run this? A one-click run's confirm (e.g. a failure's prerequisite), as page or modal."""
    pipeline = registry.get(name)
    context = _run_context(request, pipeline, _prefill(request, pipeline))
    if request.query_params.get("fragment") == "modal":
        return render_fragment("_confirm_run.html", request=request, **context)
    return render(
        request, "confirm.html", title=f"Run {name}", nav="pipelines",
        partial="_confirm_run.html", **context,
    )  # fmt: skip


@router.post("/pipelines/{name}/run", dependencies=[Depends(allowed(Action.RUN))])
async def run_action(
    request: Request, name: str, s: StateDep, caller: CallerDep, values: FormDep
) -> Response:
    """Submit a run; open it, or in the basic tier wait and show its result here."""
    pipeline = registry.get(name)
    params = submitted_params(pipeline.schema, values)
    try:
        execution = await run_in_threadpool(
            lambda: service.submit_execution(
                s.db, name, params, trigger=Trigger.MANUAL, triggered_by=caller.actor,
                dry_run=(values.get("dry_run") or ["false"])[-1] == "true", origin=caller.origin,
            )
        )  # fmt: skip
    except InvalidParams as exc:
        return await run_in_threadpool(
            _invalid, request, s, pipeline, params, exc, (values.get("from") or [""])[-1]
        )
    if s.settings.has(Feature.HISTORY):
        return RedirectResponse(execution_url(execution.execution_id), status_code=303)
    await run_to_end(s.db, s.settings, execution.execution_id, serving=s.runtime is not None)
    target = f"{pipeline_url(name)}?result={execution.execution_id}#result"
    return RedirectResponse(target, status_code=303)


def _invalid(
    request: Request,
    s: State,
    pipeline: Pipeline,
    params: dict[str, Any],
    exc: InvalidParams,
    source: Any,
) -> Response:
    if source == "confirm":
        context = _run_context(request, pipeline, params, errors=exc.errors)
        return render(
            request, "confirm.html", title=f"Run {pipeline.name}", nav="pipelines", status=422,
            partial="_confirm_run.html", refused=exc, **context,
        )  # fmt: skip
    with s.db.read() as conn:
        recent = store.list_executions(
            conn, store.ExecutionFilter(pipelines=frozenset({pipeline.name})), limit=RECENT_RUNS
        )
    return _page(
        request, s, pipeline, recent=recent, result=None, values=params, errors=exc.errors,
        status=422, refused=exc,
    )  # fmt: skip


def _page(
    request: Request,
    s: State,
    pipeline: Pipeline,
    *,
    recent: list[Execution],
    result: Execution | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    refused: InvalidParams | None = None,
) -> Response:
    now = s.clock()
    schedules = (
        list_schedule_states(s.db, s.settings, pipeline=pipeline.name, clock=lambda: now)
        if s.settings.has(Feature.SCHEDULING)
        else []
    )
    shows_sla = s.settings.has(Feature.SLA)
    misses = (
        list_recent_misses(s.db, pipeline=pipeline.name, clock=lambda: now) if shows_sla else []
    )
    return render(
        request, "pipeline.html", title=pipeline.name, nav="pipelines", status=status,
        pipeline=pipeline, recent=recent, result=result, refused=refused,
        fields=form_fields(pipeline.schema, values, errors=errors),
        schedules=schedules, now=now, sla_misses=misses,
    )  # fmt: skip


def _run_context(
    request: Request,
    pipeline: Pipeline,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    back = local_target(request.query_params.get("back"), pipeline_url(pipeline.name))
    return {
        "pipeline": pipeline,
        "params": values,
        "fields": form_fields(pipeline.schema, values, errors=errors),
        "back": back,
        "refused": None,
    }


def _prefill(request: Request, pipeline: Pipeline) -> dict[str, Any]:
    """Parameters named in the URL (`?p.day=2025-12-22`), e.g. from a suggested action."""
    sent = {k: request.query_params.getlist(k) for k in request.query_params if k.startswith(FIELD)}
    return submitted_params(pipeline.schema, sent) if sent else {}
