"""A read beside its caller: on another connection and thread, seeing committed data, its
error the caller's; an in-memory SQLite database is read on the caller's connection."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, text

from runplane.store import Database
from runplane.store import executions as store
from runplane.store.reads_beside import read_beside
from runplane.store.schema import upgrade
from tests.factories import make_execution


def test_the_read_runs_in_another_thread_on_its_own_connection_and_sees_commits(
    db: Database,
) -> None:
    with db.write() as conn:
        made = make_execution(conn)

    def read(conn: Connection) -> tuple[str, object, str | None]:
        found = store.find_execution(conn, made.execution_id)
        return threading.current_thread().name, conn, None if found is None else found.pipeline

    with db.read() as mine:
        thread, theirs, pipeline = read_beside(db, read, here=mine).result(timeout=10)
    assert thread.startswith("runplane-read")
    assert theirs is not mine
    assert pipeline == made.pipeline


def test_an_error_in_the_read_is_raised_by_its_result(db: Database) -> None:
    with db.read() as mine:
        future = read_beside(
            db, lambda conn: conn.execute(text("SELECT * FROM no_such_table")), here=mine
        )
        with pytest.raises(Exception, match="no_such_table"):
            future.result(timeout=10)


def test_an_in_memory_database_is_read_on_the_callers_open_connection() -> None:
    memory = Database("sqlite://")
    upgrade(memory)
    with memory.write() as conn:
        made = make_execution(conn)
    with memory.read() as mine:
        future = read_beside(
            memory, lambda conn: (conn, store.find_execution(conn, made.execution_id)), here=mine
        )
        used, found = future.result(timeout=0)
    assert used is mine
    assert found is not None
    assert found.execution_id == made.execution_id
