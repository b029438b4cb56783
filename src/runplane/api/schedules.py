"""`/v1/schedules`: list, read, create or replace, remove, enable and disable schedules.

Locked (403) in the basic tier. A schedule defined in a file answers 409 to PUT and
DELETE, naming the file; enable and disable work on every schedule.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from runplane.api.blocking import call, write
from runplane.api.deps import (
    CallerDep,
    DbDep,
    SettingsDep,
    allow,
    only_query,
    refuse_locked,
    require,
)
from runplane.api.errors import problems
from runplane.api.schemas.schedules import ScheduleDetail, ScheduleIn, ScheduleOut
from runplane.engine.scheduling import schedules as engine
from runplane.model.access import Action
from runplane.model.schedule import ScheduleSource
from runplane.model.sla import SLA
from runplane.settings import Settings
from runplane.store import Database
from runplane.tiers import Feature
from runplane.views import schedules as schedule_views

router = APIRouter(
    prefix="/v1/schedules",
    tags=["schedules"],
    dependencies=[Depends(require(Feature.SCHEDULING))],
    responses=problems(403),
)

NamePath = Annotated[str, Path(description="A schedule name, e.g. finra-weekly.")]


@router.get(
    "",
    response_model=list[ScheduleOut],
    responses=problems(400),
    dependencies=[Depends(only_query("pipeline"))],
)
async def list_schedules(
    db: DbDep,
    settings: SettingsDep,
    pipeline: Annotated[str | None, Query(description="Only this pipeline's schedules.")] = None,
) -> list[dict[str, Any]]:
    """Every schedule by name, with its next run, last fire and overdue flag."""
    states = await call(db, schedule_views.list_schedule_states, db, settings, pipeline=pipeline)
    shows_sla = settings.has(Feature.SLA)
    return [schedule_views.state_json(state, sla=shows_sla) for state in states]


@router.get("/{name}", response_model=ScheduleDetail, responses=problems(404))
async def get_schedule(name: NamePath, db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """One schedule with its recent fires and the status of the executions they created."""
    return await call(db, _state, db, name, settings, fires=True)


@router.put(
    "/{name}",
    response_model=ScheduleDetail,
    responses={
        **problems(400, 409, 413, 415, 422),
        201: {"model": ScheduleDetail, "description": "Created."},
    },
    dependencies=[Depends(allow(Action.SCHEDULES))],
)
async def put_schedule(
    name: NamePath,
    body: ScheduleIn,
    response: Response,
    db: DbDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> dict[str, Any]:
    """Create (201) or replace (200) a schedule; refused for one defined in a file."""
    spec = engine.ScheduleSpec(
        name=name,
        pipeline=body.pipeline,
        cron=body.cron,
        timezone=body.timezone,
        params=body.params,
        enabled=body.enabled,
        catch_up=body.catch_up,
        sla=None
        if body.sla is None
        else SLA(max_duration=body.sla.max_duration, complete_within=body.sla.complete_within),
    )
    if body.sla is not None:
        refuse_locked(Feature.SLA, settings)
    _, created = await write(
        engine.save_schedule, db, spec, source=str(ScheduleSource.API), by=caller.actor,
        origin=caller.origin,
    )  # fmt: skip
    response.status_code = 201 if created else 200
    return await call(db, _state, db, name, settings, fires=True)


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    responses=problems(404, 409, 415),
    dependencies=[Depends(allow(Action.SCHEDULES))],
)
async def delete_schedule(name: NamePath, db: DbDep, caller: CallerDep) -> Response:
    """Remove a schedule; the executions it created stay. Refused for one in a file."""
    await write(engine.remove_schedule, db, name, by=caller.actor, origin=caller.origin)
    return Response(status_code=204)


@router.post(
    "/{name}/enable",
    response_model=ScheduleOut,
    responses=problems(404, 415),
    dependencies=[Depends(allow(Action.SCHEDULES))],
)
async def enable_schedule(
    name: NamePath, db: DbDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any]:
    """Switch a schedule on; it fires from its next instant (nothing missed while off)."""
    await write(engine.set_schedule_enabled, db, name, True, by=caller.actor, origin=caller.origin)
    return await call(db, _state, db, name, settings)


@router.post(
    "/{name}/disable",
    response_model=ScheduleOut,
    responses=problems(404, 415),
    dependencies=[Depends(allow(Action.SCHEDULES))],
)
async def disable_schedule(
    name: NamePath, db: DbDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any]:
    """Switch a schedule off; it stays defined (a file's schedule until the file is loaded)."""
    await write(engine.set_schedule_enabled, db, name, False, by=caller.actor, origin=caller.origin)
    return await call(db, _state, db, name, settings)


def _state(db: Database, name: str, settings: Settings, *, fires: bool = False) -> dict[str, Any]:
    return schedule_views.state_json(
        schedule_views.get_schedule_state(db, name, settings),
        fires=fires,
        sla=settings.has(Feature.SLA),
    )
