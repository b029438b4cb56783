"""Captures: the data one execution wrote, invisible to readers until it is published.

Pipelines write rows under their capture id in many short transactions; the engine
publishes every capture of an execution in the same transaction as its final status.
A domain keeps its own rows by capture id and asks here which of them readers may see.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, Update, bindparam, delete, func, insert, select, update

from runplane.model import ExecutionStatus
from runplane.store import prepared
from runplane.store.tables import captures as t
from runplane.store.tables import executions


@dataclass(frozen=True)
class Capture:
    capture_id: str
    asset: str
    execution_id: str
    pipeline: str
    created_at: datetime
    published_at: datetime | None
    rows: int | None


def insert_capture(
    conn: Connection, *, capture_id: str, asset: str, execution_id: str, pipeline: str, at: datetime
) -> None:
    conn.execute(
        insert(t).values(
            capture_id=capture_id,
            asset=asset,
            execution_id=execution_id,
            pipeline=pipeline,
            created_at=at,
        )
    )


def publish_captures(conn: Connection, execution_id: str, at: datetime) -> int:
    """Make every capture of an execution visible; call inside the final-status transaction."""
    values = {"w_id": execution_id, "v_published_at": at}
    published, _ = prepared.execute(conn, "publish_captures", _publish, values)
    return published


def _publish() -> Update:
    return (
        update(t)
        .where(t.c.execution_id == bindparam("w_id"), t.c.published_at.is_(None))
        .values(prepared.bound(t, ("published_at",), prefix="v_"))
    )


def find_latest_published(conn: Connection, asset: str) -> Capture | None:
    row = conn.execute(
        select(t)
        .where(t.c.asset == asset, t.c.published_at.is_not(None))
        .order_by(t.c.published_at.desc(), t.c.capture_id.desc())
        .limit(1)
    ).first()
    return None if row is None else Capture(**row._mapping)


def list_captures(conn: Connection, *assets: str) -> list[Capture]:
    """Every capture of these assets, published or not, newest first (point-in-time history)."""
    rows = conn.execute(
        select(t)
        .where(t.c.asset.in_(assets))
        .order_by(t.c.created_at.desc(), t.c.capture_id.desc())
    )
    return [Capture(**row._mapping) for row in rows]


ID_SLICE = 900
"""Capture ids per statement: under the 999 parameters of the oldest SQLite builds."""


@dataclass(frozen=True)
class Publication:
    """That a capture is published: by which execution, when. What a domain's readers need
    beside its own rows of the capture."""

    capture_id: str
    execution_id: str
    published_at: datetime


def list_publications(conn: Connection, capture_ids: Collection[str]) -> list[Publication]:
    """The publications of those of `capture_ids` that are published, in no set order."""
    ids = sorted(set(capture_ids))
    found = []
    for start in range(0, len(ids), ID_SLICE):
        rows = conn.execute(
            select(t.c.capture_id, t.c.execution_id, t.c.published_at).where(
                t.c.capture_id.in_(ids[start : start + ID_SLICE]), t.c.published_at.is_not(None)
            )
        )
        found += [Publication(*row) for row in rows]
    return found


def list_execution_captures(conn: Connection, execution_id: str) -> list[Capture]:
    rows = conn.execute(select(t).where(t.c.execution_id == execution_id).order_by(t.c.asset))
    return [Capture(**row._mapping) for row in rows]


_STILL_RUNNING = (str(ExecutionStatus.PENDING), str(ExecutionStatus.RUNNING))


def list_unpublished_of_ended(conn: Connection, *, limit: int | None = 100) -> list[Capture]:
    """Captures no reader will ever see: unpublished, of an execution that has ended (it
    published in its final transaction, or never will)."""
    rows = conn.execute(
        select(t)
        .join(executions, executions.c.execution_id == t.c.execution_id)
        .where(t.c.published_at.is_(None), executions.c.status.not_in(_STILL_RUNNING))
        .order_by(t.c.created_at, t.c.capture_id)
        .limit(limit)
    )
    return [Capture(**row._mapping) for row in rows]


def count_capture_rows(
    conn: Connection, tables: Sequence[Table], capture_ids: Collection[str]
) -> int:
    """Rows the domains' `tables` hold under these captures."""
    ids = sorted(set(capture_ids))
    total = 0
    for table in tables:
        for start in range(0, len(ids), ID_SLICE):
            found = table.c.capture_id.in_(ids[start : start + ID_SLICE])
            total += conn.execute(select(func.count()).select_from(table).where(found)).scalar_one()
    return total


def delete_captures(conn: Connection, tables: Sequence[Table], capture_ids: Collection[str]) -> int:
    """Delete these captures and the domains' rows of them; returns the rows deleted."""
    ids = sorted(set(capture_ids))
    deleted = 0
    for start in range(0, len(ids), ID_SLICE):
        chunk = ids[start : start + ID_SLICE]
        for table in tables:
            deleted += conn.execute(delete(table).where(table.c.capture_id.in_(chunk))).rowcount
        conn.execute(delete(t).where(t.c.capture_id.in_(chunk)))
    return deleted
