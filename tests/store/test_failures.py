"""Unresolved failures and failures per pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.store import Database
from runplane.store import failures as store
from runplane.store.executions import ExecutionFilter
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def test_a_failure_is_resolved_only_by_a_successful_attempt_after_it(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, status="failed", created_at=T0)  # never retried
        chain_a = make_execution(conn, status="failed", created_at=T0 + timedelta(minutes=1))
        chain_b = make_execution(
            conn,
            status="failed",
            retry_of=chain_a.execution_id,
            created_at=T0 + timedelta(minutes=2),
        )
        make_execution(
            conn,
            status="completed",
            retry_of=chain_b.execution_id,
            created_at=T0 + timedelta(minutes=3),
        )
        pending = make_execution(conn, status="failed", created_at=T0 + timedelta(minutes=4))
        make_execution(
            conn,
            status="pending",
            retry_of=pending.execution_id,
            created_at=T0 + timedelta(minutes=5),
        )
        make_execution(conn, status="completed", created_at=T0 + timedelta(minutes=6))
    with db.read() as conn:
        assert store.count_unresolved_failures(conn, ExecutionFilter()) == 2  # alone, pending


def test_unresolved_failures_respect_the_window_and_pipeline(db: Database) -> None:
    with db.write() as conn:
        make_execution(conn, status="failed", created_at=T0 - timedelta(days=2))
        make_execution(conn, status="failed", created_at=T0, pipeline="runplane.fail")
        make_execution(conn, status="failed", created_at=T0, pipeline="runplane.sleep")
    window = ExecutionFilter(since=T0 - timedelta(hours=1), pipelines=frozenset({"runplane.fail"}))
    with db.read() as conn:
        assert store.count_unresolved_failures(conn, window) == 1


def test_failures_are_counted_per_pipeline_since_a_time(db: Database) -> None:
    with db.write() as conn:
        for minutes in (0, 1, 2):
            make_execution(
                conn,
                status="failed",
                pipeline="runplane.fail",
                created_at=T0 + timedelta(minutes=minutes),
            )
        make_execution(
            conn, status="failed", pipeline="runplane.sleep", created_at=T0 - timedelta(days=1)
        )
        make_execution(conn, status="completed", pipeline="runplane.sleep", created_at=T0)
    with db.read() as conn:
        assert store.count_failures_by_pipeline(conn, since=T0) == {"runplane.fail": 3}
        assert store.count_failures_by_pipeline(
            conn, since=T0 - timedelta(days=2), pipelines=["runplane.sleep"]
        ) == {"runplane.sleep": 1}
