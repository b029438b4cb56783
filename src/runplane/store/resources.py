"""CPU and memory samples per running execution, for resource graphs in the advanced tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from runplane.store.tables import resource_samples as t


@dataclass(frozen=True)
class ResourceSample:
    execution_id: str
    at: datetime
    cpu_percent: float
    rss_bytes: int


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
                }
                for s in samples
            ],
        )


def list_samples(conn: Connection, execution_id: str) -> list[ResourceSample]:
    rows = conn.execute(select(t).where(t.c.execution_id == execution_id).order_by(t.c.at))
    return [ResourceSample(r.execution_id, r.at, r.cpu_percent, r.rss_bytes) for r in rows]
