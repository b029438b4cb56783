"""`/dashboard/pipelines`: every registered pipeline with its last run, failures in 24 h and
next scheduled run."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from runplane.store import failures as failure_store
from runplane.tiers import Feature
from runplane.views.pipelines import list_pipelines_with_last_run
from runplane.views.schedules import ScheduleState, list_schedule_states
from runplane.web.deps import StateDep
from runplane.web.errors import DashboardRoute
from runplane.web.templating import render

router = APIRouter(route_class=DashboardRoute)


@router.get("/pipelines")
def pipelines_page(request: Request, s: StateDep) -> Response:
    """What can run, how it last went, and a Run button for each."""
    now = s.clock()
    with s.db.read() as conn:
        rows = list_pipelines_with_last_run(conn)
        failures = failure_store.count_failures_by_pipeline(conn, since=now - timedelta(hours=24))
    schedules: dict[str, list[ScheduleState]] = {}
    if s.settings.has(Feature.SCHEDULING):
        for state in list_schedule_states(s.db, s.settings, clock=lambda: now):
            schedules.setdefault(state.schedule.pipeline, []).append(state)
    next_up = {
        name: min(upcoming, key=lambda st: st.next_run or now)
        for name, states in schedules.items()
        if (upcoming := [st for st in states if st.next_run is not None])
    }
    return render(
        request, "pipelines.html", title="Pipelines", nav="pipelines", now=now,
        rows=rows, failures=failures, schedules=schedules, next_up=next_up,
    )  # fmt: skip
