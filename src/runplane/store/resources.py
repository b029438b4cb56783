"""CPU and memory samples per running execution, for resource graphs in the advanced tier
and for the memory GB-seconds and CPU seconds its cost is made of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

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


def list_usage(conn: Connection, execution_id: str) -> list[tuple[datetime, int, float]]:
    """`(at, rss_bytes, cpu_seconds)` of each sample, oldest first: what a cost is made of
    (read in the finishing transaction, so only the three columns)."""
    rows = conn.execute(
        select(t.c.at, t.c.rss_bytes, t.c.cpu_seconds)
        .where(t.c.execution_id == execution_id)
        .order_by(t.c.at)
    )
    return [(at, int(rss), float(cpu or 0.0)) for at, rss, cpu in rows]
