"""Switching a schedule on or off from its pipeline's page: a form post that calls the
engine, then goes back to the page's Schedule section with 303.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from runplane.engine.scheduling.schedules import scheduling_locked, set_schedule_enabled
from runplane.web.deps import CALLER, StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.forms import read_form
from runplane.web.security import check_same_origin, local_target
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute)


@router.post("/schedules/{name}/enable")
async def enable_action(request: Request, name: str, s: StateDep) -> Response:
    """Switch a schedule on: it fires from its next instant (none missed while it was off)."""
    return await _switch(request, name, s, enabled=True)


@router.post("/schedules/{name}/disable")
async def disable_action(request: Request, name: str, s: StateDep) -> Response:
    """Switch a schedule off: no instant fires until it is switched on again."""
    return await _switch(request, name, s, enabled=False)


async def _switch(request: Request, name: str, s: StateDep, *, enabled: bool) -> Response:
    locked = scheduling_locked(s.settings)
    if locked is not None:
        return await run_in_threadpool(
            lambda: render(
                request, "error.html", title="Scheduling", status=403,
                heading="Scheduling is not part of this tier", message=locked,
            )
        )  # fmt: skip
    check_same_origin(request)
    values = await read_form(request)
    schedule = await run_in_threadpool(lambda: set_schedule_enabled(s.db, name, enabled, by=CALLER))
    fallback = f"/dashboard/pipelines/{schedule.pipeline}#schedule"
    return RedirectResponse(local_target((values.get("back") or [""])[-1], fallback), 303)
