"""Connections and transactions, with the SQLite settings that let many processes share a file.

Writers open `BEGIN IMMEDIATE` on SQLite so a transaction that reads before it writes
waits for the lock instead of failing with "database is locked". They wait in short
steps (`_begin_immediate`), not in SQLite's busy handler, whose sleeps grow from 1 ms to
100 ms: most writes here hold the lock for about a millisecond, and a writer that slept
25 ms behind one of them spent that time waiting for nothing.

A SQLite file is created once, when its `Database` is made; connections afterwards open
it read-write only, so a process never quietly starts an empty database in place of one
that was removed. Every transaction checks that the file at the configured path is still
the one it opened (its inode): a removed file refuses writes, a replaced one is adopted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from runplane.store import counts
from runplane.store.errors import DATABASE_UNAVAILABLE, StorageUnavailable

if TYPE_CHECKING:
    from runplane.settings import Settings

log = logging.getLogger(__name__)

_WRITE = "runplane_write"


class Rollback(Exception):
    """Raised inside `Database.write()` to undo the whole transaction without an error,
    e.g. when a compare-and-set found the row already moved."""


class Database:
    """One database (URL) and its connection pool; cheap to pass around, one per process.

    `max_page_count` caps a SQLite file's size on every connection (the fault tests'
    stand-in for a full disk). Raises `StorageUnavailable` when a SQLite file can be
    neither found nor created (a read-only folder, a missing mount).
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = 30.0,
        pool: bool = True,
        max_page_count: int | None = None,
    ) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        self._identity = self._create_file()
        self._busy_ms = int(busy_timeout * 1000)
        self.engine = self._create_engine(busy_timeout, pool, max_page_count)

    def _create_file(self) -> tuple[int, int] | None:
        """Create the SQLite file if it is new; its (device, inode), to recognise it later."""
        if self.path is None:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644))
            found = os.stat(self.path)
        except OSError as exc:
            raise StorageUnavailable(
                DATABASE_UNAVAILABLE,
                f"the database file {self.path} cannot be opened for writing "
                f"({exc.strerror}); make its folder writable, or point RUNPLANE_HOME or "
                "RUNPLANE_DATABASE_URL somewhere that is",
            ) from None
        return found.st_dev, found.st_ino

    def _create_engine(self, busy_timeout: float, pool: bool, max_page_count: int | None) -> Engine:
        if self.dialect != "sqlite":
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if not pool:
                kwargs["poolclass"] = NullPool
            return create_engine(self.url, **kwargs)
        options: dict[str, Any] = {} if pool else {"poolclass": NullPool}
        if self.path is not None:
            uri = f"file:{quote(str(self.path.resolve()))}?mode=rw"

            def connect() -> sqlite3.Connection:
                return sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)

            options["creator"] = connect
        else:
            options["connect_args"] = {"timeout": busy_timeout, "check_same_thread": False}
        engine = create_engine(self.url, **options)
        timeout_ms = self._busy_ms

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
            cursor.execute("PRAGMA cache_size=-32000")
            if max_page_count is not None:
                cursor.execute(f"PRAGMA max_page_count={int(max_page_count)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            wait: float | None = conn.get_execution_options().get(_WRITE)
            if wait is None:
                conn.exec_driver_sql("BEGIN")
                return
            _begin_immediate(conn, wait, busy_ms=timeout_ms)

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
        return location_of(self.url)

    def file_problem(self) -> str | None:
        """Why the SQLite file at the configured path is not the one this process opened, or
        None when it is (and for a server database). Adopts a file that replaced it."""
        if self._identity is None or self.path is None:
            return None
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return (
                f"the database file {self.path} was removed while Runplane had it open"
                f"{_open_copy_hint(self.path)}; nothing more is written until it is back"
            )
        except OSError as exc:
            return f"the database file {self.path} cannot be checked ({exc.strerror})"
        identity = (found.st_dev, found.st_ino)
        if identity != self._identity:
            log.warning(
                "the database file %s was replaced while serving; using the new file", self.path
            )
            self._identity = identity
            self.engine.dispose()  # connections still open on the old file are dropped
        return None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reading: one consistent snapshot, takes no write lock."""
        if self._identity is not None:
            self.file_problem()  # adopt a replaced file; a removed one is still readable here
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(
        self, *, lock: str | None = None, lock_timeout: float | None = None
    ) -> Iterator[Connection]:
        """A short write transaction.

        On SQLite it holds the database's write lock from the start; with `lock`, on
        PostgreSQL it also takes a transaction-scoped advisory lock on that name, so
        check-then-insert sequences are serialised on both. The hourly execution counts
        of the statuses it changed are written just before it commits (`counts.tally`).
        `lock_timeout` waits that long for locks instead of the busy timeout (the health
        probe). Raises `StorageUnavailable` when the SQLite file was removed.
        """
        if self._identity is not None and (problem := self.file_problem()) is not None:
            raise StorageUnavailable(DATABASE_UNAVAILABLE, problem)
        with self.engine.connect() as conn:
            wait = self._busy_ms / 1000 if lock_timeout is None else lock_timeout
            conn = conn.execution_options(**{_WRITE: wait})
            try:
                with conn.begin():
                    if lock_timeout is not None and self.dialect != "sqlite":
                        millis = int(lock_timeout * 1000)
                        conn.execute(text(f"SET LOCAL lock_timeout = {millis}"))
                        conn.execute(text(f"SET LOCAL statement_timeout = {millis * 2}"))
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


def _begin_immediate(conn: Connection, wait: float, *, busy_ms: int) -> None:
    """`BEGIN IMMEDIATE`, retried every 0.1 to 2 ms for up to `wait` seconds while another
    connection holds the write lock; SQLite's own busy handler is off meanwhile."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    deadline = time.monotonic() + wait
    pause = 0.0001
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                code = getattr(exc.orig, "sqlite_errorcode", None)
                if code is None or code & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_ms}")


def location_of(url: str | URL) -> str:
    """Where a database URL's data lives, for messages: a SQLite file's path, else the URL
    without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)


def open_database(settings: Settings, *, pool: bool = True) -> Database:
    """The configured database, with the settings every process's connections apply."""
    return Database(
        settings.resolved_database_url,
        busy_timeout=settings.sqlite_busy_timeout,
        pool=pool,
        max_page_count=settings.sqlite_max_page_count,
    )


def _open_copy_hint(path: Path) -> str:
    """Where this process still holds a removed file open (Linux), so it can be copied back."""
    removed = f"{os.path.abspath(path)} (deleted)"
    try:
        for fd in os.listdir("/proc/self/fd"):
            if os.readlink(f"/proc/self/fd/{fd}") == removed:
                return f" (this process still holds it: `cp /proc/{os.getpid()}/fd/{fd} {path}`)"
    except OSError:
        pass
    return ""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
