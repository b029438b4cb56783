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


def test_the_row_and_the_detail_count_failures_like_one_the_same_way(db: Database) -> None:
    """One definition: failures with its fingerprint in the window up to each one."""
    with db.write() as conn:
        attempts = [
            make_execution(
                conn, status="failed", error=failure("a"), created_at=T0 + timedelta(minutes=m)
            )
            for m in (0, 5, 10)
        ]
        other = make_execution(conn, status="failed", error=failure("b"), created_at=T0)
        make_execution(conn, status="failed", error=failure("a"), created_at=T0 - timedelta(days=8))
    with db.read() as conn:
        counts = store.count_recurrences(conn, [*attempts, other])
        details = [store.find_recurrence(conn, e) for e in [*attempts, other]]
    assert [counts[e.execution_id] for e in [*attempts, other]] == [1, 2, 3, 1]
    assert [d.count for d in details if d is not None] == [1, 2, 3, 1]


def test_three_failed_attempts_at_one_problem_are_one_unresolved_failure(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, status="failed", created_at=T0)
        second = make_execution(
            conn, status="failed", retry_of=first.execution_id, created_at=T0 + timedelta(minutes=1)
        )
        make_execution(
            conn,
            status="failed",
            retry_of=second.execution_id,
            created_at=T0 + timedelta(minutes=2),
        )
        fixed = make_execution(conn, status="failed", created_at=T0)
        make_execution(conn, status="failed", retry_of=fixed.execution_id, created_at=T0)
        done = make_execution(conn, status="completed", retry_of=fixed.execution_id, created_at=T0)
        make_execution(conn, status="failed", created_at=T0)
    with db.read() as conn:
        assert store.count_unresolved_failures(conn, ExecutionFilter()) == 2
        resolutions = store.list_resolutions(conn, [first.execution_id, fixed.execution_id])
    assert resolutions == {fixed.execution_id: done.execution_id}


def test_a_later_attempts_success_resolves_every_failure_before_it(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, status="failed", created_at=T0)
        second = make_execution(conn, status="failed", retry_of=first.execution_id)
        third = make_execution(conn, status="completed", retry_of=second.execution_id)
    with db.read() as conn:
        found = store.list_resolutions(conn, [first.execution_id, second.execution_id])
    assert found == {
        first.execution_id: third.execution_id,
        second.execution_id: third.execution_id,
    }


def test_failures_like_one_are_counted_from_the_index_alone(sqlite_db: Database) -> None:
    """A list page counts the failures like each of its rows: never a read of the rows."""
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((sql, params))

    with sqlite_db.write() as conn:
        this = make_execution(conn, status="failed", error=failure("a"), created_at=T0)
        other = make_execution(conn, status="failed", error=failure("b"), created_at=T0)
    event.listen(sqlite_db.engine, "before_cursor_execute", record)
    with sqlite_db.read() as conn:
        store.count_recurrences(conn, [this, other])
    event.remove(sqlite_db.engine, "before_cursor_execute", record)
    sql, params = next((s, p) for s, p in statements if "error_fingerprint" in s)
    with sqlite_db.read() as conn:
        plan = " / ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert plan.count("COVERING INDEX ix_executions_fingerprint_status") == 2, plan
    assert len([s for s, _ in statements if "error_fingerprint" in s]) == 1


def test_one_failure_counted_alone_agrees_with_the_page_at_the_windows_edges(
    db: Database,
) -> None:
    """A detail and a page count the same failures, the window's first instant included."""
    window = timedelta(days=7)
    with db.write() as conn:
        for at in (T0 - window - timedelta(microseconds=1), T0 - window, T0 - timedelta(days=1)):
            make_execution(conn, status="failed", error=failure("fp"), created_at=at)
        make_execution(conn, status="completed", error=failure("fp"), created_at=T0)
        this = make_execution(conn, status="failed", error=failure("fp"), created_at=T0)
        make_execution(conn, status="failed", error=failure("fp"), created_at=T0 + timedelta(1))
        other = make_execution(conn, status="failed", error=failure("b"), created_at=T0)
    with db.read() as conn:
        alone = store.count_recurrences(conn, [this], window=window)
        on_a_page = store.count_recurrences(conn, [this, other], window=window)
    assert alone == {this.execution_id: 3}
    assert on_a_page == {this.execution_id: 3, other.execution_id: 1}


def test_a_page_of_more_failures_than_one_statement_counts_each(db: Database) -> None:
    """A refresh after many "Load more" clicks: several statements, every row counted."""
    wanted = store.COUNTS_PER_STATEMENT + 2
    with db.write() as conn:
        failed = [
            make_execution(
                conn, status="failed", error=failure("fp"), created_at=T0 + timedelta(seconds=i)
            )
            for i in range(wanted)
        ]
    with db.read() as conn:
        counts = store.count_recurrences(conn, reversed(failed))
    assert [counts[e.execution_id] for e in failed] == list(range(1, wanted + 1))
