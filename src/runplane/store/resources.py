"""CPU and memory samples per running execution, for resource graphs in the advanced tier
and for the memory GB-seconds and CPU seconds its cost is made of.

The sampler appends them; the graphs read them whole when there are few, or as buckets of
elapsed time (each bucket's peaks) when there are many, so that the database, not Python,
walks the (execution_id, at) index of a long run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    cast,
    extract,
    func,
    insert,
    literal,
    select,
)

from runplane.store.tables import resource_samples as t


@dataclass(frozen=True)
class ResourceSample:
    """One sample of an execution's process tree: CPU use since the previous sample (in
    percent of one core), summed RSS, and cumulative CPU seconds of the tree."""

    execution_id: str
    at: datetime
    cpu_percent: float
    rss_bytes: int
    cpu_seconds: float | None = None


@dataclass(frozen=True)
class SampleBucket:
    """Samples close together in time: the span they fall in, how many, and their peaks."""

    first_at: datetime
    last_at: datetime
    """The span's bounds (both the instant of the sample, for a bucket of one)."""
    samples: int
    cpu_percent: float
    """The highest CPU % of the bucket."""
    rss_bytes: int
    """The largest RSS of the bucket."""


Measure = Literal["cpu_percent", "rss_bytes"]


def insert_samples(conn: Connection, samples: Sequence[ResourceSample]) -> None:
    if samples:
        conn.execute(
            insert(t),
            [
                {
                    "execution_id": s.execution_id,
                    "at": s.at,
                    "cpu_percent": s.cpu_percent,
                    "rss_bytes": s.rss_bytes,
                    "cpu_seconds": s.cpu_seconds,
                }
                for s in samples
            ],
        )


def list_samples(conn: Connection, execution_id: str) -> list[ResourceSample]:
    rows = conn.execute(select(t).where(t.c.execution_id == execution_id).order_by(t.c.at))
    return [
        ResourceSample(r.execution_id, r.at, r.cpu_percent, r.rss_bytes, r.cpu_seconds)
        for r in rows
    ]


def find_sample_range(conn: Connection, execution_id: str) -> tuple[datetime, datetime] | None:
    """The first and last sample's instants (two index look-ups), or None without samples."""
    ordered = select(t.c.at).where(t.c.execution_id == execution_id).limit(1)
    first = conn.execute(ordered.order_by(t.c.at)).scalar()
    last = conn.execute(ordered.order_by(t.c.at.desc())).scalar()
    return None if first is None or last is None else (first, last)


def has_more_samples(conn: Connection, execution_id: str, than: int) -> bool:
    """Whether the execution has more than `than` samples, reading at most that many index
    entries (a count would read them all)."""
    query = select(t.c.at).where(t.c.execution_id == execution_id).order_by(t.c.at)
    return conn.execute(query.offset(than).limit(1)).first() is not None


def list_sample_buckets(
    conn: Connection, execution_id: str, *, origin: datetime, width: float, since: datetime
) -> list[SampleBucket]:
    """The samples from `since` on, grouped in spans of `width` seconds counted from
    `origin` (bucket n covers `origin + n * width` to the next), oldest first; a span
    without samples is left out.

    One GROUP BY over the execution's range of the (execution_id, at) index, carrying
    only the bucket number and the peaks (the database sorts what it groups, so narrow
    rows are what keeps 100,000 samples quick); the bucket expression is the dialect's
    own elapsed-seconds arithmetic (SQLite's `julianday`, PostgreSQL's `extract(epoch)`),
    the same for a sample on every call.
    """
    bucket = _bucket(conn.dialect.name, origin, 1 / width).label("bucket")
    query = (
        select(
            bucket,
            func.count().label("samples"),
            func.max(t.c.cpu_percent).label("cpu_percent"),
            func.max(t.c.rss_bytes).label("rss_bytes"),
        )
        .where(t.c.execution_id == execution_id, t.c.at >= since)
        .group_by(bucket)
        .order_by(bucket)
    )
    return [
        SampleBucket(
            origin + timedelta(seconds=r.bucket * width),
            origin + timedelta(seconds=(r.bucket + 1) * width),
            r.samples,
            r.cpu_percent,
            int(r.rss_bytes),
        )
        for r in conn.execute(query)
    ]


def find_peak_sample(
    conn: Connection, execution_id: str, measure: Measure, *, first: datetime, last: datetime
) -> ResourceSample | None:
    """The sample with the highest `measure` between `first` and `last` (inclusive), the
    earliest of equals: where in its bucket a peak really was."""
    column = t.c[measure]
    query = (
        select(t)
        .where(t.c.execution_id == execution_id, t.c.at >= first, t.c.at <= last)
        .order_by(column.desc(), t.c.at)
        .limit(1)
    )
    r = conn.execute(query).first()
    if r is None:
        return None
    return ResourceSample(r.execution_id, r.at, r.cpu_percent, r.rss_bytes, r.cpu_seconds)


def _bucket(dialect: str, origin: datetime, per_second: float) -> ColumnElement[int]:
    """`floor((at - origin) * per_second)`."""
    rate = literal(per_second, Float)
    if dialect == "sqlite":
        start = literal(origin.timestamp() / 86400 + UNIX_EPOCH_JULIAN_DAY, Float)
        return cast((func.julianday(t.c.at) - start) * 86400.0 * rate, Integer)  # at >= origin
    epoch = extract("epoch", t.c.at) - literal(origin.timestamp(), Float)
    return cast(func.floor(epoch * rate), Integer)


UNIX_EPOCH_JULIAN_DAY = 2440587.5
"""SQLite's `julianday('1970-01-01')`: the start is converted once, not on every row."""


def list_usage(conn: Connection, execution_id: str) -> list[tuple[datetime, int, float]]:
    """`(at, rss_bytes, cpu_seconds)` of each sample, oldest first: what a cost is made of
    (read in the finishing transaction, so only the three columns)."""
    rows = conn.execute(
        select(t.c.at, t.c.rss_bytes, t.c.cpu_seconds)
        .where(t.c.execution_id == execution_id)
        .order_by(t.c.at)
    )
    return [(at, int(rss), float(cpu or 0.0)) for at, rss, cpu in rows]
