"""`/v1/pipelines`: registered pipelines with their last runs and schedules, and running one.

In the basic tier a run is synchronous: it still runs in its own process, and the
response waits for its final status, output or error.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from runplane.api.blocking import call, write
from runplane.api.deps import CallerDep, DbDep, RuntimeDep, SettingsDep, allow
from runplane.api.errors import problems
from runplane.api.schemas.executions import ExecutionOut
from runplane.api.schemas.pipelines import PipelineDetail, PipelineOut, RunRequest
from runplane.engine import service
from runplane.engine.executors.scoped import run_to_end
from runplane.model import Trigger
from runplane.model.access import Action
from runplane.model.json import execution_json, iso
from runplane.pipelines import Pipeline, registry
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as store
from runplane.tiers import Feature
from runplane.views.pipelines import list_pipelines_with_last_run
from runplane.views.schedules import list_schedule_states

RECENT_RUNS = 10

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"])

NamePath = Annotated[str, Path(description="A registered pipeline, e.g. runplane.noop.")]


@router.get("", response_model=list[PipelineOut])
async def list_pipelines(db: DbDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """Every registered pipeline with its last run and its schedules (next run, overdue)."""
    return await call(db, _pipelines, db, settings)


@router.get("/{name}", response_model=PipelineDetail, responses=problems(404))
async def get_pipeline(name: NamePath, db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """A pipeline's description, parameter JSON Schema, retry policy and recent runs."""
    return await call(db, _pipeline, db, settings, registry.get(name))


@router.post(
    "/{name}/run",
    status_code=201,
    response_model=ExecutionOut,
    responses=problems(400, 403, 404, 413, 415, 422),
    dependencies=[Depends(allow(Action.RUN))],
)
async def run_pipeline(
    name: NamePath,
    db: DbDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    caller: CallerDep,
    body: Annotated[RunRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Run a pipeline: queued (201 at once), or in the basic tier finished before answering."""
    request = body or RunRequest()
    execution = await write(
        service.submit_execution,
        db,
        name,
        request.params,
        trigger=Trigger.API,
        triggered_by=caller.actor,
        dry_run=request.dry_run,
        origin=caller.origin,
        strict=True,
        queue=request.queue,
    )
    if not settings.has(Feature.HISTORY):  # no history to look it up in: wait for it
        execution = await run_to_end(
            db, settings, execution.execution_id, serving=runtime is not None
        )
    return execution_json(execution, tier=settings.tier)


def _pipelines(db: Database, settings: Settings) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = list_pipelines_with_last_run(conn)
    schedules = _schedules(db, settings)
    return [
        {
            "name": row.pipeline.name,
            "title": row.pipeline.title,
            "description": row.pipeline.description,
            "last_run": None
            if row.last_run is None
            else execution_json(row.last_run, tier=settings.tier),
            "schedules": schedules.get(row.pipeline.name, []),
        }
        for row in rows
    ]


def _pipeline(db: Database, settings: Settings, pipeline: Pipeline) -> dict[str, Any]:
    with db.read() as conn:
        recent = store.list_executions(
            conn, store.ExecutionFilter(pipelines=frozenset({pipeline.name})), limit=RECENT_RUNS
        )
    retry = pipeline.retry
    return {
        "name": pipeline.name,
        "title": pipeline.title,
        "description": pipeline.description,
        "params_schema": pipeline.schema,
        "retry": None
        if retry is None
        else {
            "max_attempts": retry.max_attempts,
            "backoff_seconds": retry.backoff_seconds,
            "backoff_factor": retry.backoff_factor,
            "classes": sorted(str(c) for c in retry.classes),
        },
        "sla": pipeline.sla.to_json() if pipeline.sla and settings.has(Feature.SLA) else None,
        "recent_runs": [execution_json(e, tier=settings.tier) for e in recent],
        "schedules": _schedules(db, settings, pipeline=pipeline.name).get(pipeline.name, []),
    }


def _schedules(
    db: Database, settings: Settings, *, pipeline: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Schedule summaries by pipeline; none in a tier without scheduling."""
    if not settings.has(Feature.SCHEDULING):
        return {}
    by_pipeline: dict[str, list[dict[str, Any]]] = {}
    for state in list_schedule_states(db, settings, pipeline=pipeline):
        s = state.schedule
        by_pipeline.setdefault(s.pipeline, []).append(
            {
                "name": s.name,
                "enabled": s.enabled,
                "cron": s.cron,
                "timezone": s.timezone,
                "next_run": iso(state.next_run),
                "overdue": state.overdue,
            }
        )
    return by_pipeline
