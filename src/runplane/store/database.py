"""Connections and transactions, with the SQLite settings that let many processes share a file.

Writers open `BEGIN IMMEDIATE` on SQLite so a transaction that reads before it writes
waits for the lock (busy timeout) instead of failing with "database is locked".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from runplane.store import counts

_WRITE = "runplane_write"


class Rollback(Exception):
    """Raised inside `Database.write()` to undo the whole transaction without an error,
    e.g. when a compare-and-set found the row already moved."""


class Database:
    """One database (URL) and its connection pool; cheap to pass around, one per process."""

    def __init__(self, url: str, *, busy_timeout: float = 30.0, pool: bool = True) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        self.engine = self._create_engine(busy_timeout, pool)

    def _create_engine(self, busy_timeout: float, pool: bool) -> Engine:
        if self.dialect != "sqlite":
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if not pool:
                kwargs["poolclass"] = NullPool
            return create_engine(self.url, **kwargs)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
            **({} if pool else {"poolclass": NullPool}),
        )
        timeout_ms = int(busy_timeout * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
            cursor.execute("PRAGMA cache_size=-32000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get(_WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database or an in-memory one."""
        if self.dialect != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        return Path(str(self.url.database))

    @property
    def location(self) -> str:
        """Where the data lives, for messages (no password)."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reading: one consistent snapshot, takes no write lock."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, *, lock: str | None = None) -> Iterator[Connection]:
        """A short write transaction.

        On SQLite it holds the database's write lock from the start; with `lock`, on
        PostgreSQL it also takes a transaction-scoped advisory lock on that name, so
        check-then-insert sequences are serialised on both. The hourly execution counts
        of the statuses it changed are written just before it commits (`counts.tally`).
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            try:
                with conn.begin():
                    if lock is not None and self.dialect == "postgresql":
                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(lock)}
                        )
                    with counts.tally(conn):
                        yield conn
            except Rollback:
                pass

    def dispose(self) -> None:
        self.engine.dispose()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
