"""Persistence: SQLAlchemy Core tables, queries and migrations. The only layer that writes SQL.

SQLite (WAL) is the embedded default and PostgreSQL the production database; every
query here runs unchanged on both.
"""

from runplane.store.database import Database, Rollback
from runplane.store.errors import NotFound, SchemaError

__all__ = ["Database", "NotFound", "Rollback", "SchemaError"]
