"""Switching a schedule on or off from its pipeline's page: a form post that calls the
engine, then goes back to the page's Schedule section with 303.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine.scheduling.schedules import set_schedule_enabled
from runplane.identity import Caller
from runplane.model.access import Action
from runplane.tiers import Feature
from runplane.web.deps import CallerDep, State, StateDep, allowed, requires
from runplane.web.errors import DashboardRoute
from runplane.web.security import FormDep, local_target
from runplane.web.urls import pipeline_url

router = APIRouter(
    route_class=DashboardRoute,
    dependencies=[Depends(requires(Feature.SCHEDULING)), Depends(allowed(Action.SCHEDULES))],
)


@router.post("/schedules/{name}/enable")
async def enable_action(name: str, s: StateDep, caller: CallerDep, values: FormDep) -> Response:
    """Switch a schedule on: it fires from its next instant (none missed while it was off)."""
    return await _switch(values, name, s, caller, enabled=True)


@router.post("/schedules/{name}/disable")
async def disable_action(name: str, s: StateDep, caller: CallerDep, values: FormDep) -> Response:
    """Switch a schedule off: no instant fires until it is switched on again."""
    return await _switch(values, name, s, caller, enabled=False)


async def _switch(
    values: dict[str, list[str]], name: str, s: State, caller: Caller, *, enabled: bool
) -> Response:
    schedule = await run_in_threadpool(
        lambda: set_schedule_enabled(s.db, name, enabled, by=caller.actor, origin=caller.origin)
    )
    fallback = f"{pipeline_url(schedule.pipeline)}#schedule"
    return RedirectResponse(local_target((values.get("back") or [""])[-1], fallback), 303)
