"""Changing schedules: validate and save, enable or disable, remove. Each one's state (next
run, last fire, overdue) is a read model, `views/schedules.py`.

A schedule defined in a TOML file (`runplane serve --schedules FILE`) is changed in that
file only: saving or removing it here is refused, naming the file. Switching it on or
off is allowed, until the file is loaded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from runplane.engine.access.audit import append
from runplane.engine.errors import InvalidSchedule, ScheduleRefused
from runplane.engine.new_executions import prepare_params
from runplane.engine.scheduling.param_templates import (
    check_templates,
    has_template,
    known_templates,
    render_params,
)
from runplane.engine.scheduling.timetable import (
    TimetableError,
    parse_cron,
    parse_timezone,
)
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.model.schedule import NAME, NAME_RULE, CatchUp, Schedule
from runplane.model.sla import SLA, InvalidDuration
from runplane.pipelines import InvalidParams, Registry, UnknownPipeline
from runplane.pipelines import registry as default_registry
from runplane.store import Database
from runplane.store import schedules as store


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
    sla: SLA | None = None
    """Limits added to, or overriding, the pipeline's SLA for this schedule's runs."""


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
    if spec.sla is not None:
        try:
            spec.sla.check()
        except InvalidDuration as exc:
            errors["sla"] = str(exc)
        if "pipeline" in errors:
            errors.setdefault(
                "sla", f"an SLA needs a registered pipeline; {spec.pipeline!r} is not one"
            )
    params = spec.params
    templates = known_templates(registry)
    template_errors = check_templates(spec.params, templates)
    errors |= {f"params.{key}": message for key, message in template_errors.items()}
    if "pipeline" not in errors and not template_errors:
        sample_day = now.astimezone(zone).date() if zone is not None else now.date()
        rendered = render_params(spec.params, sample_day, templates)
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
    origin: Origin | None = None,
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
        append(
            conn, origin, AuditAction.SCHEDULE_SAVE, f"schedule:{spec.name}", now,
            pipeline=valid.pipeline, cron=valid.cron, timezone=valid.timezone,
            params=valid.params, enabled=valid.enabled, created=existing is None,
            sla=None if valid.sla is None else valid.sla.to_json(),
        )  # fmt: skip
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
        sla=spec.sla,
    )


def set_schedule_enabled(
    db: Database,
    name: str,
    enabled: bool,
    *,
    by: str,
    clock: Clock = utcnow,
    origin: Origin | None = None,
) -> Schedule:
    """Switch a schedule on or off. Switched on, it fires from the next instant on:
    instants that passed while it was off are not missed ones. Raises `NotFound`."""
    now = clock()
    with db.write(lock=f"schedule:{name}") as conn:
        schedule = store.get_schedule(conn, name)
        if schedule.enabled != enabled:
            store.update_enabled(conn, name, enabled, at=now, by=by, reset_since=enabled)
        action = AuditAction.SCHEDULE_ENABLE if enabled else AuditAction.SCHEDULE_DISABLE
        append(conn, origin, action, f"schedule:{name}", now)
        return store.get_schedule(conn, name)


def remove_schedule(
    db: Database, name: str, *, by: str, origin: Origin | None = None, clock: Clock = utcnow
) -> Schedule:
    """Delete a schedule and its fire records; the executions it created stay.

    Raises `NotFound`, or `ScheduleRefused` for a schedule defined in a file.
    """
    with db.write(lock=f"schedule:{name}") as conn:
        schedule = store.get_schedule(conn, name)
        refuse_if_from_file(schedule, "removed")
        store.delete_schedule(conn, name)
        append(conn, origin, AuditAction.SCHEDULE_REMOVE, f"schedule:{name}", clock())
    return schedule


def refuse_if_from_file(schedule: Schedule, verb: str) -> None:
    if schedule.file is not None:
        raise ScheduleRefused(
            f"schedule {schedule.name!r} is defined in {schedule.file} and can only be "
            f"{verb} there: edit that file and restart `runplane serve --schedules "
            f"{schedule.file}`"
        )
