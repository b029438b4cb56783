"""Which index SQLite walks for a parameter filter, chosen from what the data holds.

A filter's matches lie where every one of its parameters has values: one statement reads
each value's oldest and newest entry in the side table's index (two look-ups a value),
which narrows the window to that span or finds it empty, and the newest `SAMPLE` entries
of each candidate to walk: each parameter value in the side table, and the executions
(with the status, pipeline, trigger and SLA filters, and without). How far back a sample
reaches gives how many entries the candidate holds, and so how many each would walk to
fill a page and count up to `NEED` matches, testing the other filters per entry. The
cheapest is walked: a parameter's index (each entry then looked up by id) or the
executions' (each row read in time order, its parameters tested in place, cheaper per
entry). SQLite, without statistics, would guess. The statement is plain SQL text: built
per list request, SQLAlchemy's constructs would cost more than the look-ups themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection

from runplane.model.param_filters import ParamMatch

SAMPLE = 64
"""Newest entries read per candidate to estimate how many it holds."""
NEED = 1000
"""Matches a list page walks for: its rows and its bounded count."""
SIDE_COST = 3.0
"""A side-table entry walked and its execution looked up by id, against a row read in time
order (1): what each costs on a large file, measured."""


@dataclass(frozen=True)
class Plan:
    """Where to look: `since <= created_at <= last` (None: unbounded), and the parameter
    whose index to walk (None: walk the executions). `empty`: nothing can match."""

    since: datetime | None
    last: datetime | None
    driver: ParamMatch | None
    empty: bool = False
    order: tuple[ParamMatch, ...] = ()
    """The matches, the rarest first: the order to test them in a row."""

    def window(self, created_at: Any) -> list[ColumnElement[bool]]:
        """The window as tests on a `created_at` column."""
        found = [created_at >= self.since] if self.since is not None else []
        return found + ([created_at <= self.last] if self.last is not None else [])


@dataclass(frozen=True)
class RowFilters:
    """The executions' own indexed filters (empty: any), as the sample of rows reads them."""

    statuses: Sequence[str] = ()
    pipelines: Sequence[str] = ()
    triggers: Sequence[str] = ()
    sla_states: Sequence[str] = ()

    def sql(self) -> tuple[list[str], list[Any]]:
        tests, values = [], []
        for column, wanted in (
            ("status", self.statuses),
            ("pipeline", self.pipelines),
            ('"trigger"', self.triggers),
            ("sla_state", self.sla_states),
        ):
            if wanted:
                tests.append(f"{column} IN ({', '.join('?' * len(wanted))})")
                values += list(wanted)
        return tests, values


def plan(
    conn: Connection,
    matches: Sequence[ParamMatch],
    rows: RowFilters,
    *,
    since: datetime | None,
    until: datetime | None,
    row_costs: Sequence[float],
) -> Plan:
    """The plan for `matches` (at least one) with the executions' filters `rows` in
    `[since, until)`; `row_costs[i]` is the cost of testing `matches[i]` on an execution's
    row (small for a test of its parameters in place)."""
    window, bounds = _window(since, until)
    columns: list[str] = []
    values: list[Any] = []
    for match in matches:
        for value in match.texts():
            source = f"execution_params WHERE name = ? AND value = ?{window}"
            for agg in ("min", "max"):
                columns.append(f"(SELECT {agg}(created_at) FROM {source})")
                values += [match.name, value, *bounds]
            columns += _sample(source, "created_at DESC")
            values += [match.name, value, *bounds] * 3
    tests, tested = rows.sql()
    for where, given in [([], [])] + ([(tests, tested)] if tests else []):
        clauses = " AND ".join(where + ([window[5:]] if window else []))
        columns += _sample(
            "executions" + (f" WHERE {clauses}" if clauses else ""),
            "created_at DESC, execution_id DESC",
        )
        values += [*given, *bounds] * 3
    found = iter(conn.exec_driver_sql("SELECT " + ", ".join(columns), tuple(values)).one())
    samples: list[list[tuple[Any, ...]]] = []
    low, high = None, None
    for match in matches:
        read = [tuple(next(found) for _ in range(5)) for _ in match.texts()]
        edges = [(first, last) for first, last, *_ in read]
        firsts = [first for first, _ in edges if first is not None]
        samples.append([(n, old, new) for _, _, n, old, new in read])
        if not firsts:
            return Plan(since, None, None, empty=True)
        low = min(firsts) if low is None else max(low, min(firsts))
        last = max(last for _, last in edges if last is not None)
        high = last if high is None else min(high, last)
    assert low is not None
    assert high is not None
    if low > high:
        return Plan(since, None, None, empty=True)
    span = _seconds(low, high)
    sizes = [sum(_size(n, old, new, span) for n, old, new in per) for per in samples]
    everything = max(_size(next(found), next(found), next(found), span), 1.0)
    narrowed = _size(next(found), next(found), next(found), span) if tests else everything
    shares = [min(1.0, size / everything) for size in sizes]
    row_share = min(1.0, narrowed / everything)
    best: tuple[float, ParamMatch | None] = (math.inf, None)
    for i, match in enumerate(matches):
        rest = math.prod(shares[:i] + shares[i + 1 :]) * row_share
        per = SIDE_COST + sum(row_costs[:i]) + sum(row_costs[i + 1 :])
        cost = per * min(sizes[i], NEED / max(rest, 1e-9))
        if cost < best[0]:
            best = (cost, match)
    walk = (1.0 + sum(row_costs)) * min(narrowed, NEED / max(math.prod(shares), 1e-9))
    ranked = sorted(range(len(matches)), key=lambda i: shares[i])
    order = tuple(matches[i] for i in ranked)
    return Plan(_time(low), _time(high), None if walk < best[0] else best[1], order=order)


def _sample(source: str, order: str) -> list[str]:
    """How many of a candidate's newest `SAMPLE` entries there are, and their oldest and
    newest times."""
    newest = f"(SELECT created_at AS c FROM {source} ORDER BY {order} LIMIT {SAMPLE})"
    return [f"(SELECT {agg} FROM {newest})" for agg in ("count(*)", "min(c)", "max(c)")]


def _size(count: int, oldest: str | None, newest: str | None, span: float) -> float:
    """Entries a candidate holds in a span of `span` seconds, from its sample: all of them
    when the sample is not full, else the sample's rate over the span."""
    if count < SAMPLE or oldest is None or newest is None:
        return float(count)
    return count * span / max(_seconds(oldest, newest), 1e-6)


def _window(since: datetime | None, until: datetime | None) -> tuple[str, list[str]]:
    window, bounds = "", []
    if since is not None:
        window += " AND created_at >= ?"
        bounds.append(_text(since))
    if until is not None:
        window += " AND created_at < ?"
        bounds.append(_text(until))
    return window, bounds


def _seconds(older: str, newer: str) -> float:
    return (datetime.fromisoformat(newer) - datetime.fromisoformat(older)).total_seconds()


def _text(at: datetime) -> str:
    """A time as SQLite's rows store it (naive UTC, microseconds)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _time(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)
