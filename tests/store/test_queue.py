"""The queue in the store: what is runnable (FIFO, not_before, prerequisites), queue
positions, and the active twins that block an identical run; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.model import ExecutionStatus
from runplane.store import Database
from runplane.store import executions as store
from runplane.store import queue as queue_store
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_runnable_is_fifo_and_respects_not_before_and_after(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, status="pending", created_at=T0)
        future = make_execution(
            conn,
            status="pending",
            created_at=T0 + timedelta(seconds=1),
            not_before=T0 + timedelta(hours=1),
        )
        waiting_on_first = make_execution(
            conn,
            status="pending",
            created_at=T0 + timedelta(seconds=2),
            after_id=first.execution_id,
        )
        second = make_execution(conn, status="pending", created_at=T0 + timedelta(seconds=3))
    with db.read() as conn:
        runnable = queue_store.list_runnable(conn, T0 + timedelta(minutes=1), limit=10)
    assert [e.execution_id for e in runnable] == [first.execution_id, second.execution_id]
    with db.write() as conn:
        store.update_status(
            conn, first.execution_id, ExecutionStatus.PENDING, ExecutionStatus.RUNNING
        )
        store.update_status(
            conn, first.execution_id, ExecutionStatus.RUNNING, ExecutionStatus.COMPLETED
        )
    with db.read() as conn:
        later = queue_store.list_runnable(conn, T0 + timedelta(hours=2), limit=10)
    assert [e.execution_id for e in later] == [
        future.execution_id,
        waiting_on_first.execution_id,
        second.execution_id,
    ]


def test_a_dry_run_prerequisite_releases_its_dry_run_chain(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, status="dry_run", created_at=T0, dry_run=True)
        chained = make_execution(
            conn,
            status="pending",
            created_at=T0 + timedelta(seconds=1),
            after_id=first.execution_id,
            dry_run=True,
        )
    with db.read() as conn:
        runnable = queue_store.list_runnable(conn, T0 + timedelta(minutes=1), limit=10)
    assert [e.execution_id for e in runnable] == [chained.execution_id]


def test_active_twin_finds_only_pending_or_running_with_same_identity(db: Database) -> None:
    params = {"seconds": 1.0, "lines_per_second": 0}
    with db.write() as conn:
        make_execution(conn, pipeline="runplane.sleep", params=params, status="failed")
        assert (
            queue_store.find_active_twin(
                conn,
                "runplane.sleep",
                make_execution(
                    conn, pipeline="runplane.sleep", params=params, status="completed"
                ).params_hash,
            )
            is None
        )
        running = make_execution(conn, pipeline="runplane.sleep", params=params, status="running")
        assert queue_store.find_active_twin(conn, "runplane.sleep", running.params_hash) == running


def test_queue_position_counts_older_pending_executions(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, status="pending", created_at=T0)
        make_execution(conn, status="running", created_at=T0 + timedelta(seconds=1))
        make_execution(conn, status="pending", created_at=T0 + timedelta(seconds=2))
        last = make_execution(conn, status="pending", created_at=T0 + timedelta(seconds=3))
    with db.read() as conn:
        assert queue_store.queue_position(conn, last) == 2


def test_active_twins_are_found_for_a_whole_page_of_identities(db: Database) -> None:
    with db.write() as conn:
        failed = make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 1}, status="failed"
        )
        twin = make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 1}, status="running"
        )
        other = make_execution(
            conn, pipeline="runplane.sleep", params={"seconds": 2}, status="failed"
        )
        make_execution(conn, pipeline="runplane.sleep", params={"seconds": 2}, status="completed")
    with db.read() as conn:
        found = queue_store.list_active_twins(
            conn,
            [(failed.pipeline, failed.params_hash), (other.pipeline, other.params_hash)],
        )
        assert queue_store.list_active_twins(conn, []) == {}
    assert found == {(twin.pipeline, twin.params_hash): twin}


def test_the_oldest_due_execution_waited_since_its_backoff_or_prerequisite(db: Database) -> None:
    now = T0 + timedelta(hours=1)
    with db.write() as conn:
        done = make_execution(conn, created_at=T0, completed_at=now - timedelta(minutes=1))
        make_execution(conn, status="pending", created_at=T0, after_id=done.execution_id)
        backoff = make_execution(
            conn, status="pending", created_at=T0, not_before=now - timedelta(minutes=5)
        )
        make_execution(conn, status="pending", created_at=T0, not_before=now + timedelta(hours=1))
    with db.read() as conn:
        found = queue_store.find_oldest_due(conn, now)
    assert found == (backoff, now - timedelta(minutes=5))
