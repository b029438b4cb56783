"""An execution's samples in time buckets, for its resource graphs, and what a server
process keeps of them between requests.

The buckets lie on a grid: spans of a power-of-two number of seconds counted from the
first sample, the narrowest in which the run fits `points` buckets. A running execution's
grid stays put while it grows (when it outgrows it, pairs of buckets merge exactly into
the next width), so the buckets before its newest two, which no sample can reach any more
(samples come in time order), are kept: each auto-refresh reads only the newest few
index entries, and the points do not shift between refreshes. A settled execution's
whole usage is kept by `resources.py`.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import Connection

from runplane.store import resources as sample_store
from runplane.store.resources import SampleBucket

MARGIN = timedelta(milliseconds=1)
"""Re-read this far before the first open bucket: the database's float arithmetic may put a
sample right on a bound into the bucket beside it, and it must be read with that bucket."""
KEPT = 256
"""How many executions' buckets (and settled usages) a server process keeps."""


@dataclass(frozen=True)
class Grid:
    """An execution's buckets so far: `width` seconds each, counted from `origin`."""

    origin: datetime
    width: float
    done: tuple[SampleBucket, ...]
    """Buckets before the newest two: no new sample can fall in them."""
    frontier: int
    """The number of the first bucket read again on the next request."""


def grid_width(seconds: float, points: int) -> float:
    """The narrowest power-of-two seconds in which `seconds` fits at most `points` buckets."""
    if seconds <= 0:
        return 1.0
    return float(2.0 ** math.ceil(math.log2(seconds / (points - 1))))


def read_buckets(
    conn: Connection, execution_id: str, *, first: datetime, last: datetime, points: int
) -> list[SampleBucket]:
    """At most `points` buckets from the first sample to the last, reading only what the
    grid kept from the previous request does not already hold."""
    key = (conn.engine.url.render_as_string(), execution_id, points)
    width = grid_width((last - first).total_seconds(), points)
    grid = grids.get(key)
    if grid is None or grid.origin != first or grid.width > width:
        grid = Grid(first, width, (), 0)
    while grid.width < width:
        grid = _coarser(grid)
    since = grid.origin + timedelta(seconds=grid.frontier * grid.width) - MARGIN
    fresh = sample_store.list_sample_buckets(
        conn, execution_id, origin=grid.origin, width=grid.width, since=since
    )
    buckets = [*grid.done, *(b for b in fresh if _number(grid, b) >= grid.frontier)]
    if len(buckets) > 2:
        grid = replace(grid, done=tuple(buckets[:-2]), frontier=_number(grid, buckets[-2]))
    grids.put(key, grid)
    return buckets


def _number(grid: Grid, bucket: SampleBucket) -> int:
    return round((bucket.first_at - grid.origin).total_seconds() / grid.width)


def _coarser(grid: Grid) -> Grid:
    """The same buckets at twice the width: each pair merged; an unfinished pair is left
    to be read again."""
    width = grid.width * 2
    frontier = grid.frontier // 2
    merged: dict[int, SampleBucket] = {}
    for b in grid.done:
        n = _number(grid, b) // 2
        if n >= frontier:
            continue
        known = merged.get(n)
        merged[n] = b if known is None else _merge(known, b)
    done = tuple(
        replace(
            b,
            first_at=grid.origin + timedelta(seconds=n * width),
            last_at=grid.origin + timedelta(seconds=(n + 1) * width),
        )
        for n, b in sorted(merged.items())
    )
    return Grid(grid.origin, width, done, frontier)


def _merge(a: SampleBucket, b: SampleBucket) -> SampleBucket:
    return SampleBucket(
        a.first_at,
        b.last_at,
        a.samples + b.samples,
        max(a.cpu_percent, b.cpu_percent),
        max(a.rss_bytes, b.rss_bytes),
    )


K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """At most `size` values, the least recently read dropped first; thread-safe."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


grids: Kept[tuple[str, str, int], Grid] = Kept(KEPT)
