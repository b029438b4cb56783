"""The audit trail: entries are inserted, never updated or deleted — except the `count` of
an aggregated entry (refused requests, one row per address and minute), which grows.

Pages are newest first by `entry_id`; a cursor is the last id of the previous page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Row, func, insert, select

from runplane.model.audit import AuditAction, AuditEntry
from runplane.store.tables import audit_log as t


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    actions: frozenset[AuditAction] = frozenset()
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def insert_entry(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(insert(t).values(_to_row(entry)))


def insert_or_count(conn: Connection, entry: AuditEntry, bucket: str) -> None:
    """Add one to the entry of `bucket` (e.g. its address and minute), or insert `entry`
    as that bucket's first, in one statement that concurrent servers cannot race."""
    values = _to_row(entry) | {"bucket": bucket}
    statement: Executable
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(t).values(values)
        statement = pg.on_conflict_do_update(
            index_elements=["bucket"], set_={"count": t.c.count + pg.excluded.count}
        )
    else:
        from sqlalchemy.dialects import sqlite

        lite = sqlite.insert(t).values(values)
        statement = lite.on_conflict_do_update(
            index_elements=["bucket"], set_={"count": t.c.count + lite.excluded.count}
        )
    conn.execute(statement)


def list_entries(
    conn: Connection, query: AuditFilter, *, limit: int, before: int | None = None
) -> list[AuditEntry]:
    """Newest first; `before` is the `entry_id` the previous page ended with."""
    statement = select(t).order_by(t.c.entry_id.desc()).limit(limit)
    for condition in _where(query):
        statement = statement.where(condition)
    if before is not None:
        statement = statement.where(t.c.entry_id < before)
    return [_from_row(row) for row in conn.execute(statement)]


def iter_entries(
    conn: Connection, query: AuditFilter, *, batch: int = 1000
) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, read in batches (an export of any size)."""
    after = 0
    while True:
        statement = select(t).where(t.c.entry_id > after).order_by(t.c.entry_id).limit(batch)
        for condition in _where(query):
            statement = statement.where(condition)
        rows = [_from_row(row) for row in conn.execute(statement)]
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].entry_id or after


def list_target_entries(
    conn: Connection, targets: list[str], *, limit: int = 200
) -> list[AuditEntry]:
    """The entries about any of `targets`, oldest first (an execution's part of the trail)."""
    rows = conn.execute(
        select(t).where(t.c.target.in_(targets)).order_by(t.c.entry_id).limit(limit)
    )
    return [_from_row(row) for row in rows]


def list_action_times(
    conn: Connection,
    action: AuditAction,
    *,
    since: datetime,
    target: str | None = None,
    address: str | None = None,
) -> list[datetime]:
    """When `action` happened after `since`, about `target` or from `address`, oldest
    first (what a login lockout counts)."""
    statement = select(t.c.at).where(t.c.action == str(action), t.c.at > since)
    if target is not None:
        statement = statement.where(t.c.target == target)
    if address is not None:
        statement = statement.where(t.c.address == address)
    return [row.at for row in conn.execute(statement.order_by(t.c.at))]


def count_entries(conn: Connection, query: AuditFilter = AuditFilter()) -> int:
    statement = select(func.count()).select_from(t)
    for condition in _where(query):
        statement = statement.where(condition)
    return int(conn.execute(statement).scalar_one())


def _where(query: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if query.actor is not None:
        conditions.append(t.c.actor == query.actor)
    if query.actions:
        conditions.append(t.c.action.in_(sorted(str(a) for a in query.actions)))
    if query.target is not None:
        conditions.append(t.c.target == query.target)
    if query.since is not None:
        conditions.append(t.c.at >= query.since)
    if query.until is not None:
        conditions.append(t.c.at < query.until)
    return conditions


def _to_row(e: AuditEntry) -> dict[str, Any]:
    return {
        "at": e.at,
        "actor": e.actor[:200],
        "action": str(e.action),
        "target": e.target[:300],
        "detail": e.detail,
        "address": None if e.address is None else e.address[:64],
        "user_agent": None if e.user_agent is None else e.user_agent[:300],
        "token": e.token,
        "count": e.count,
    }


def _from_row(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        entry_id=row.entry_id,
        at=row.at,
        actor=row.actor,
        action=AuditAction(row.action),
        target=row.target,
        detail=row.detail or {},
        address=row.address,
        user_agent=row.user_agent,
        token=row.token,
        count=row._mapping["count"],
    )
