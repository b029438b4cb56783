"""Leases: which `serve` process runs each background loop, taken and renewed by
compare-and-set so that two processes sharing a database never hold one at once.

`take` is an insert that does nothing when the row exists (ON CONFLICT DO NOTHING on
both backends), then an update that succeeds only for the holder or once the lease has
expired; its row count is the answer. On PostgreSQL a concurrent update of the same row
waits and re-checks the condition on the row the other committed, so only one wins; on
SQLite the write lock serialises the pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, Executable, case, delete, or_, select, update

from runplane.store.tables import leases as t


@dataclass(frozen=True)
class Holding:
    """Who holds the lease `name` since when, until `expires_at` unless renewed."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def take(conn: Connection, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take or renew `name` for `holder` until `now + ttl`; False while another holds it.

    Renewing keeps `acquired_at`; taking a lease over from an expired holder sets it.
    """
    until = now + ttl
    conn.execute(
        _insert_if_absent(conn.dialect.name),
        {"name": name, "holder": holder, "acquired_at": now, "expires_at": until},
    )
    result = conn.execute(
        update(t)
        .where(t.c.name == name, or_(t.c.holder == holder, t.c.expires_at < now))
        .values(
            holder=holder,
            acquired_at=case((t.c.holder == holder, t.c.acquired_at), else_=now),
            expires_at=until,
        )
    )
    return result.rowcount == 1


def release(conn: Connection, name: str, holder: str) -> bool:
    """Give `name` up so another process takes it at once; False if `holder` no longer
    held it (it expired and was taken over)."""
    result = conn.execute(delete(t).where(t.c.name == name, t.c.holder == holder))
    return result.rowcount == 1


def find_lease(conn: Connection, name: str) -> Holding | None:
    """The row of `name`, expired or not."""
    row = conn.execute(select(t).where(t.c.name == name)).first()
    return None if row is None else Holding(row.name, row.holder, row.acquired_at, row.expires_at)


def list_leases(conn: Connection, *, now: datetime) -> list[Holding]:
    """The leases held at `now` (not expired), by name."""
    rows = conn.execute(select(t).where(t.c.expires_at >= now).order_by(t.c.name))
    return [Holding(r.name, r.holder, r.acquired_at, r.expires_at) for r in rows]


@cache
def _insert_if_absent(dialect: str) -> Executable:
    """INSERT ... ON CONFLICT (name) DO NOTHING, built once per dialect."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    return dialect_insert(t).on_conflict_do_nothing(index_elements=[t.c.name])
