"""An execution's CPU % and memory (RSS) over its own elapsed time, at most `resolution`
points per series however many samples it has: the detail page's graphs and
`GET /v1/executions/{id}/resources` read this (the buckets: `sample_buckets.py`).

Downsampling keeps each time bucket's maximum, not a largest-triangle-three-buckets pick:
a peak is what an operator looks for (the spike that hit the memory limit), and the max of
each bucket keeps it by construction, where LTTB only tends to; it is also one GROUP BY
in the database over the (execution_id, at) index, so 100,000 samples never reach Python,
while LTTB needs every sample in hand. Both series share the buckets, so CPU and memory
stay aligned in time.

The graphs of an execution that ended a while ago cannot change, so they are kept (per
server process, the most recent few hundred): opening one again reads its row only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runplane.model import Execution, ExecutionStatus
from runplane.model.json import iso
from runplane.store import executions as store
from runplane.store import resources as sample_store
from runplane.store.resources import Measure, SampleBucket
from runplane.views.list_query import ListingError
from runplane.views.sample_buckets import KEPT, Kept, read_buckets

MIN_RESOLUTION = 10
MAX_RESOLUTION = 2000
DEFAULT_RESOLUTION = 500
"""Points per series: enough for a graph as wide as a screen, little enough to send often."""
SETTLED_AFTER = timedelta(seconds=30)
"""How long after its end an execution's samples are taken as complete (the sampler may
still write one it took just before the end)."""
EDGE = timedelta(milliseconds=1)
"""Leeway at a bucket's bounds: the database's float arithmetic may put a sample right on
a bound into the bucket beside it."""


@dataclass(frozen=True)
class Point:
    elapsed: float
    """Seconds since the execution started."""
    value: float


@dataclass(frozen=True)
class Series:
    """One measure over time: `cpu` in percent (of one core), `memory` (RSS) in bytes."""

    name: str
    unit: str
    points: tuple[Point, ...]
    peak: Point | None
    """The highest sample, at the instant it was taken (None without samples)."""


@dataclass(frozen=True)
class ResourceUsage:
    execution: Execution
    resolution: int
    samples: int
    """How many samples were taken (before downsampling)."""
    downsampled: bool
    elapsed: float
    """Seconds from its start to its end, or to now while it runs: the time axis."""
    cpu: Series
    memory: Series

    @property
    def empty_reason(self) -> str | None:
        """Why there is nothing to draw, in the words of the graphs' empty state."""
        if self.samples:
            return None
        e = self.execution
        if e.started_at is None and e.status.is_final:
            return "Never started, so nothing was sampled."
        if e.started_at is None:
            return "No samples yet: sampling starts when it runs."
        return "Finished before the first sample." if e.status.is_final else "No samples yet."


def parse_resolution(raw: str | None) -> int:
    """`?resolution=` as points per series; raises `ListingError` naming the bounds."""
    if raw is None or not raw.strip():
        return DEFAULT_RESOLUTION
    bounds = f"between {MIN_RESOLUTION} and {MAX_RESOLUTION}"
    try:
        value = int(raw)
    except ValueError:
        raise ListingError(
            "resolution", f"resolution must be a whole number {bounds} (got {raw[:40]!r})"
        ) from None
    if not MIN_RESOLUTION <= value <= MAX_RESOLUTION:
        raise ListingError("resolution", f"resolution must be {bounds} (got {value})")
    return value


settled: Kept[tuple[str, str, int], ResourceUsage] = Kept(KEPT)
"""Usage of settled executions, by database, execution and resolution."""


def load_resource_usage(
    conn: Connection, execution_id: str, *, now: datetime, resolution: int = DEFAULT_RESOLUTION
) -> ResourceUsage:
    """Read the execution and its samples, bucketed when there are more than `resolution`.

    Raises `NotFound` for an unknown execution.
    """
    execution = store.get_execution(conn, execution_id)
    key = (conn.engine.url.render_as_string(), execution_id, resolution)
    kept = settled.get(key)
    if kept is not None:
        return kept
    usage = _read_usage(conn, execution, now=now, resolution=resolution)
    ended = execution.completed_at
    if execution.status.is_final and ended is not None and now - ended >= SETTLED_AFTER:
        settled.put(key, usage)
    return usage


def _read_usage(
    conn: Connection, execution: Execution, *, now: datetime, resolution: int
) -> ResourceUsage:
    execution_id = execution.execution_id
    span = sample_store.find_sample_range(conn, execution_id)
    buckets: list[SampleBucket] = []
    if span is not None:
        first, last = span
        if sample_store.has_more_samples(conn, execution_id, resolution):
            buckets = read_buckets(conn, execution_id, first=first, last=last, points=resolution)
        else:
            buckets = [
                SampleBucket(s.at, s.at, 1, s.cpu_percent, s.rss_bytes)
                for s in sample_store.list_samples(conn, execution_id)
            ]
    origin = execution.started_at or (span[0] if span else now)
    end = execution.completed_at or (now if execution.status is ExecutionStatus.RUNNING else None)
    elapsed = max(
        (end - origin).total_seconds() if end else 0.0,
        _seconds(span[1], origin) if span else 0.0,
    )
    return ResourceUsage(
        execution=execution,
        resolution=resolution,
        samples=sum(b.samples for b in buckets),
        downsampled=any(b.samples > 1 for b in buckets),
        elapsed=elapsed,
        cpu=_series(conn, execution_id, "cpu", "percent", "cpu_percent", buckets, origin),
        memory=_series(conn, execution_id, "memory", "bytes", "rss_bytes", buckets, origin),
    )


def _series(
    conn: Connection,
    execution_id: str,
    name: str,
    unit: str,
    measure: Measure,
    buckets: Sequence[SampleBucket],
    origin: datetime,
) -> Series:
    points = tuple(Point(_seconds(b.first_at, origin), float(getattr(b, measure))) for b in buckets)
    if not buckets:
        return Series(name, unit, points, None)
    top = max(buckets, key=lambda b: getattr(b, measure))
    at = top.first_at
    if top.first_at != top.last_at:  # a bucket's span: find its peak's instant
        found = sample_store.find_peak_sample(
            conn, execution_id, measure, first=top.first_at - EDGE, last=top.last_at + EDGE
        )
        at = found.at if found else at
    return Series(name, unit, points, Point(_seconds(at, origin), float(getattr(top, measure))))


def _seconds(at: datetime, origin: datetime) -> float:
    return max(0.0, (at - origin).total_seconds())


def usage_json(usage: ResourceUsage) -> dict[str, Any]:
    """The API's body: both series as `[elapsed_seconds, value]` pairs, with units and peaks."""
    e = usage.execution
    return {
        "execution_id": e.execution_id,
        "status": str(e.status),
        "finished": e.status.is_final,
        "started_at": iso(e.started_at),
        "elapsed_seconds": round(usage.elapsed, 3),
        "resolution": usage.resolution,
        "samples": usage.samples,
        "downsampled": usage.downsampled,
        "series": {s.name: _series_json(s) for s in (usage.cpu, usage.memory)},
    }


def _series_json(series: Series) -> dict[str, Any]:
    digits = 2 if series.unit == "percent" else 0
    peak = series.peak
    return {
        "unit": series.unit,
        "points": [[round(p.elapsed, 3), _round(p.value, digits)] for p in series.points],
        "peak": None
        if peak is None
        else {"elapsed_seconds": round(peak.elapsed, 3), "value": _round(peak.value, digits)},
    }


def _round(value: float, digits: int) -> float | int:
    return int(value) if digits == 0 else round(value, digits)
