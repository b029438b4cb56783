"""Schedules as operators see them: next run, last and recent fires, overdue; the JSON of
`GET /v1/schedules` and `runplane schedules list --json`. Read by the API, dashboard and CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runplane.engine.scheduling.timetable import timetable
from runplane.model import Execution
from runplane.model.clock import Clock, utcnow
from runplane.model.json import fire_json, iso, schedule_json
from runplane.model.schedule import Schedule, ScheduleFire
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import executions as execution_store
from runplane.store import schedules as store

RECENT_FIRES = 20


@dataclass(frozen=True)
class FireView:
    """A fire with the execution it created (None if it created none or it was deleted)."""

    fire: ScheduleFire
    execution: Execution | None


@dataclass(frozen=True)
class ScheduleState:
    """A schedule as operators see it.

    `last_due` is the latest instant at or before now since the schedule became active;
    `overdue`: it is past by more than `schedule_overdue_after` seconds and produced no
    execution (no scheduler ran, the catch-up policy left it out, or its fire failed).
    `next_run` is None while the schedule is disabled.
    """

    schedule: Schedule
    description: str
    next_run: datetime | None
    last_due: datetime | None
    overdue: bool
    last_fire: FireView | None
    recent_fires: list[FireView]

    def local(self, instant: datetime) -> datetime:
        """The instant on the schedule's wall clock."""
        return timetable(self.schedule.cron, self.schedule.timezone).local(instant)


def state_json(state: ScheduleState, *, fires: bool = False, sla: bool = False) -> dict[str, Any]:
    """The JSON shape of `GET /v1/schedules` and `runplane schedules list --json`; its `sla`
    is null unless asked for (a tier with SLA breach indicators)."""
    last = state.last_fire
    own = state.schedule.sla
    body = schedule_json(state.schedule) | {
        "sla": own.to_json() if sla and own is not None else None,
        "description": state.description,
        "next_run": iso(state.next_run),
        "next_run_local": None
        if state.next_run is None
        else state.local(state.next_run).isoformat(),
        "last_due": iso(state.last_due),
        "overdue": state.overdue,
        "last_fire": None if last is None else fire_json(last.fire, last.execution),
    }
    if fires:
        body["recent_fires"] = [fire_json(v.fire, v.execution) for v in state.recent_fires]
    return body


def list_schedule_states(
    db: Database, settings: Settings, *, pipeline: str | None = None, clock: Clock = utcnow
) -> list[ScheduleState]:
    """Every schedule (of `pipeline`, if given) by name, with next run and overdue flag."""
    now = clock()
    with db.read() as conn:
        return [
            _state(conn, schedule, now, settings, fires=0)
            for schedule in store.list_schedules(conn, pipeline=pipeline)
        ]


def get_schedule_state(
    db: Database, name: str, settings: Settings, *, clock: Clock = utcnow
) -> ScheduleState:
    """One schedule with its recent fires, newest first. Raises `NotFound`."""
    now = clock()
    with db.read() as conn:
        return _state(conn, store.get_schedule(conn, name), now, settings, fires=RECENT_FIRES)


def _state(
    conn: Connection, schedule: Schedule, now: datetime, settings: Settings, *, fires: int
) -> ScheduleState:
    table = timetable(schedule.cron, schedule.timezone)
    last_due = table.last_at_or_before(now)
    if last_due is not None and last_due <= schedule.active_since:
        last_due = None
    due_fire = None if last_due is None else store.find_fire(conn, schedule.name, last_due)
    grace = timedelta(seconds=settings.schedule_overdue_after)
    overdue = (
        schedule.enabled
        and last_due is not None
        and now - last_due > grace
        and (due_fire is None or due_fire.execution_id is None)
    )
    recent = [_view(conn, fire) for fire in store.list_fires(conn, schedule.name, limit=fires or 1)]
    return ScheduleState(
        schedule=schedule,
        description=table.describe(),
        next_run=table.next_after(now) if schedule.enabled else None,
        last_due=last_due,
        overdue=overdue,
        last_fire=recent[0] if recent else None,
        recent_fires=recent if fires else [],
    )


def _view(conn: Connection, fire: ScheduleFire) -> FireView:
    execution = (
        None
        if fire.execution_id is None
        else execution_store.find_execution(conn, fire.execution_id)
    )
    return FireView(fire, execution)
