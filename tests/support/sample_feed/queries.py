"""The sample feed's one read: the days with published readings. Which captures are
published, the core's `store.captures` says; the readings are the domain's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from runplane.store import captures as capture_store
from tests.support.sample_feed.tables import readings


@dataclass(frozen=True)
class Day:
    day: date
    readings: int
    capture_id: str
    published_at: datetime


def list_days(conn: Connection) -> list[Day]:
    """Each day's latest published capture, newest day first."""
    rows = conn.execute(
        select(readings.c.capture_id, readings.c.day, func.count()).group_by(
            readings.c.capture_id, readings.c.day
        )
    ).all()
    published = {
        p.capture_id: p for p in capture_store.list_publications(conn, [r[0] for r in rows])
    }
    latest: dict[date, Day] = {}
    for capture_id, day, count in rows:
        if capture_id in published:
            found = Day(day, count, capture_id, published[capture_id].published_at)
            if day not in latest or found.published_at > latest[day].published_at:
                latest[day] = found
    return sorted(latest.values(), key=lambda d: d.day, reverse=True)
