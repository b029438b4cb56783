"""Operating schedules: validate and save, enable or disable, remove, and each one's state
(next run, last fire, overdue) for the CLI, the API and the dashboard.

A schedule defined in a TOML file (`runplane serve --schedules FILE`) is changed in that
file only: saving or removing it here is refused, naming the file. Switching it on or
off is allowed, until the file is loaded again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runplane.engine.errors import InvalidSchedule, ScheduleRefused
from runplane.engine.scheduling.param_templates import check_templates, has_template, render_params
from runplane.engine.scheduling.timetable import (
    TimetableError,
    parse_cron,
    parse_timezone,
    timetable,
)
from runplane.engine.service import prepare_params
from runplane.model import Execution
from runplane.model.clock import Clock, utcnow
from runplane.model.json import fire_json, iso, schedule_json
from runplane.model.schedule import CatchUp, Schedule, ScheduleFire
from runplane.pipelines import InvalidParams, Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.settings import Settings
from runplane.store import Database, NotFound
from runplane.store import executions as execution_store
from runplane.store import schedules as store

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
NAME_RULE = (
    "a schedule name is 1-100 letters, digits, '.', '_' or '-', starting with a letter "
    "or digit (e.g. finra-weekly)"
)
RECENT_FIRES = 20


@dataclass(frozen=True)
class ScheduleSpec:
    """What an operator defines; `save_schedule` validates it and keeps the rest."""

    name: str
    pipeline: str
    cron: str
    timezone: str = "UTC"
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    catch_up: CatchUp = CatchUp.LATEST


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


def state_json(state: ScheduleState, *, fires: bool = False) -> dict[str, Any]:
    """The JSON shape of `GET /v1/schedules` and `runplane schedules list --json`."""
    last = state.last_fire
    body = schedule_json(state.schedule) | {
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


def validate_schedule(
    spec: ScheduleSpec, *, registry: Registry = default_registry, now: datetime
) -> ScheduleSpec:
    """The spec as stored: cron normalised, parameters validated against the pipeline.

    Templates are checked by name, then filled in with their values at `now` so the
    parameters validate as they will when the schedule fires. Parameters without a
    template are stored as validated (e.g. "5" as 5). Raises `InvalidSchedule` with a
    message per field.
    """
    errors: dict[str, str] = {}
    if not NAME.fullmatch(spec.name):
        errors["name"] = NAME_RULE
    try:
        registry.get(spec.pipeline)
    except UnknownPipeline as exc:
        errors["pipeline"] = str(exc)
    cron = spec.cron
    try:
        cron = parse_cron(spec.cron)
    except TimetableError as exc:
        errors["cron"] = str(exc)
    zone = None
    try:
        zone = parse_timezone(spec.timezone)
    except TimetableError as exc:
        errors["timezone"] = str(exc)
    params = spec.params
    template_errors = check_templates(spec.params)
    errors |= {f"params.{key}": message for key, message in template_errors.items()}
    if "pipeline" not in errors and not template_errors:
        sample_day = now.astimezone(zone).date() if zone is not None else now.date()
        rendered = render_params(spec.params, sample_day)
        try:
            canonical, _ = prepare_params(spec.pipeline, rendered, registry)
        except InvalidParams as exc:
            for key, message in exc.errors.items():
                top = key.split(".", 1)[0]
                if has_template(spec.params.get(top)):
                    message += f" (with templates filled in as on {sample_day}: {rendered[top]!r})"
                errors[f"params.{key}"] = message
        else:
            params = {
                key: value if has_template(value) else canonical[key]
                for key, value in spec.params.items()
            }
    if errors:
        raise InvalidSchedule(spec.name, errors)
    return replace(spec, cron=cron, params=params)


def save_schedule(
    db: Database,
    spec: ScheduleSpec,
    *,
    source: str,
    by: str,
    replace_existing: bool = True,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> tuple[Schedule, bool]:
    """Create or replace the schedule `spec.name`; returns it and whether it was created.

    Raises `InvalidSchedule`, or `ScheduleRefused` when it exists and is defined in a
    file other than `source` (or at all, without `replace_existing`).
    """
    now = clock()
    valid = validate_schedule(spec, registry=registry, now=now)
    with db.write(lock=f"schedule:{spec.name}") as conn:
        existing = store.find_schedule(conn, spec.name)
        if existing is not None and existing.source != source:
            refuse_if_from_file(existing, "changed")
        if existing is not None and not replace_existing:
            raise ScheduleRefused(
                f"schedule {spec.name!r} already exists (defined by {existing.source}); "
                "remove it first, or pass --replace"
            )
        schedule = build_schedule(valid, existing, source=source, by=by, now=now)
        if existing is None:
            store.insert_schedule(conn, schedule)
        else:
            store.update_schedule(conn, schedule)
    return schedule, existing is None


def build_schedule(
    spec: ScheduleSpec, existing: Schedule | None, *, source: str, by: str, now: datetime
) -> Schedule:
    """The row for a validated spec. Only instants after the schedule became active are
    due: a new timetable, or switching it back on, starts from `now` (nothing missed)."""
    restart = (
        existing is None
        or (existing.cron, existing.timezone) != (spec.cron, spec.timezone)
        or (spec.enabled and not existing.enabled)
    )
    return Schedule(
        name=spec.name,
        pipeline=spec.pipeline,
        cron=spec.cron,
        timezone=spec.timezone,
        params=spec.params,
        enabled=spec.enabled,
        catch_up=spec.catch_up,
        source=source,
        created_at=now if existing is None else existing.created_at,
        created_by=by if existing is None else existing.created_by,
        updated_at=now,
        updated_by=by,
        active_since=now if restart or existing is None else existing.active_since,
        checked_until=now if restart or existing is None else existing.checked_until,
    )


def set_schedule_enabled(
    db: Database, name: str, enabled: bool, *, by: str, clock: Clock = utcnow
) -> Schedule:
    """Switch a schedule on or off. Switched on, it fires from the next instant on:
    instants that passed while it was off are not missed ones. Raises `NotFound`."""
    _check_name(name)
    now = clock()
    with db.write(lock=f"schedule:{name}") as conn:
        schedule = store.get_schedule(conn, name)
        if schedule.enabled != enabled:
            store.update_enabled(conn, name, enabled, at=now, by=by, reset_since=enabled)
        return store.get_schedule(conn, name)


def remove_schedule(db: Database, name: str, *, by: str) -> Schedule:
    """Delete a schedule and its fire records; the executions it created stay.

    Raises `NotFound`, or `ScheduleRefused` for a schedule defined in a file.
    """
    _check_name(name)
    with db.write(lock=f"schedule:{name}") as conn:
        schedule = store.get_schedule(conn, name)
        refuse_if_from_file(schedule, "removed")
        store.delete_schedule(conn, name)
    return schedule


def refuse_if_from_file(schedule: Schedule, verb: str) -> None:
    if schedule.file is not None:
        raise ScheduleRefused(
            f"schedule {schedule.name!r} is defined in {schedule.file} and can only be "
            f"{verb} there: edit that file and restart `runplane serve --schedules "
            f"{schedule.file}`"
        )


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
    _check_name(name)
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


def _check_name(name: str) -> None:
    """A name no schedule can have is simply not found (and never reaches the database)."""
    if not NAME.fullmatch(name):
        raise NotFound(f"no schedule named {name[:100]!r}")
