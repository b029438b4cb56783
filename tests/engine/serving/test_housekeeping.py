"""The housekeeping of unpublished captures: the rows of an execution that ended without
publishing go, with an event saying how many; running and published captures stay; `db
check` counts what a sweep would delete. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from runplane.domains.finra_otc import tables as finra
from runplane.engine.serving.housekeeping import ACTOR, Discarded, discard_unpublished
from runplane.model import EventKind, Execution
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from runplane.views.database import ORPHANS, database_report
from tests.factories import make_capture, make_execution

NOW = datetime(2025, 12, 22, 9, 0, tzinfo=UTC)


def write_rejected_rows(db: Database, execution: Execution, count: int) -> None:
    with db.write() as conn:
        make_capture(conn, execution, published=execution.status == "completed")
        rows = [
            {"capture_id": execution.capture_id, "line": n, "reason": "bad", "content": "x"}
            for n in range(count)
        ]
        conn.execute(insert(finra.rejected_rows), rows)


def rows_of(db: Database, execution: Execution) -> int:
    table = finra.rejected_rows
    with db.read() as conn:
        query = select(func.count()).where(table.c.capture_id == execution.capture_id)
        return int(conn.execute(query).scalar_one())


def test_only_the_rows_of_ended_unpublished_captures_are_deleted(db: Database) -> None:
    with db.write() as conn:
        lost = make_execution(conn, status="failed")
        cancelled = make_execution(conn, status="cancelled")
        running = make_execution(conn, status="running")
        done = make_execution(conn, status="completed")
    for execution, count in ((lost, 1200), (cancelled, 3), (running, 5), (done, 7)):
        write_rejected_rows(db, execution, count)
    assert database_report(db).orphans == {ORPHANS: 1203}

    discarded = discard_unpublished(db, finra.CAPTURE_TABLES, clock=lambda: NOW, batch=1)

    assert sorted(discarded, key=lambda d: d.rows) == [
        Discarded(cancelled.execution_id, cancelled.capture_id, 3),
        Discarded(lost.execution_id, lost.capture_id, 1200),
    ]
    assert [rows_of(db, e) for e in (lost, cancelled, running, done)] == [0, 0, 5, 7]
    with db.read() as conn:
        assert capture_store.list_execution_captures(conn, lost.execution_id) == []
        assert len(capture_store.list_execution_captures(conn, running.execution_id)) == 1
        events = event_store.list_events(conn, lost.execution_id)
    assert [(e.kind, e.actor, e.at, e.detail) for e in events] == [
        (EventKind.DISCARDED, ACTOR, NOW, {"capture_id": lost.capture_id, "rows": 1200})
    ]
    assert database_report(db).orphans == {ORPHANS: 0}
    assert discard_unpublished(db, finra.CAPTURE_TABLES, clock=lambda: NOW) == []


def test_a_sweep_stops_between_batches_once_its_lease_is_lost(db: Database) -> None:
    with db.write() as conn:
        ended = [make_execution(conn, status="failed") for _ in range(3)]
    for execution in ended:
        write_rejected_rows(db, execution, 2)
    asked: list[bool] = []

    def go_on() -> bool:
        asked.append(len(asked) < 2)  # the lease lapses after two batches
        return asked[-1]

    discarded = discard_unpublished(
        db, finra.CAPTURE_TABLES, clock=lambda: NOW, batch=1, go_on=go_on
    )
    assert len(discarded) == 2
    assert sorted(rows_of(db, e) for e in ended) == [0, 0, 2]
