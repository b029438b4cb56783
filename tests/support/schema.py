"""The core's tables as a backend's migrations create them, for the tests that compare."""

from __future__ import annotations

from sqlalchemy import MetaData

from runplane.store.log_index import PG_INDEX


def on_backend(tables: MetaData, dialect: str) -> MetaData:
    """`tables` without what one backend builds differently: SQLite's log index is an FTS5
    table beside the tables (which Alembic does not compare), not the PostgreSQL index."""
    if dialect != "sqlite" or PG_INDEX not in {
        i.name for t in tables.tables.values() for i in t.indexes
    }:
        return tables
    copy = MetaData()
    for table in tables.tables.values():
        table.to_metadata(copy)
    logs = copy.tables["execution_logs"]
    logs.indexes = {index for index in logs.indexes if index.name != PG_INDEX}
    return copy
