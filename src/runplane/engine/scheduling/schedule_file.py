"""Schedules defined in a TOML file, loaded by name when `runplane serve --schedules FILE` starts.

    [schedules.nightly-report]
    pipeline = "sales.daily_report"
    cron = "0 6 * * 2-6"                # Tuesday to Saturday, 06:00 on the wall clock of `timezone`
    timezone = "America/New_York"       # default UTC
    params = { day = "{{ yesterday }}", region = "emea" }
    catch_up = "latest"                 # latest (default) | all | none
    enabled = true                      # default true
    sla = { complete_within = "1h" }    # adds to or overrides the pipeline's SLA (advanced)

The file wins for the names it holds; a schedule it defined before and no longer holds
is removed. A file with any problem loads nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runplane.engine.errors import InvalidSchedule, InvalidScheduleFile
from runplane.engine.scheduling.schedules import ScheduleSpec, build_schedule, validate_schedule
from runplane.model.clock import Clock, utcnow
from runplane.model.schedule import FILE_SOURCE, CatchUp, Schedule
from runplane.model.sla import SLA
from runplane.pipelines import Registry
from runplane.pipelines import registry as default_registry
from runplane.store import Database
from runplane.store import schedules as store

MAX_SOURCE = 1000
KEYS = ("pipeline", "cron", "timezone", "params", "enabled", "catch_up", "sla")
SLA_KEYS = ("max_duration", "complete_within")


@dataclass(frozen=True)
class FileLoad:
    """What loading a file changed, by schedule name."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    taken_over: dict[str, str] = field(default_factory=dict)
    """Names that were defined elsewhere (`cli`, `api`, another file) before this file."""


def read_schedule_file(
    path: Path, *, registry: Registry = default_registry, clock: Clock = utcnow
) -> list[ScheduleSpec]:
    """The file's schedules, validated. Raises `InvalidScheduleFile` naming every problem."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidScheduleFile(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidScheduleFile(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidScheduleFile(f"{path} is not valid TOML: {exc}") from None
    extra = sorted(set(document) - {"schedules", "notifications"})
    tables = document.get("schedules", {})
    if extra or not isinstance(tables, dict):
        raise InvalidScheduleFile(
            f"{path}: define each schedule as a [schedules.NAME] table"
            + (f" (found {', '.join(extra)} at the top level)" if extra else "")
        )
    specs: list[ScheduleSpec] = []
    problems: list[str] = []
    now = clock()
    for name, table in tables.items():
        where = f"[schedules.{name}]"
        try:
            spec = _spec(name, table)
            specs.append(validate_schedule(spec, registry=registry, now=now))
        except InvalidSchedule as exc:
            problems += [f"{where} {key}: {message}" for key, message in exc.errors.items()]
        except ValueError as exc:
            problems.append(f"{where} {exc}")
    if problems:
        raise InvalidScheduleFile(f"{path}: " + "; ".join(problems))
    return specs


def load_schedule_file(
    db: Database,
    path: Path,
    *,
    by: str,
    registry: Registry = default_registry,
    clock: Clock = utcnow,
) -> FileLoad:
    """Upsert the file's schedules by name in one transaction; see the module docstring."""
    path = path.resolve()
    specs = read_schedule_file(path, registry=registry, clock=clock)
    result = FileLoad(source=FILE_SOURCE + str(path))
    if len(result.source) > MAX_SOURCE:
        raise InvalidScheduleFile(f"the path {path} is too long; move the file higher up")
    now = clock()
    with db.write(lock="schedules:file") as conn:
        existing = {s.name: s for s in store.list_schedules(conn)}
        for spec in specs:
            old = existing.get(spec.name)
            new = build_schedule(spec, old, source=result.source, by=by, now=now)
            if old is None:
                store.insert_schedule(conn, new)
                result.added.append(spec.name)
            elif _definition(old) == _definition(new):
                result.unchanged.append(spec.name)
            else:
                store.update_schedule(conn, new)
                result.updated.append(spec.name)
                if old.source != result.source:
                    result.taken_over[spec.name] = old.source
        names = {spec.name for spec in specs}
        for schedule in existing.values():
            if schedule.source == result.source and schedule.name not in names:
                store.delete_schedule(conn, schedule.name)
                result.removed.append(schedule.name)
    return result


def _spec(name: str, table: Any) -> ScheduleSpec:
    if not isinstance(table, dict):
        raise ValueError("must be a table of keys (pipeline = ..., cron = ...)")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; a schedule takes {', '.join(KEYS)}")
    missing = [key for key in ("pipeline", "cron") if key not in table]
    if missing:
        raise ValueError(f"{missing[0]} is required (e.g. {_EXAMPLES[missing[0]]})")
    for key in ("pipeline", "cron", "timezone", "catch_up"):
        if key in table and not isinstance(table[key], str):
            raise ValueError(f"{key} must be a string (e.g. {_EXAMPLES[key]})")
    if not isinstance(table.get("enabled", True), bool):
        raise ValueError("enabled must be true or false")
    if not isinstance(table.get("params", {}), dict):
        raise ValueError('params must be a table, e.g. params = { region = "emea" }')
    sla = _sla(table.get("sla"))
    catch_up = table.get("catch_up", str(CatchUp.LATEST))
    if catch_up not in set(CatchUp):
        raise ValueError(
            f"catch_up {catch_up[:20]!r} is not one of latest, all, none "
            "(which missed instants run after downtime)"
        )
    return ScheduleSpec(
        name=name,
        pipeline=table["pipeline"],
        cron=table["cron"],
        timezone=table.get("timezone", "UTC"),
        params=dict(table.get("params", {})),
        enabled=table.get("enabled", True),
        catch_up=CatchUp(catch_up),
        sla=sla,
    )


def _sla(value: Any) -> SLA | None:
    """`sla = { complete_within = "1h" }` as written; its durations are checked with the rest."""
    if value is None:
        return None
    example = 'sla = { max_duration = "30m", complete_within = "1h" }'
    if not isinstance(value, dict) or not value:
        raise ValueError(f"sla must be a table, e.g. {example}")
    unknown = sorted(set(value) - set(SLA_KEYS))
    if unknown:
        raise ValueError(f"sla: unknown key {unknown[0]!r}; an SLA takes {', '.join(SLA_KEYS)}")
    if not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"sla durations are strings like 45s, 30m or 1h30m, e.g. {example}")
    return SLA(max_duration=value.get("max_duration"), complete_within=value.get("complete_within"))


_EXAMPLES = {
    "pipeline": 'pipeline = "runplane.noop"',
    "cron": 'cron = "0 6 * * 2"',
    "timezone": 'timezone = "America/New_York"',
    "catch_up": 'catch_up = "latest"',
}


def _definition(schedule: Schedule) -> tuple[object, ...]:
    return (
        schedule.pipeline,
        schedule.cron,
        schedule.timezone,
        schedule.params,
        schedule.enabled,
        schedule.catch_up,
        schedule.source,
        schedule.sla,
    )
