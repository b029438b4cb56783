"""Searching every execution's log: a parsed `LogSearch` compiled for the backend's index
(FTS5 MATCH on SQLite, a tsquery on PostgreSQL), the executions with a matching line
newest first, then their first matching lines and those lines' neighbours.

Only words of letters and digits reach the index's syntax, each quoted, so no user text
can be read as an operator: `sales.eu` was already the phrase "sales eu".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
)

from runplane.model import LogLine
from runplane.model.log_query import LogSearch
from runplane.store.executions import Cursor, ExecutionFilter, older_than
from runplane.store.log_index import FTS_TABLE, PG_DOCUMENT
from runplane.store.tables import execution_logs as logs
from runplane.store.tables import executions as e

SKEW = timedelta(days=1)
"""How much earlier than its execution's creation a line may be stamped (the clock of
another machine) and still be searched in a window."""


@dataclass(frozen=True)
class Hits:
    """One execution's first matching line numbers and how many lines match in all."""

    seqs: tuple[int, ...]
    total: int


def compile_fts5(search: LogSearch) -> str:
    """`"sales eu" AND "time"*`: each phrase quoted, all required."""
    return " AND ".join(
        '"' + " ".join(p.words) + '"' + ("*" if p.prefix else "") for p in search.phrases
    )


def compile_tsquery(search: LogSearch) -> str:
    """`'sales' <-> 'eu' & 'time':*`: each phrase's words in order, all required."""
    parts = []
    for phrase in search.phrases:
        words = [f"'{w}'" for w in phrase.words]
        if phrase.prefix:
            words[-1] += ":*"
        parts.append(" <-> ".join(words))
    return " & ".join(parts)


def list_matching_executions(
    conn: Connection,
    search: LogSearch,
    filter: ExecutionFilter,
    *,
    levels: Collection[str] = (),
    limit: int = 20,
    after: Cursor | None = None,
) -> list[tuple[str, datetime]]:
    """`(execution_id, created_at)` of executions with a matching line, newest first.

    With words to match, the index finds the lines first and their executions are
    grouped; a line older than the window (by `SKEW`) is dropped before its execution
    is looked up, as no execution created in the window wrote it. A level-only search
    walks the executions newest first instead, asking the `(execution_id, level, seq)`
    index of each whether it has such a line.
    """
    where = filter.where(conn.dialect.name) + ([older_than(after)] if after is not None else [])
    order = (e.c.created_at.desc(), e.c.execution_id.desc())
    if not search.phrases:
        line = select(logs.c.seq).where(
            logs.c.execution_id == e.c.execution_id, logs.c.level.in_(sorted(levels))
        )
        query = select(e.c.execution_id, e.c.created_at).where(*where, exists(line))
        return [(r[0], r[1]) for r in conn.execute(query.order_by(*order).limit(limit))]
    matching = _matching_lines(conn, search, levels)
    if filter.since is not None:
        matching = matching.where(logs.c.at >= filter.since - SKEW)
    lines = matching.subquery()
    query = (
        select(e.c.execution_id, e.c.created_at)
        .join(lines, lines.c.execution_id == e.c.execution_id)
        .where(*where)
        .group_by(e.c.execution_id, e.c.created_at)
        .order_by(*order)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in conn.execute(query)]


def list_hits(
    conn: Connection,
    search: LogSearch,
    execution_ids: Collection[str],
    *,
    levels: Collection[str] = (),
    per_execution: int = 5,
) -> dict[str, Hits]:
    """The first `per_execution` matching lines of each execution and its count of them."""
    if not execution_ids:
        return {}
    matching = _matching_lines(conn, search, levels, execution_ids).add_columns(
        func.row_number().over(partition_by=logs.c.execution_id, order_by=logs.c.seq).label("n"),
        func.count().over(partition_by=logs.c.execution_id).label("total"),
    )
    ranked = matching.subquery()
    query = (
        select(ranked.c.execution_id, ranked.c.seq, ranked.c.total)
        .where(ranked.c.n <= per_execution)
        .order_by(ranked.c.execution_id, ranked.c.seq)
    )
    found: dict[str, tuple[list[int], int]] = {}
    for execution_id, seq, total in conn.execute(query):
        found.setdefault(execution_id, ([], total))[0].append(seq)
    return {k: Hits(tuple(seqs), total) for k, (seqs, total) in found.items()}


def list_lines_at(conn: Connection, wanted: Mapping[str, Collection[int]]) -> list[LogLine]:
    """The lines with these numbers, per execution, in log order."""
    clauses = [
        and_(logs.c.execution_id == execution_id, logs.c.seq.in_(sorted(seqs)))
        for execution_id, seqs in wanted.items()
        if seqs
    ]
    if not clauses:
        return []
    query = select(logs).where(or_(*clauses)).order_by(logs.c.execution_id, logs.c.seq)
    return [LogLine(r.execution_id, r.seq, r.at, r.level, r.message) for r in conn.execute(query)]


def _matching_lines(
    conn: Connection,
    search: LogSearch,
    levels: Collection[str],
    execution_ids: Collection[str] = (),
) -> Select[tuple[str, int]]:
    clauses = [_match(conn, search)] if search.phrases else []
    if levels:
        clauses.append(logs.c.level.in_(sorted(levels)))
    if execution_ids:
        clauses.append(logs.c.execution_id.in_(sorted(execution_ids)))
    query = select(logs.c.execution_id, logs.c.seq)
    if conn.dialect.name == "sqlite" and search.phrases:
        rowid: ColumnElement[int] = literal_column("execution_logs.rowid")
        query = query.select_from(logs.join(_fts, _fts.c.rowid == rowid))
    return query.where(*clauses)


_fts = table(FTS_TABLE, column("rowid"))


def _match(conn: Connection, search: LogSearch) -> ColumnElement[bool]:
    if conn.dialect.name == "sqlite":
        return literal_column(FTS_TABLE).bool_op("MATCH")(compile_fts5(search))
    query = func.to_tsquery(literal_column("'simple'"), compile_tsquery(search))
    return literal_column(PG_DOCUMENT).bool_op("@@")(query)
