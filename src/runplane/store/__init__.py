"""Persistence: SQLAlchemy Core tables, queries and migrations. The only layer that writes SQL.

SQLite (WAL) is the embedded default and PostgreSQL the production database; every
query here runs unchanged on both.
"""

from runplane.store.database import Database, Rollback, open_database
from runplane.store.errors import NotFound, SchemaError, StorageUnavailable, storage_problem

__all__ = [
    "Database",
    "NotFound",
    "Rollback",
    "SchemaError",
    "StorageUnavailable",
    "open_database",
    "storage_problem",
]
