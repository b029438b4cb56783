"""What the schema tests compare: objects made for one backend only exist only there."""

from __future__ import annotations

from sqlalchemy import MetaData


def on_backend(tables: MetaData, dialect: str) -> MetaData:
    """`tables` without the indexes `ddl_if` makes on another backend only (PostgreSQL's
    GIN indexes on the parameters and on the log words; SQLite's log index is an FTS5 table
    beside the tables, which Alembic does not compare)."""
    elsewhere = {
        i.name for t in tables.tables.values() for i in t.indexes if not _made_on(i, dialect)
    }
    copy = MetaData()
    for table in tables.tables.values():
        table.to_metadata(copy)
    for table in copy.tables.values():
        table.indexes = {i for i in table.indexes if i.name not in elsewhere}
    return copy


def _made_on(item: object, dialect: str) -> bool:
    condition = getattr(item, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect)
