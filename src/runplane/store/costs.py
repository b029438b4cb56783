"""What executions cost: the columns an end records, and the sums by pipeline and by trigger
the executions page's cost summary shows.

Sums over whole hours come from `execution_counts` (kept in step by `counts.py`); a
window's partial first and last hours, and pending or running executions, are read from
`executions` directly, as the counts are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, text

from runplane.model import ExecutionStatus, Trigger
from runplane.model.cost import Cost
from runplane.store import counts
from runplane.store.tables import execution_counts as c
from runplane.store.tables import executions as t

COST_COLUMNS = (
    "cpu_seconds", "gb_seconds", "peak_rss_bytes", "cost_amount", "cost_currency",
    "cost_rates_version",
)  # fmt: skip
"""What an execution's end records of its usage and cost (`cost_values`)."""


def cost_values(cost: Cost, peak_rss_bytes: int | None) -> dict[str, Any]:
    """The columns that store a cost, for `update_status(..., **cost_values(c, peak))`."""
    return {
        "cpu_seconds": cost.cpu_seconds,
        "gb_seconds": cost.gb_seconds,
        "peak_rss_bytes": peak_rss_bytes,
        "cost_amount": cost.amount,
        "cost_currency": cost.currency,
        "cost_rates_version": cost.rates_version,
    }


@dataclass(frozen=True)
class CostSums:
    """Executions, their summed cost and CPU seconds (unfinished ones cost nothing yet)."""

    executions: int = 0
    cost: float = 0.0
    cpu_seconds: float = 0.0

    def __add__(self, other: CostSums) -> CostSums:
        return CostSums(
            self.executions + other.executions,
            self.cost + other.cost,
            self.cpu_seconds + other.cpu_seconds,
        )


Sums = dict[str, CostSums]


def sum_costs(
    conn: Connection,
    statuses: Sequence[ExecutionStatus],
    *,
    pipelines: Collection[str] = (),
    triggers: Collection[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[Sums, Sums]:
    """Sums by pipeline and by trigger of the executions in `statuses` created in
    `[since, until)`, of `pipelines` and `triggers` (empty: all)."""
    by_pipeline: Sums = {}
    by_trigger: Sums = {}
    few = [s for s in statuses if not s.is_final]
    final = [s for s in statuses if s.is_final]

    def rows(wanted: Sequence[ExecutionStatus], lo: datetime | None, hi: datetime | None) -> None:
        where = _filters(wanted, pipelines, triggers, lo, hi)
        _add_rows(by_pipeline, by_trigger, _grouped(conn, where))

    if few:
        _add_rows(by_pipeline, by_trigger, _live(conn, few, pipelines, triggers, since, until))
    if not final:
        return by_pipeline, by_trigger
    first = None if since is None else counts.hour_of(since + counts.HOUR - counts.TICK)
    last = None if until is None else counts.hour_of(until)
    if first is not None and last is not None and first >= last:  # no whole hour inside
        rows(final, since, until)
        return by_pipeline, by_trigger
    for lo, hi in ((since, first), (last, until)):
        if lo is not None and hi is not None and lo < hi:
            rows(final, lo, hi)
    hours: list[ColumnElement[bool]] = [c.c.status.in_([str(s) for s in final])]
    if first is not None:
        hours.append(c.c.hour >= first)
    if last is not None:
        hours.append(c.c.hour < last)
    named = sorted(pipelines) or _counted_pipelines(conn, final)
    for key, into, others in (
        (c.c.pipeline, by_pipeline, c.c.trigger.in_(sorted(triggers)) if triggers else None),
        (c.c.trigger, by_trigger, c.c.pipeline.in_(sorted(pipelines)) if pipelines else None),
    ):
        other = c.c.trigger if key is c.c.pipeline else c.c.pipeline
        chosen = named if key is c.c.pipeline else sorted(triggers) or sorted(map(str, Trigger))
        where = [
            *hours,
            key.in_(chosen) if chosen else key != counts.ANY,
            others if others is not None else other == counts.ANY,
        ]
        query = (
            select(key, func.sum(c.c.n), func.sum(c.c.cost), func.sum(c.c.cpu_seconds))
            .where(*where)
            .group_by(key)
        )
        for name, n, cost, cpu in conn.execute(query):
            _add(into, str(name), CostSums(int(n or 0), float(cost or 0), float(cpu or 0)))
    return by_pipeline, by_trigger


_DISTINCT_PIPELINES = text(
    """
    WITH RECURSIVE names(name) AS (
        SELECT min(pipeline) FROM execution_counts WHERE status = :status AND pipeline > :any
        UNION ALL
        SELECT (SELECT min(pipeline) FROM execution_counts
                WHERE status = :status AND pipeline > names.name)
        FROM names WHERE names.name IS NOT NULL
    )
    SELECT name FROM names WHERE name IS NOT NULL
    """
)
"""A loose index scan: each next pipeline of a status is one seek on the key."""


def _counted_pipelines(conn: Connection, statuses: Sequence[ExecutionStatus]) -> list[str]:
    """Every pipeline the counts hold for `statuses`, one index seek each (`status,
    pipeline` lead the key), so the sums by pipeline read each pipeline's hours directly
    instead of every row of the status."""
    found: set[str] = set()
    for status in statuses:
        rows = conn.execute(_DISTINCT_PIPELINES, {"status": str(status), "any": counts.ANY})
        found.update(str(name) for (name,) in rows)
    return sorted(found)


def sum_executions(conn: Connection, where: Sequence[ColumnElement[bool]]) -> tuple[Sums, Sums]:
    """The same sums read from `executions` row by row, for filters the hourly counts do not
    keep (slower: it visits every execution the filter selects)."""
    by_pipeline: Sums = {}
    by_trigger: Sums = {}
    _add_rows(by_pipeline, by_trigger, _grouped(conn, where))
    return by_pipeline, by_trigger


def _filters(
    statuses: Sequence[ExecutionStatus],
    pipelines: Collection[str],
    triggers: Collection[str],
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [t.c.status.in_([str(s) for s in statuses])]
    if pipelines:
        where.append(t.c.pipeline.in_(sorted(pipelines)))
    if triggers:
        where.append(t.c.trigger.in_(sorted(triggers)))
    if since is not None:
        where.append(t.c.created_at >= since)
    if until is not None:
        where.append(t.c.created_at < until)
    return where


def _grouped(
    conn: Connection, where: Sequence[ColumnElement[bool]]
) -> Iterable[tuple[str, str, CostSums]]:
    query = (
        select(
            t.c.pipeline,
            t.c.trigger,
            func.count(),
            func.sum(t.c.cost_amount),
            func.sum(t.c.cpu_seconds),
        )
        .where(*where)
        .group_by(t.c.pipeline, t.c.trigger)
    )
    for pipeline, trigger, n, cost, cpu in conn.execute(query):
        yield str(pipeline), str(trigger), CostSums(int(n), float(cost or 0), float(cpu or 0))


def _live(
    conn: Connection,
    statuses: Sequence[ExecutionStatus],
    pipelines: Collection[str],
    triggers: Collection[str],
    since: datetime | None,
    until: datetime | None,
) -> Iterable[tuple[str, str, CostSums]]:
    """The pending and running executions, read by their status (they are few) and narrowed
    here: asked for a trigger or pipeline too, the database would walk that index instead,
    through every execution of the window."""
    where = _filters(statuses, (), (), since, until)
    query = select(t.c.pipeline, t.c.trigger, t.c.cost_amount, t.c.cpu_seconds).where(*where)
    for pipeline, trigger, cost, cpu in conn.execute(query):
        if (pipelines and pipeline not in pipelines) or (triggers and trigger not in triggers):
            continue
        yield str(pipeline), str(trigger), CostSums(1, float(cost or 0), float(cpu or 0))


def _add_rows(
    by_pipeline: Sums, by_trigger: Sums, rows: Iterable[tuple[str, str, CostSums]]
) -> None:
    for pipeline, trigger, sums in rows:
        _add(by_pipeline, pipeline, sums)
        _add(by_trigger, trigger, sums)


def _add(into: Sums, key: str, sums: CostSums) -> None:
    into[key] = into.get(key, CostSums()) + sums
