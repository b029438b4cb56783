"""The log sink: a run's last lines wait for a background write in flight, so its final
status never commits ahead of earlier lines (which a stop right after could then lose)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from runplane.engine.running.logsink import LogSink
from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store


def stored(db: Database) -> list[str]:
    with db.read() as conn:
        return [line.message for line in log_store.list_log_lines(conn, "e1", after=0, limit=100)]


def test_take_waits_for_a_write_in_flight_and_keeps_the_order(sqlite_db: Database) -> None:
    sink = LogSink(sqlite_db, "e1", interval=60, max_lines=10_000)
    sink.emit("INFO", "first")
    assert sqlite_db.path is not None
    blocker = sqlite3.connect(sqlite_db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the write lock, as another process's transaction
    flusher = threading.Thread(target=sink.flush)
    flusher.start()
    time.sleep(0.3)  # the flush has taken "first" and waits for the lock
    sink.emit("INFO", "second")
    taken: list[LogLine] = []
    taker = threading.Thread(target=lambda: taken.extend(sink.take(("INFO", "done"))))
    taker.start()
    time.sleep(0.3)
    assert taken == []
    blocker.execute("ROLLBACK")
    flusher.join(timeout=10)
    taker.join(timeout=10)
    blocker.close()
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
