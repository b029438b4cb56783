"""The full-text index of log lines, per backend: its DDL (for the migration and the
benchmark, which times the log writer with it and without it) and the expression both
the index and the search use on PostgreSQL.

SQLite keeps an FTS5 table `execution_logs_fts` with external content (the lines stay in
`execution_logs` only, the index holds their words). `store.logs.insert_log_lines` indexes
each batch with one more statement in the writer's transaction (`index_batch`): a trigger
per line costs five times as much as one statement per batch. Triggers keep the index in
step when lines are changed or deleted, which nothing on the hot path does. `columnsize=0`
drops the per-line sizes FTS5 keeps for ranking, which search does not use (it orders by
execution): a third less work per batch. The FTS5 table is keyed by `execution_logs`'
rowid, which SQLite's VACUUM keeps (it copies rows with their rowids); a table rebuilt by
copying (an Alembic batch migration of `execution_logs`) must end with `create_log_index`'s
'rebuild' and recreate the triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

FTS_TABLE = "execution_logs_fts"
PG_INDEX = "ix_execution_logs_search"
PG_DOCUMENT = "to_tsvector('simple', regexp_replace(message, '[^[:alnum:]]+', ' ', 'g'))"
"""What PostgreSQL indexes and matches: the message cut at every non-letter, non-digit."""

_SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(message, content='execution_logs',"
    " tokenize='unicode61 remove_diacritics 0', columnsize=0)",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON execution_logs BEGIN"
    f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, message)"
    " VALUES ('delete', old.rowid, old.message); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON execution_logs BEGIN"
    f" INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, message)"
    " VALUES ('delete', old.rowid, old.message);"
    f" INSERT INTO {FTS_TABLE}(rowid, message) VALUES (new.rowid, new.message); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
_SQLITE_DROP = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def index_batch(conn: Connection, execution_id: str, seqs: Sequence[int]) -> None:
    """Index these lines of one execution, just inserted in this transaction (SQLite;
    PostgreSQL's index keeps itself). A batch is one run of line numbers, as the writer
    makes it, so one range read finds it."""
    if conn.dialect.name != "sqlite" or not seqs:
        return
    first, last = min(seqs), max(seqs)
    if last - first + 1 == len(seqs):
        conn.execute(_SQLITE_RANGE, {"id": execution_id, "first": first, "last": last})
    else:
        conn.execute(_SQLITE_LINES, {"id": execution_id, "seqs": sorted(seqs)})


_SQLITE_SELECT = (
    f"INSERT INTO {FTS_TABLE}(rowid, message) SELECT rowid, message FROM execution_logs"
    " WHERE execution_id = :id AND "
)
_SQLITE_RANGE = text(_SQLITE_SELECT + "seq BETWEEN :first AND :last")
_SQLITE_LINES = text(_SQLITE_SELECT + "seq IN :seqs").bindparams(bindparam("seqs", expanding=True))


def create_log_index(conn: Connection) -> None:
    """Create the index and fill it with every line already stored."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_CREATE:
            conn.execute(text(statement))
    else:
        conn.execute(text(f"CREATE INDEX {PG_INDEX} ON execution_logs USING gin ({PG_DOCUMENT})"))


def drop_log_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:
            conn.execute(text(statement))
    else:
        conn.execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))
