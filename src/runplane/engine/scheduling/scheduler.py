"""The scheduler inside `runplane serve`: fires each due instant of every enabled schedule.

Each instant fires exactly once however many servers share the database: its fire record
(unique on schedule + instant) and its execution are written in one transaction, and the
server whose insert finds the instant already taken writes nothing. After downtime the
schedule's catch-up policy decides which missed instants still run; those are late.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from runplane.engine.failure_log import FailureLog
from runplane.engine.new_executions import insert_submitted, prepare_execution
from runplane.engine.scheduling.param_templates import known_templates, render_params
from runplane.engine.scheduling.timetable import Timetable, timetable
from runplane.engine.serving import wakeup
from runplane.engine.serving.loop import ServeLoop
from runplane.model import Trigger
from runplane.model.clock import Clock, utcnow
from runplane.model.json import iso
from runplane.model.schedule import CatchUp, Schedule, ScheduleFire
from runplane.pipelines import InvalidParams, Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import schedules as store

log = logging.getLogger(__name__)

COUNT_LIMIT = 10_000
"""Missed instants are counted (for the trail) up to this many; a longer downtime says so."""


@dataclass(frozen=True)
class FirePlan:
    """Instants to fire now (oldest first, with their late flags), how many missed ones
    the policy leaves out, and the latest instant handled (the schedule's new cursor)."""

    fires: list[tuple[datetime, bool]]
    skipped: int
    checked_until: datetime | None


def plan_fires(
    table: Timetable,
    since: datetime,
    now: datetime,
    policy: CatchUp,
    *,
    late_after: timedelta,
    limit: int,
) -> FirePlan:
    """Which instants in `(since, now]` to fire under `policy`.

    On time (at most `late_after` ago): always fired. Missed: `latest` fires the newest
    when nothing is on time, `all` fires up to `limit` of the newest, `none` fires none.
    Walks back from `now`, so a long downtime costs a few steps, not one per instant.
    """
    newest_first: list[datetime] = []
    exhausted = True
    for instant in table.until(now):
        if instant <= since:
            break
        newest_first.append(instant)
        if policy is CatchUp.ALL and len(newest_first) >= limit:
            exhausted = False
            break
        if policy is not CatchUp.ALL and now - instant >= late_after:
            exhausted = False
            break
    if not newest_first:
        return FirePlan([], 0, None)
    chosen = [i for i in newest_first if policy is CatchUp.ALL or now - i < late_after]
    if policy is CatchUp.LATEST and not chosen:
        chosen = [newest_first[0]]
    skipped = len(newest_first) - len(chosen)
    if not exhausted:
        skipped = min(skipped + _count_between(table, since, newest_first[-1]), COUNT_LIMIT)
    fires = [(instant, now - instant >= late_after) for instant in reversed(chosen)]
    return FirePlan(fires, skipped, newest_first[0])


def _count_between(table: Timetable, start: datetime, end: datetime) -> int:
    """Instants strictly between `start` and `end`, counted up to COUNT_LIMIT."""
    count = 0
    for instant in table.after(start):
        if instant >= end or count >= COUNT_LIMIT:
            break
        count += 1
    return count


def fire_due(
    db: Database,
    name: str,
    settings: Settings,
    *,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> list[ScheduleFire]:
    """Fire what is due of one schedule; returns the fires this call recorded.

    Reads the schedule and its cursor inside the write transaction (serialised per
    schedule), so a server that comes second sees the cursor moved and plans nothing;
    the unique fire record settles any race that remains. A fire whose parameters no
    longer validate is recorded with its error and no execution; the schedule goes on.
    """
    fired: list[ScheduleFire] = []
    with db.write(lock=f"schedule:{name}") as conn:
        schedule = store.find_schedule(conn, name)
        if schedule is None or not schedule.enabled:
            return []
        now = clock()
        table = timetable(schedule.cron, schedule.timezone)
        plan = plan_fires(
            table,
            max(schedule.checked_until, schedule.active_since),
            now,
            schedule.catch_up,
            late_after=timedelta(seconds=settings.schedule_late_after),
            limit=settings.schedule_catch_up_limit,
        )
        if plan.checked_until is None:
            return []
        for number, (instant, late) in enumerate(plan.fires):
            skipped = plan.skipped if number == 0 else 0
            fire = _fire(conn, schedule, table, instant, now, late, skipped, registry)
            if fire is not None:
                fired.append(fire)
        store.update_checked_until(conn, name, plan.checked_until)
    for fire in fired:
        _log(schedule, fire)
    return fired


def _fire(
    conn: Connection,
    schedule: Schedule,
    table: Timetable,
    instant: datetime,
    now: datetime,
    late: bool,
    skipped: int,
    registry: Registry,
) -> ScheduleFire | None:
    execution = None
    error = None
    try:
        execution = prepare_execution(
            schedule.pipeline,
            render_params(schedule.params, table.local(instant).date(), known_templates(registry)),
            trigger=Trigger.SCHEDULED,
            triggered_by=f"schedule:{schedule.name}",
            trigger_time=instant,
            now=now,
            registry=registry,
        )
    except (InvalidParams, UnknownPipeline) as exc:
        error = str(exc)
    fire = ScheduleFire(
        schedule=schedule.name,
        scheduled_for=instant,
        fired_at=now,
        execution_id=None if execution is None else execution.execution_id,
        late=late,
        skipped=skipped,
        error=error,
    )
    if not store.insert_fire(conn, fire):
        return None
    if execution is not None:
        detail: dict[str, object] = {
            "schedule": schedule.name,
            "scheduled_for": iso(instant),
            "late": late,
        }
        if late:
            detail["catch_up"] = str(schedule.catch_up)
        if skipped:
            detail["missed_instants_skipped"] = skipped
        insert_submitted(conn, execution, **detail)
    return fire


def _log(schedule: Schedule, fire: ScheduleFire) -> None:
    when = iso(fire.scheduled_for)
    if fire.error is not None:
        log.warning("schedule %s did not run its %s instant: %s", schedule.name, when, fire.error)
    elif fire.late or fire.skipped:
        log.warning(
            "schedule %s fired its %s instant late (catch_up=%s, %d missed instants skipped)",
            schedule.name,
            when,
            schedule.catch_up,
            fire.skipped,
        )


class Scheduler(ServeLoop):
    """Ticks every `settings.scheduler_interval` in a thread of `runplane serve`; every
    server runs it (no lease), as each instant fires once anyway."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        registry: Registry = default_registry,
    ) -> None:
        failures = FailureLog(log, "the scheduler could not fire a schedule")
        super().__init__("scheduler", settings.scheduler_interval, failures)
        self.db = db
        self.settings = settings
        self._clock = clock
        self._registry = registry
        self.last_tick: datetime | None = None
        self.last_tick_at: float | None = None
        """When (monotonic) the last pass over the schedules ended."""

    def tick(self) -> list[ScheduleFire]:
        """One pass over the enabled schedules; returns the fires this pass recorded.

        A schedule is written to only when an instant is due; one that fails (a database
        error) is logged and tried again next tick, without stopping the others.
        """
        now = self._clock()
        with self.db.read() as conn:
            schedules = store.list_schedules(conn, enabled=True)
        fired: list[ScheduleFire] = []
        failed = False
        for schedule in schedules:
            try:
                table = timetable(schedule.cron, schedule.timezone)
                since = max(schedule.checked_until, schedule.active_since)
                due = table.next_after(since)
                if due is None or due > now:
                    continue
                fired += fire_due(
                    self.db,
                    schedule.name,
                    self.settings,
                    registry=self._registry,
                    clock=self._clock,
                )
            except Exception as exc:
                self._failures.failed(exc, f"schedule {schedule.name}")
                failed = True
        if any(fire.execution_id is not None for fire in fired):
            wakeup.notify()
        if not failed:
            self._failures.succeeded()
        self.last_tick = now
        self.last_tick_at = time.monotonic()
        return fired
