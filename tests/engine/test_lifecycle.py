"""Claiming, finishing and losing executions, and automatic retries of transient failures."""

from __future__ import annotations

from datetime import timedelta

from runplane.engine import lifecycle
from runplane.engine.classify import classify
from runplane.engine.running.exits import EXIT_CANCELLED, ProcessExit
from runplane.model import ErrorClass, EventKind, ExecutionStatus, Trigger
from runplane.pipelines import DataError, TransientError
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from runplane.store import executions as store
from tests.conftest import FakeClock
from tests.factories import make_execution
from tests.support.param_index import assert_params_indexed


def transient(pipeline: str = "runplane.sleep") -> object:
    return classify(
        TransientError("HTTP 503", url="https://x.test/f", status_code=503), pipeline=pipeline
    )


def test_only_one_of_two_claims_wins(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        pending = make_execution(conn, status="pending")
    first = lifecycle.claim_execution(
        db, pending.execution_id, worker_id="w1", actor="w1", clock=clock
    )
    second = lifecycle.claim_execution(
        db, pending.execution_id, worker_id="w2", actor="w2", clock=clock
    )
    assert (first, second) == (True, False)
    with db.read() as conn:
        claimed = store.get_execution(conn, pending.execution_id)
    assert (claimed.worker_id, claimed.started_at) == ("w1", clock.now)


def test_a_run_that_ends_before_its_executor_wrote_its_pid_records_its_own(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running")
    assert running.pid is None
    assert lifecycle.finish_execution(
        db, running, ExecutionStatus.COMPLETED, clock=clock, process=(4242, 1700000000.5)
    )
    with db.read() as conn:
        finished = store.get_execution(conn, running.execution_id)
    assert (finished.status, finished.pid, finished.process_started_at) == (
        ExecutionStatus.COMPLETED, 4242, 1700000000.5,
    )  # fmt: skip


def test_finish_after_a_cancel_request_writes_and_publishes_nothing(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running")
        capture_store.insert_capture(
            conn,
            capture_id=running.capture_id,
            asset="a",
            execution_id=running.execution_id,
            pipeline=running.pipeline,
            at=clock.now,
        )
        store.request_cancel(
            conn, running.execution_id, by="user:ana", at=clock.now, kill_after=clock.now
        )
    finished = lifecycle.finish_execution(
        db, running, ExecutionStatus.COMPLETED, rows_processed=5, clock=clock
    )
    assert not finished
    with db.read() as conn:
        assert store.get_execution(conn, running.execution_id).status is ExecutionStatus.RUNNING
        assert (
            capture_store.list_execution_captures(conn, running.execution_id)[0].published_at
            is None
        )


def test_a_transient_failure_schedules_the_next_attempt_with_backoff(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(
            conn,
            pipeline="runplane.sleep",
            status="running",
            params={"seconds": 1.0, "lines_per_second": 0},
            trigger=Trigger.SCHEDULED,
            triggered_by="schedule:nightly",
        )
    assert lifecycle.finish_execution(
        db, running, ExecutionStatus.FAILED, error=transient(), clock=clock
    )  # type: ignore[arg-type]
    with db.read() as conn:
        (retry,) = [e for e in store.list_executions(conn) if e.retry_of == running.execution_id]
        failed = store.get_execution(conn, running.execution_id)
    assert retry.status is ExecutionStatus.PENDING
    assert retry.attempt == 2
    assert retry.triggered_by == f"auto-retry:{running.execution_id}"
    assert (retry.trigger, retry.trigger_time) == (Trigger.SCHEDULED, running.trigger_time)
    assert retry.not_before is not None
    assert timedelta(seconds=24) <= retry.not_before - clock.now <= timedelta(seconds=36)
    assert failed.error is not None
    assert failed.error.suggested_actions[0].execution_id == retry.execution_id
    assert "attempt 2 of 3" in failed.error.suggested_actions[0].text
    assert assert_params_indexed(db) == 4  # both attempts' seconds and lines_per_second


def test_automatic_retries_stop_at_max_attempts(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        last = make_execution(conn, pipeline="runplane.sleep", status="running", attempt=3)
    lifecycle.finish_execution(db, last, ExecutionStatus.FAILED, error=transient(), clock=clock)  # type: ignore[arg-type]
    with db.read() as conn:
        assert [e for e in store.list_executions(conn) if e.retry_of == last.execution_id] == []


def test_a_data_failure_is_not_retried_automatically(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        running = make_execution(conn, pipeline="runplane.sleep", status="running")
    error = classify(DataError("missing", file="f.psv"), pipeline="runplane.sleep")
    lifecycle.finish_execution(db, running, ExecutionStatus.FAILED, error=error, clock=clock)
    with db.read() as conn:
        assert len(store.list_executions(conn)) == 1


def test_a_lost_execution_with_a_cancel_request_ends_cancelled(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running")
        store.request_cancel(
            conn, running.execution_id, by="user:ana", at=clock.now, kill_after=clock.now
        )
    with db.read() as conn:
        running = store.get_execution(conn, running.execution_id)
    ended = ProcessExit(pid=running.pid, code=None, killed=True, lost="gone")
    assert lifecycle.record_exit(db, running.execution_id, ended, host="h", clock=clock)
    with db.read() as conn:
        assert store.get_execution(conn, running.execution_id).status is ExecutionStatus.CANCELLED
        kinds = [e.kind for e in event_store.list_events(conn, running.execution_id)]
    assert kinds[-2:] == [EventKind.STOPPED, EventKind.CANCELLED]


def test_executions_chained_after_a_retried_failure_wait_for_the_retry(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, pipeline="runplane.sleep", status="running")
        chained = make_execution(conn, status="pending", after_id=running.execution_id)
    lifecycle.finish_execution(db, running, ExecutionStatus.FAILED, error=transient(), clock=clock)  # type: ignore[arg-type]
    with db.read() as conn:
        (retry,) = [e for e in store.list_executions(conn) if e.retry_of == running.execution_id]
        assert store.get_execution(conn, chained.execution_id).after_id == retry.execution_id
    assert lifecycle.cancel_blocked(db, clock=clock) == 0


def test_a_process_that_died_without_a_result_fails_as_worker_lost(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running", pid=4242)
    assert lifecycle.record_exit(
        db, running.execution_id, ProcessExit(pid=4242, code=-9), host="h", clock=clock
    )
    with db.read() as conn:
        lost = store.get_execution(conn, running.execution_id)
    assert lost.status is ExecutionStatus.FAILED
    assert lost.error is not None
    assert lost.error.classification is ErrorClass.WORKER_LOST
    assert "killed by SIGKILL before it recorded a result" in lost.error.message


def test_an_exit_after_the_runner_recorded_its_result_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        done = make_execution(conn, status="completed")
        running = make_execution(conn, status="running")
    assert not lifecycle.record_exit(
        db, running.execution_id, ProcessExit(pid=1, code=0), host="h", clock=clock
    )
    assert not lifecycle.record_exit(
        db, done.execution_id, ProcessExit(pid=1, code=-9), host="h", clock=clock
    )
    with db.read() as conn:
        assert store.get_execution(conn, running.execution_id).status is ExecutionStatus.RUNNING
        assert store.get_execution(conn, done.execution_id).status is ExecutionStatus.COMPLETED


def test_a_cancel_requested_run_that_stopped_by_itself_is_recorded_as_cooperative(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running")
        store.request_cancel(
            conn, running.execution_id, by="user:ana", at=clock.now, kill_after=clock.now
        )
    assert lifecycle.record_exit(
        db, running.execution_id, ProcessExit(pid=1, code=EXIT_CANCELLED), host="h", clock=clock
    )
    with db.read() as conn:
        assert store.get_execution(conn, running.execution_id).status is ExecutionStatus.CANCELLED
        stopped = [
            e for e in event_store.list_events(conn, running.execution_id)
            if e.kind is EventKind.STOPPED
        ]  # fmt: skip
    assert stopped[0].detail["how"] == "stopped cooperatively"
