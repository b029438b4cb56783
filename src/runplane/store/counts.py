"""Executions per hour of creation, pipeline, trigger and status (`execution_counts`).

Each hour also has rows for all pipelines and triggers together (`ANY` in both), so the
unfiltered view sums a handful of rows per hour. Every insert and status change notes a
change of one in its connection; the write
transaction applies the changes just before it commits, in key order, so concurrent
writers on PostgreSQL lock count rows in the same order and cannot deadlock. A rolled
back transaction applies nothing. Counting a window then sums whole hours from this
table and counts only its partial first and last hours in `executions`; pending and
running executions, always few, are counted in `executions` directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, delete, func, insert, literal, select

from runplane.model import ExecutionStatus
from runplane.store.tables import execution_counts as c
from runplane.store.tables import executions as t

Key = tuple[datetime, str, str, str]
"""`(hour, pipeline, trigger, status)`."""

ANY = "*"
"""The pipeline and trigger of an hour's totals (no pipeline name or trigger is `*`)."""
_PENDING = "runplane_count_changes"
HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def note(
    conn: Connection,
    *,
    created_at: datetime,
    pipeline: str,
    trigger: str,
    old: ExecutionStatus | None,
    new: ExecutionStatus,
) -> None:
    """Record that an execution appeared (`old` None) or moved from `old` to `new`."""
    changes: Counter[Key] = conn.info.setdefault(_PENDING, Counter())
    hour = hour_of(created_at)
    for scope in ((pipeline, str(trigger)), (ANY, ANY)):
        if old is not None:
            changes[(hour, *scope, str(old))] -= 1
        changes[(hour, *scope, str(new))] += 1


def apply_noted(conn: Connection) -> None:
    """Write the changes this transaction noted (called by `Database.write` before commit)."""
    changes: Counter[Key] | None = conn.info.pop(_PENDING, None)
    for key, change in sorted((changes or Counter()).items()):
        if change:
            _add(conn, key, change)


def discard_noted(conn: Connection) -> None:
    """Forget the changes of a transaction that rolled back."""
    conn.info.pop(_PENDING, None)


def _add(conn: Connection, key: Key, change: int) -> None:
    hour, pipeline, trigger, status = key
    values = {"hour": hour, "pipeline": pipeline, "trigger": trigger, "status": status}
    columns = [c.c.hour, c.c.pipeline, c.c.trigger, c.c.status]
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        lite = sqlite.insert(c).values(**values, n=change)
        conn.execute(
            lite.on_conflict_do_update(index_elements=columns, set_={"n": c.c.n + lite.excluded.n})
        )
    else:
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(c).values(**values, n=change)
        conn.execute(
            pg.on_conflict_do_update(index_elements=columns, set_={"n": c.c.n + pg.excluded.n})
        )


def rebuild(conn: Connection) -> None:
    """Recount every hour from `executions` (after a bulk load that bypassed `note`)."""
    conn.execute(delete(c))
    if conn.dialect.name == "sqlite":
        hour = func.substr(t.c.created_at, 1, 13).concat(literal(":00:00.000000"))
    else:
        hour = func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", t.c.created_at)))
    names = ["hour", "pipeline", "trigger", "status", "n"]
    detailed = select(hour, t.c.pipeline, t.c.trigger, t.c.status, func.count()).group_by(
        hour, t.c.pipeline, t.c.trigger, t.c.status
    )
    totals = select(hour, literal(ANY), literal(ANY), t.c.status, func.count()).group_by(
        hour, t.c.status
    )
    conn.execute(insert(c).from_select(names, detailed))
    conn.execute(insert(c).from_select(names, totals))


def count_statuses(
    conn: Connection,
    statuses: Sequence[ExecutionStatus],
    *,
    pipelines: Collection[str] = (),
    triggers: Collection[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[ExecutionStatus, int]:
    """Executions per status created in `[since, until)`, of `pipelines` and `triggers`
    (empty: all). Indexed reads only: no scan of `executions`, no sort."""
    few = [s for s in statuses if not s.is_final]
    final = [s for s in statuses if s.is_final]
    totals = Counter(_count_rows(conn, few, pipelines, triggers, since, until))
    if not final:
        return dict(totals)
    first = None if since is None else hour_of(since + HOUR - _TICK)
    last = None if until is None else hour_of(until)
    if first is not None and last is not None and first >= last:  # no whole hour inside
        totals.update(_count_rows(conn, final, pipelines, triggers, since, until))
        return dict(totals)
    for lo, hi in ((since, first), (last, until)):
        if lo is not None and hi is not None and lo < hi:
            totals.update(_count_rows(conn, final, pipelines, triggers, lo, hi))
    totals.update(_sum_hours(conn, final, pipelines, triggers, first, last))
    return dict(totals)


_TICK = timedelta(microseconds=1)


def _count_rows(
    conn: Connection,
    statuses: Sequence[ExecutionStatus],
    pipelines: Collection[str],
    triggers: Collection[str],
    since: datetime | None,
    until: datetime | None,
) -> dict[ExecutionStatus, int]:
    """One count per status on `(status, created_at)`, all in one statement (a single
    GROUP BY would make SQLite visit every row of the range through the time index)."""
    if not statuses:
        return {}
    where: list[ColumnElement[bool]] = []
    if pipelines:
        where.append(t.c.pipeline.in_(sorted(pipelines)))
    if triggers:
        where.append(t.c.trigger.in_(sorted(triggers)))
    if since is not None:
        where.append(t.c.created_at >= since)
    if until is not None:
        where.append(t.c.created_at < until)
    columns = [
        select(func.count()).select_from(t).where(t.c.status == str(s), *where).scalar_subquery()
        for s in statuses
    ]
    return dict(zip(statuses, conn.execute(select(*columns)).one(), strict=True))


def _sum_hours(
    conn: Connection,
    statuses: Sequence[ExecutionStatus],
    pipelines: Collection[str],
    triggers: Collection[str],
    first: datetime | None,
    last: datetime | None,
) -> dict[ExecutionStatus, int]:
    """Whole hours from `first` (inclusive) to `last` (exclusive; None: open), one sum per
    status on the key `(status, pipeline, trigger, hour)`."""
    where: list[ColumnElement[bool]] = []
    if pipelines or triggers:
        where.append(c.c.pipeline.in_(sorted(pipelines)) if pipelines else c.c.pipeline != ANY)
        if triggers:
            where.append(c.c.trigger.in_(sorted(triggers)))
    else:
        where += [c.c.pipeline == ANY, c.c.trigger == ANY]
    if first is not None:
        where.append(c.c.hour >= first)
    if last is not None:
        where.append(c.c.hour < last)
    columns = [
        select(func.coalesce(func.sum(c.c.n), 0))
        .where(c.c.status == str(s), *where)
        .scalar_subquery()
        for s in statuses
    ]
    return dict(zip(statuses, conn.execute(select(*columns)).one(), strict=True))
