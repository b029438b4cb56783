"""Queries over schedules and their fires.

`insert_fire` is the exactly-once gate: it inserts nothing when the `(schedule,
scheduled_for)` pair exists, so the server that gets `True` creates the execution in the
same transaction and every other server skips that instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Row, delete, insert, select, update

from runplane.model.schedule import NAME, CatchUp, Schedule, ScheduleFire
from runplane.model.sla import SLA
from runplane.store.errors import NotFound
from runplane.store.tables import schedule_fires as f
from runplane.store.tables import schedules as t


def insert_schedule(conn: Connection, schedule: Schedule) -> None:
    conn.execute(insert(t).values(_to_row(schedule)))


def update_schedule(conn: Connection, schedule: Schedule) -> None:
    """Replace every column of the schedule with this name."""
    values = _to_row(schedule)
    del values["name"]
    conn.execute(update(t).where(t.c.name == schedule.name).values(values))


def update_enabled(
    conn: Connection, name: str, enabled: bool, *, at: datetime, by: str, reset_since: bool
) -> None:
    """Switch a schedule on or off; `reset_since` makes only instants after `at` due."""
    values: dict[str, Any] = {"enabled": enabled, "updated_at": at, "updated_by": by}
    if reset_since:
        values |= {"active_since": at, "checked_until": at}
    conn.execute(update(t).where(t.c.name == name).values(values))


def update_checked_until(conn: Connection, name: str, instant: datetime) -> None:
    """Move the schedule's cursor forward (never back) to `instant`."""
    conn.execute(
        update(t).where(t.c.name == name, t.c.checked_until < instant).values(checked_until=instant)
    )


def delete_schedule(conn: Connection, name: str) -> bool:
    """Remove a schedule and its fires (its executions stay); returns whether it existed."""
    conn.execute(delete(f).where(f.c.schedule == name))
    return conn.execute(delete(t).where(t.c.name == name)).rowcount == 1


def find_schedule(conn: Connection, name: str) -> Schedule | None:
    """A name no schedule can have is simply not found (and never reaches the database)."""
    if not NAME.fullmatch(name):
        return None
    row = conn.execute(select(t).where(t.c.name == name)).first()
    return None if row is None else _from_row(row)


def get_schedule(conn: Connection, name: str) -> Schedule:
    schedule = find_schedule(conn, name)
    if schedule is None:
        raise NotFound(f"no schedule named {name[:100]!r}")
    return schedule


def list_schedules(
    conn: Connection,
    *,
    pipeline: str | None = None,
    enabled: bool | None = None,
    source: str | None = None,
) -> list[Schedule]:
    """Ordered by name."""
    query = select(t).order_by(t.c.name)
    if pipeline is not None:
        query = query.where(t.c.pipeline == pipeline)
    if enabled is not None:
        query = query.where(t.c.enabled == enabled)
    if source is not None:
        query = query.where(t.c.source == source)
    return [_from_row(row) for row in conn.execute(query)]


def insert_fire(conn: Connection, fire: ScheduleFire) -> bool:
    """Record a fire unless that instant of that schedule already has one.

    Returns whether this call inserted it. Uses `INSERT ... ON CONFLICT DO NOTHING` on
    the unique `(schedule, scheduled_for)`, so two servers racing on the same instant
    never both get `True`, and neither transaction fails.
    """
    values = {
        "schedule": fire.schedule,
        "scheduled_for": fire.scheduled_for,
        "fired_at": fire.fired_at,
        "execution_id": fire.execution_id,
        "late": fire.late,
        "skipped": fire.skipped,
        "error": fire.error,
    }
    unique = ["schedule", "scheduled_for"]
    statement: Executable
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = (
            postgresql.insert(f)
            .values(values)
            .on_conflict_do_nothing(index_elements=unique)
            .returning(f.c.fire_id)
        )
    else:
        from sqlalchemy.dialects import sqlite

        statement = (
            sqlite.insert(f)
            .values(values)
            .on_conflict_do_nothing(index_elements=unique)
            .returning(f.c.fire_id)
        )
    return conn.execute(statement).first() is not None


def find_fire(conn: Connection, schedule: str, scheduled_for: datetime) -> ScheduleFire | None:
    row = conn.execute(
        select(f).where(f.c.schedule == schedule, f.c.scheduled_for == scheduled_for)
    ).first()
    return None if row is None else _fire_from_row(row)


def list_fires(conn: Connection, schedule: str, *, limit: int = 20) -> list[ScheduleFire]:
    """The schedule's fires, newest instant first."""
    rows = conn.execute(
        select(f).where(f.c.schedule == schedule).order_by(f.c.scheduled_for.desc()).limit(limit)
    )
    return [_fire_from_row(row) for row in rows]


def find_fire_of_execution(conn: Connection, execution_id: str) -> ScheduleFire | None:
    """The fire that created this execution, if a schedule did."""
    row = conn.execute(select(f).where(f.c.execution_id == execution_id)).first()
    return None if row is None else _fire_from_row(row)


def _to_row(s: Schedule) -> dict[str, Any]:
    return {
        "name": s.name,
        "pipeline": s.pipeline,
        "cron": s.cron,
        "timezone": s.timezone,
        "params": s.params,
        "enabled": s.enabled,
        "catch_up": str(s.catch_up),
        "source": s.source,
        "created_at": s.created_at,
        "created_by": s.created_by,
        "updated_at": s.updated_at,
        "updated_by": s.updated_by,
        "active_since": s.active_since,
        "checked_until": s.checked_until,
        "sla": None if s.sla is None else s.sla.to_json(),
    }


def _from_row(row: Row[Any]) -> Schedule:
    return Schedule(
        name=row.name,
        pipeline=row.pipeline,
        cron=row.cron,
        timezone=row.timezone,
        params=row.params,
        enabled=row.enabled,
        catch_up=CatchUp(row.catch_up),
        source=row.source,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        active_since=row.active_since,
        checked_until=row.checked_until,
        sla=SLA.from_json(row.sla),
    )


def _fire_from_row(row: Row[Any]) -> ScheduleFire:
    return ScheduleFire(
        schedule=row.schedule,
        scheduled_for=row.scheduled_for,
        fired_at=row.fired_at,
        execution_id=row.execution_id,
        late=row.late,
        skipped=row.skipped,
        error=row.error,
    )
