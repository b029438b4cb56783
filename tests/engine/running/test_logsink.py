"""The log sink: a run's last lines wait for a background write in flight, so its final
status never commits ahead of earlier lines (which a stop right after could then lose)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from runplane.engine.running.logsink import LogSink
from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store


def stored(db: Database) -> list[str]:
    with db.read() as conn:
        return [line.message for line in log_store.list_log_lines(conn, "e1", after=0, limit=100)]


class AnnouncedWrites(Database):
    """A database that says when a write transaction is asked for."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.writing = threading.Event()

    @contextmanager
    def write(self, *, lock: str | None = None) -> Iterator[Connection]:
        self.writing.set()
        with super().write(lock=lock) as conn:
            yield conn


def test_take_waits_for_a_write_in_flight_and_keeps_the_order(sqlite_db: Database) -> None:
    db = AnnouncedWrites(str(sqlite_db.url))
    sink = LogSink(db, "e1", interval=60, max_lines=10_000)
    sink.emit("INFO", "first")
    assert sqlite_db.path is not None
    blocker = sqlite3.connect(sqlite_db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, as another process's transaction
    flusher = threading.Thread(target=sink.flush)
    flusher.start()
    assert db.writing.wait(timeout=10)  # the flush has taken "first" and waits for the lock
    sink.emit("INFO", "second")
    taken: list[LogLine] = []
    taker = threading.Thread(target=lambda: taken.extend(sink.take(("INFO", "done"))))
    taker.start()
    taker.join(timeout=0.3)
    assert taker.is_alive()  # still waiting for the write in flight
    assert taken == []
    blocker.execute("ROLLBACK")
    flusher.join(timeout=10)
    taker.join(timeout=10)
    blocker.close()
    db.dispose()
    assert stored(sqlite_db) == ["first"]
    assert [(line.seq, line.message) for line in taken] == [(2, "second"), (3, "done")]


def test_a_failed_write_puts_its_lines_back_in_order(sqlite_db: Database) -> None:
    sink = LogSink(
        Database(str(sqlite_db.url), busy_timeout=0.1), "e1", interval=60, max_lines=10_000
    )
    sink.emit("INFO", "first")
    assert sqlite_db.path is not None
    blocker = sqlite3.connect(sqlite_db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            sink.flush()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    sink.emit("INFO", "second")
    sink.flush()
    assert stored(sqlite_db) == ["first", "second"]
