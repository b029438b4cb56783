"""Failures in the store: recurrence of a failure like one, counts per fingerprint (from the
index alone), unresolved failures and failures per pipeline; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from runplane.model import ErrorClass, ExecutionError
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


def failure(fingerprint: str) -> ExecutionError:
    return ExecutionError(
        type="TransientError",
        message="HTTP 503",
        classification=ErrorClass.TRANSIENT,
        title="HTTP 503",
        summary="",
        fingerprint=fingerprint,
    )


def test_recurrence_counts_similar_failures_in_the_window_up_to_this_one(db: Database) -> None:
    with db.write() as conn:
        make_execution(
            conn, status="failed", error=failure("fp"), created_at=T0 - timedelta(days=8)
        )
        earlier = make_execution(
            conn, status="failed", error=failure("fp"), created_at=T0 - timedelta(days=2)
        )
        latest = make_execution(
            conn, status="failed", error=failure("fp"), created_at=T0 - timedelta(days=1)
        )
        make_execution(
            conn, status="failed", error=failure("other"), created_at=T0 - timedelta(hours=1)
        )
        this = make_execution(conn, status="failed", error=failure("fp"), created_at=T0)
        make_execution(
            conn, status="failed", error=failure("fp"), created_at=T0 + timedelta(hours=1)
        )
        succeeded = make_execution(conn)
    with db.read() as conn:
        recurrence = store.find_recurrence(conn, this, window=timedelta(days=7))
        first = store.find_recurrence(conn, earlier, window=timedelta(days=1))
        ok = store.find_recurrence(conn, succeeded, window=timedelta(days=7))
    assert recurrence is not None
    assert recurrence.count == 3
    assert recurrence.previous is not None
    assert recurrence.previous.execution_id == latest.execution_id
    assert first == store.Recurrence(count=1, previous=None)
    assert ok is None


def test_failures_are_counted_per_fingerprint_for_grouping(db: Database) -> None:
    with db.write() as conn:
        for _ in range(3):
            make_execution(conn, status="failed", error=failure("a"), created_at=T0)
        make_execution(conn, status="failed", error=failure("b"), created_at=T0)
        make_execution(conn, status="failed", error=failure("a"), created_at=T0 - timedelta(days=3))
    with db.read() as conn:
        counts = store.count_by_fingerprint(conn, ["a", "b", "c"], since=T0 - timedelta(hours=1))
    assert counts == {"a": 3, "b": 1}


def test_failures_like_one_are_counted_from_the_index_alone(sqlite_db: Database) -> None:
    """A list page counts the failures like each of its rows: never a read of the rows."""
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((sql, params))

    event.listen(sqlite_db.engine, "before_cursor_execute", record)
    with sqlite_db.read() as conn:
        store.count_by_fingerprint(conn, ["a", "b"], since=T0)
    event.remove(sqlite_db.engine, "before_cursor_execute", record)
    sql, params = next((s, p) for s, p in statements if "error_fingerprint" in s)
    with sqlite_db.read() as conn:
        plan = " / ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX ix_executions_fingerprint_status" in plan, plan
