"""Execution log lines: appended in batches by the runner, read in pages and searched."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from runplane.model import LogLine
from runplane.store import prepared
from runplane.store.database import Database
from runplane.store.log_index import index_batch
from runplane.store.tables import execution_logs as t


def insert_log_lines(conn: Connection, lines: Sequence[LogLine]) -> None:
    """Append lines and index them for search, in the caller's transaction."""
    if not lines:
        return
    rows = [
        {
            "execution_id": line.execution_id,
            "seq": line.seq,
            "at": line.at,
            "level": line.level,
            "message": line.message,
        }
        for line in lines
    ]
    prepared.insert_many(conn, t, rows)
    batches: dict[str, list[int]] = {}
    for line in lines:
        batches.setdefault(line.execution_id, []).append(line.seq)
    for execution_id, seqs in batches.items():
        index_batch(conn, execution_id, seqs)


def list_log_lines(
    conn: Connection,
    execution_id: str,
    *,
    after: int = 0,
    limit: int | None = 1000,
    levels: Sequence[str] = (),
    search: str | None = None,
) -> list[LogLine]:
    """Lines after sequence number `after`, oldest first, optionally filtered server-side."""
    query = select(t).where(t.c.execution_id == execution_id, t.c.seq > after)
    if levels:
        query = query.where(t.c.level.in_(list(levels)))
    if search:
        query = query.where(func.lower(t.c.message).contains(search.lower(), autoescape=True))
    query = query.order_by(t.c.seq)
    if limit is not None:
        query = query.limit(limit)
    return [_line(row._mapping) for row in conn.execute(query)]


def list_log_lines_before(
    conn: Connection,
    execution_id: str,
    *,
    before: int,
    limit: int = 1000,
    levels: Sequence[str] = (),
    search: str | None = None,
) -> list[LogLine]:
    """The last `limit` lines before sequence number `before`, oldest first (scrolling up)."""
    query = select(t).where(t.c.execution_id == execution_id, t.c.seq < before)
    if levels:
        query = query.where(t.c.level.in_(list(levels)))
    if search:
        query = query.where(func.lower(t.c.message).contains(search.lower(), autoescape=True))
    rows = conn.execute(query.order_by(t.c.seq.desc()).limit(limit))
    return [_line(row._mapping) for row in rows][::-1]


def iter_log_lines(conn: Connection, execution_id: str, *, batch: int = 5000) -> Iterator[LogLine]:
    """Every line of one execution, fetched in batches (for downloads)."""
    after = 0
    while True:
        lines = list_log_lines(conn, execution_id, after=after, limit=batch)
        yield from lines
        if len(lines) < batch:
            return
        after = lines[-1].seq


def read_log_text(db: Database, execution_id: str, *, batch: int = 1000) -> Iterator[str]:
    """The whole log as text (`HH:MM:SS.mmm LEVEL message` lines), a batch per short read
    transaction, so a slow download never keeps one open; a batch is at most `batch`
    capped lines (16 MB at 16 KB a line), so serving it costs the same for any log size."""
    after = 0
    while True:
        with db.read() as conn:
            lines = list_log_lines(conn, execution_id, after=after, limit=batch)
        if lines:
            yield "".join(line.as_text() + "\n" for line in lines)
        if len(lines) < batch:
            return
        after = lines[-1].seq


def count_log_lines(conn: Connection, execution_id: str) -> int:
    query = select(func.max(t.c.seq)).where(t.c.execution_id == execution_id)
    return conn.execute(query).scalar() or 0


def find_first_error_seq(conn: Connection, execution_id: str) -> int | None:
    query = select(func.min(t.c.seq)).where(t.c.execution_id == execution_id, t.c.level == "ERROR")
    return conn.execute(query).scalar()


def _line(m: Any) -> LogLine:
    return LogLine(
        execution_id=m["execution_id"],
        seq=m["seq"],
        at=m["at"],
        level=m["level"],
        message=m["message"],
    )
