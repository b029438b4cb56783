"""Worker rows: every process that runs executions registers here and sends heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from runplane.model import Worker
from runplane.store.tables import workers as t


def insert_worker(conn: Connection, worker: Worker) -> None:
    conn.execute(
        insert(t).values(
            worker_id=worker.worker_id,
            host=worker.host,
            pid=worker.pid,
            process_started_at=worker.process_started_at,
            kind=worker.kind,
            scope=worker.info.get("scope"),
            max_workers=worker.max_workers,
            started_at=worker.started_at,
            heartbeat_at=worker.heartbeat_at,
            name=worker.name,
            queues=list(worker.queues) or None,
            busy=worker.busy,
        )
    )


def update_heartbeat(
    conn: Connection, worker_id: str, at: datetime, *, busy: int | None = None
) -> None:
    values: dict[str, Any] = {"heartbeat_at": at}
    if busy is not None:
        values["busy"] = busy
    conn.execute(update(t).where(t.c.worker_id == worker_id).values(**values))


def update_stopped(conn: Connection, worker_id: str, at: datetime) -> None:
    conn.execute(update(t).where(t.c.worker_id == worker_id).values(stopped_at=at))


def find_worker(conn: Connection, worker_id: str) -> Worker | None:
    row = conn.execute(select(t).where(t.c.worker_id == worker_id)).first()
    return None if row is None else _worker(row._mapping)


def list_live_workers(
    conn: Connection, *, since: datetime, kind: str | None = None
) -> list[Worker]:
    """Workers not stopped whose last heartbeat is at or after `since`."""
    query = select(t).where(t.c.stopped_at.is_(None), t.c.heartbeat_at >= since)
    if kind is not None:
        query = query.where(t.c.kind == kind)
    return [_worker(row._mapping) for row in conn.execute(query.order_by(t.c.started_at))]


def _worker(m: Any) -> Worker:
    return Worker(
        worker_id=m["worker_id"],
        host=m["host"],
        pid=m["pid"],
        process_started_at=m["process_started_at"],
        kind=m["kind"],
        started_at=m["started_at"],
        heartbeat_at=m["heartbeat_at"],
        stopped_at=m["stopped_at"],
        max_workers=m["max_workers"],
        info={"scope": m["scope"]} if m["scope"] else {},
        name=m["name"],
        queues=tuple(m["queues"] or ()),
        busy=m["busy"],
    )
