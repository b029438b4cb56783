"""The full-text index of log lines, per backend: its DDL (for the migration and the
benchmark, which times the log writer with it and without it) and the expression both
the index and the search use on PostgreSQL.

SQLite keeps an FTS5 table `execution_logs_fts` with external content (the lines stay in
`execution_logs` only, the index holds their words) filled by triggers, so every writer of
lines indexes them in its own statement and a deleted line leaves the index with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

FTS_TABLE = "execution_logs_fts"
PG_INDEX = "ix_execution_logs_search"
PG_DOCUMENT = "to_tsvector('simple', regexp_replace(message, '[^[:alnum:]]+', ' ', 'g'))"
"""What PostgreSQL indexes and matches: the message cut at every non-letter, non-digit."""

_SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(message, content='execution_logs',"
    " tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON execution_logs BEGIN"
    f" INSERT INTO {FTS_TABLE}(rowid, message) VALUES (new.rowid, new.message); END",
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
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


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
