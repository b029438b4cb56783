"""Finished executions per hour of creation, pipeline, trigger and end status
(`execution_counts`), with the sums of their cost and CPU seconds, so counting or pricing
a day or a month sums hours instead of rows.

Only end states are kept: an end state is final, so an execution is counted once, when
it ends, and pending and running executions (always few) are counted in `executions`
directly. Each hour also has rows for all pipelines and triggers together (`ANY` in
both), for each pipeline over all triggers and for each trigger over all pipelines, so
the unfiltered view sums a handful of rows per hour and a view narrowed by pipeline or by
trigger alone reads one row per pipeline or trigger and hour. An ending is noted against
the write transaction that made it (`Database.write` opens the tally) and written just
before that transaction commits, in key order (concurrent writers on PostgreSQL lock
count rows in one order and cannot deadlock); a rolled-back transaction writes nothing,
and a status change outside `Database.write` is refused rather than counted elsewhere.
A window's partial first and last hours are counted in `executions`.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Executable, delete, func, insert, literal, select

from runplane.model import ExecutionStatus
from runplane.store import prepared
from runplane.store.tables import execution_counts as c
from runplane.store.tables import executions as t

Key = tuple[datetime, str, str, str]
"""`(hour, pipeline, trigger, status)`."""

ANY = "*"
"""The pipeline and trigger of an hour's totals (no pipeline name or trigger is `*`)."""
HOUR = timedelta(hours=1)
Tally = dict[Key, list[float]]
"""`[executions, cost, cpu seconds]` per key, noted by one write transaction."""
_tallies: weakref.WeakKeyDictionary[Connection, Tally] = weakref.WeakKeyDictionary()
"""The endings noted by each open write transaction, keyed by its connection (a checkout,
not the pooled DBAPI connection, so nothing carries over to the next writer)."""


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


@contextmanager
def tally(conn: Connection) -> Iterator[None]:
    """Collect the endings noted on `conn` and write them when the block ends without an
    error, i.e. just before the transaction commits (`Database.write` wraps every writer)."""
    _tallies[conn] = {}
    try:
        yield
        _apply(conn, _tallies[conn])
    finally:
        _tallies.pop(conn, None)


def note(
    conn: Connection,
    *,
    created_at: datetime,
    pipeline: str,
    trigger: str,
    status: ExecutionStatus,
    cost: float | None = None,
    cpu_seconds: float | None = None,
) -> None:
    """Record that an execution was stored with, or moved to, `status` (counted if final),
    with the cost and CPU seconds recorded with its end.

    Raises `RuntimeError` outside `Database.write`: the counts must commit with the change.
    """
    changes = _tallies.get(conn)
    if changes is None:
        raise RuntimeError(
            "an execution's status changed outside Database.write(); its hourly count "
            "would be lost (open the transaction with db.write())"
        )
    if not status.is_final:
        return
    hour = hour_of(created_at)
    end = str(status)
    for key in (
        (hour, pipeline, str(trigger), end),
        (hour, pipeline, ANY, end),
        (hour, ANY, str(trigger), end),
        (hour, ANY, ANY, end),
    ):
        sums = changes.setdefault(key, [0.0, 0.0, 0.0])
        sums[0] += 1
        sums[1] += cost or 0.0
        sums[2] += cpu_seconds or 0.0


def _apply(conn: Connection, changes: Tally) -> None:
    rows = [
        {"hour": hour, "pipeline": pipeline, "trigger": trigger, "status": status}
        | {"n": int(n), "cost": cost, "cpu_seconds": cpu}
        for (hour, pipeline, trigger, status), (n, cost, cpu) in sorted(changes.items())
    ]
    dialect = conn.dialect.name
    prepared.execute_many(conn, ("count_upsert", dialect), lambda: _upsert(dialect), rows)


def _upsert(dialect: str) -> Executable:
    """Add `n` to a count row, creating it if missing."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    names = ("hour", "pipeline", "trigger", "status", "n", "cost", "cpu_seconds")
    statement = dialect_insert(c).values(prepared.bound(c, names))
    return statement.on_conflict_do_update(
        index_elements=[c.c.status, c.c.pipeline, c.c.trigger, c.c.hour],
        set_={
            "n": c.c.n + statement.excluded.n,
            "cost": c.c.cost + statement.excluded.cost,
            "cpu_seconds": c.c.cpu_seconds + statement.excluded.cpu_seconds,
        },
    )


def rebuild(conn: Connection) -> None:
    """Recount every hour from `executions` (after a bulk load that bypassed `note`)."""
    conn.execute(delete(c))
    if conn.dialect.name == "sqlite":
        hour = func.substr(t.c.created_at, 1, 13).concat(literal(":00:00.000000"))
    else:
        hour = func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", t.c.created_at)))
    names = ["hour", "pipeline", "trigger", "status", "n", "cost", "cpu_seconds"]
    final = t.c.status.in_([str(s) for s in ExecutionStatus if s.is_final])
    sums = (
        func.count(),
        func.coalesce(func.sum(t.c.cost_amount), 0.0),
        func.coalesce(func.sum(t.c.cpu_seconds), 0.0),
    )
    for by_pipeline, by_trigger in ((True, True), (True, False), (False, True), (False, False)):
        pipeline = t.c.pipeline if by_pipeline else literal(ANY)
        trigger = t.c.trigger if by_trigger else literal(ANY)
        keys = [k for k, on in ((t.c.pipeline, by_pipeline), (t.c.trigger, by_trigger)) if on]
        rollup = select(hour, pipeline, trigger, t.c.status, *sums).where(final)
        conn.execute(insert(c).from_select(names, rollup.group_by(hour, *keys, t.c.status)))


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
    first = None if since is None else hour_of(since + HOUR - TICK)
    last = None if until is None else hour_of(until)
    if first is not None and last is not None and first >= last:  # no whole hour inside
        totals.update(_count_rows(conn, final, pipelines, triggers, since, until))
        return dict(totals)
    for lo, hi in ((since, first), (last, until)):
        if lo is not None and hi is not None and lo < hi:
            totals.update(_count_rows(conn, final, pipelines, triggers, lo, hi))
    totals.update(_sum_hours(conn, final, pipelines, triggers, first, last))
    return dict(totals)


TICK = timedelta(microseconds=1)


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


def hour_keys(pipelines: Collection[str], triggers: Collection[str]) -> list[ColumnElement[bool]]:
    """The rows of each hour that sum to the executions of `pipelines` and `triggers`
    (empty: all): one per pipeline, per trigger, per pair, or the hour's totals."""
    return [
        c.c.pipeline.in_(sorted(pipelines)) if pipelines else c.c.pipeline == ANY,
        c.c.trigger.in_(sorted(triggers)) if triggers else c.c.trigger == ANY,
    ]


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
    where = hour_keys(pipelines, triggers)
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
