"""The local executor with real processes: run, log, fail, cancel, kill, queue order.

Tests that submit their own executions and assert by id share the module's runtime (one
fork server per database); those that need other settings start one of their own."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psutil
import pytest
from sqlalchemy import func, select

from runplane.engine.service import cancel_execution, submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass, EventKind, Execution, ExecutionStatus, Trigger
from runplane.model.clock import utcnow
from runplane.settings import Settings
from runplane.store import Database
from runplane.store import captures as capture_store
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store import logs as log_store
from tests.conftest import wait_for_final, wait_until
from tests.support.pipelines import test_rows


def submit(db: Database, pipeline: str, **params: object) -> Execution:
    return submit_execution(db, pipeline, dict(params), trigger=Trigger.API, triggered_by="local")


def log_lines(db: Database, execution_id: str) -> list[tuple[str, str]]:
    with db.read() as conn:
        return [
            (line.level, line.message)
            for line in log_store.list_log_lines(conn, execution_id, limit=None)
        ]


def trail(db: Database, execution_id: str) -> list[EventKind]:
    with db.read() as conn:
        return [event.kind for event in event_store.list_events(conn, execution_id)]


def running(db: Database, execution_id: str) -> bool:
    with db.read() as conn:
        return store.get_execution(conn, execution_id).status is ExecutionStatus.RUNNING


def test_noop_runs_to_completion_in_its_own_process(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "runplane.noop")
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.COMPLETED
    assert final.pid is not None
    assert final.worker_id == shared_runtime.registration.worker.worker_id
    assert final.started_at is not None
    assert final.completed_at is not None
    assert final.created_at <= final.started_at <= final.completed_at
    lines = [message for _, message in log_lines(shared_runtime.db, execution.execution_id)]
    assert lines[0].startswith("Starting runplane.noop")
    assert lines[-1] == "Execution complete: COMPLETED"
    assert trail(shared_runtime.db, execution.execution_id) == [
        EventKind.CREATED,
        EventKind.STARTED,
        EventKind.COMPLETED,
    ]


def test_everything_a_pipeline_emits_lands_in_its_log(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "tests.noisy")
    wait_for_final(shared_runtime.db, execution.execution_id)
    lines = log_lines(shared_runtime.db, execution.execution_id)
    assert ("INFO", "from the logger") in lines
    assert ("INFO", "from print") in lines
    assert ("ERROR", "from stderr") in lines
    assert any(level == "WARNING" and "from warnings" in message for level, message in lines)


def test_an_uncaught_exception_fails_with_its_traceback_in_the_log(
    shared_runtime: ServingRuntime,
) -> None:
    execution = submit(shared_runtime.db, "tests.key_error")
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification is ErrorClass.UNKNOWN
    assert final.error.type == "KeyError"
    lines = log_lines(shared_runtime.db, execution.execution_id)
    assert ("ERROR", "Traceback (most recent call last):") in lines
    assert any(level == "ERROR" and message.startswith("KeyError") for level, message in lines)
    assert lines[-1] == ("INFO", "Execution complete: FAILED")


def test_a_typed_error_is_classified_from_its_type(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "runplane.fail", error="dependency")
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.error is not None
    assert final.error.classification is ErrorClass.DEPENDENCY
    assert final.error.suggested_actions[0].run == {"pipeline": "runplane.noop", "params": {}}
    lines = log_lines(shared_runtime.db, execution.execution_id)
    assert ("ERROR", "DependencyError: diagnostic failure") in lines
    assert not any("Traceback" in message for _, message in lines)
    assert final.error.traceback is not None


def test_dry_run_ends_dry_run_and_publishes_nothing(shared_runtime: ServingRuntime) -> None:
    execution = submit_execution(
        shared_runtime.db,
        "tests.fill",
        {"rows": 100},
        trigger=Trigger.API,
        triggered_by="local",
        dry_run=True,
    )
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.DRY_RUN
    with shared_runtime.db.read() as conn:
        assert capture_store.list_execution_captures(conn, execution.execution_id) == []


def test_captures_publish_with_the_final_status(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "tests.fill", rows=2500, batch=1000)
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.COMPLETED
    with shared_runtime.db.read() as conn:
        (capture,) = capture_store.list_execution_captures(conn, execution.execution_id)
        rows = conn.execute(
            select(func.count())
            .select_from(test_rows)
            .where(test_rows.c.capture_id == final.capture_id)
        ).scalar_one()
    assert capture.published_at == final.completed_at
    assert rows == 2500


def test_cancel_asks_a_running_execution_to_stop_then_records_cancelled(
    shared_runtime: ServingRuntime,
) -> None:
    execution = submit(shared_runtime.db, "runplane.sleep", seconds=60)
    wait_until(lambda: running(shared_runtime.db, execution.execution_id), what="running")
    cancel_execution(shared_runtime.db, execution.execution_id, by="user:test", grace_seconds=30)
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.CANCELLED
    assert final.cancel_requested_by == "user:test"
    assert trail(shared_runtime.db, execution.execution_id) == [
        EventKind.CREATED,
        EventKind.STARTED,
        EventKind.CANCEL_REQUESTED,
        EventKind.STOP_SIGNAL_SENT,
        EventKind.STOPPED,
        EventKind.CANCELLED,
    ]
    with shared_runtime.db.read() as conn:
        stopped = [
            e
            for e in event_store.list_events(conn, execution.execution_id)
            if e.kind is EventKind.STOPPED
        ]
    assert stopped[0].detail["how"] == "stopped cooperatively"
    assert (final.pid is not None and not psutil.pid_exists(final.pid)) or psutil.Process(
        final.pid
    ).status() == psutil.STATUS_ZOMBIE


def test_an_execution_that_ignores_the_stop_signal_is_killed_after_the_grace_period(
    shared_runtime: ServingRuntime,
) -> None:
    execution = submit(shared_runtime.db, "tests.stubborn", seconds=60)
    wait_until(lambda: running(shared_runtime.db, execution.execution_id), what="running")
    cancel_execution(shared_runtime.db, execution.execution_id, by="user:test", grace_seconds=0.3)
    final = wait_for_final(shared_runtime.db, execution.execution_id, timeout=10)
    assert final.status is ExecutionStatus.CANCELLED
    kinds = trail(shared_runtime.db, execution.execution_id)
    assert kinds[-3:] == [EventKind.KILLED, EventKind.STOPPED, EventKind.CANCELLED]
    with shared_runtime.db.read() as conn:
        stopped = [
            e
            for e in event_store.list_events(conn, execution.execution_id)
            if e.kind is EventKind.STOPPED
        ]
    assert stopped[0].detail["how"] == "killed after the grace period"


def test_cancelled_run_never_publishes_its_capture(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "tests.fill", rows=10_000_000, batch=1000)
    wait_until(lambda: running(shared_runtime.db, execution.execution_id), what="running")
    cancel_execution(shared_runtime.db, execution.execution_id, by="user:test", grace_seconds=30)
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.CANCELLED
    with shared_runtime.db.read() as conn:
        captures = capture_store.list_execution_captures(conn, execution.execution_id)
    assert [c.published_at for c in captures] == [None]


def test_a_crashed_process_ends_worker_lost(shared_runtime: ServingRuntime) -> None:
    execution = submit(shared_runtime.db, "runplane.fail", error="crash")
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.status is ExecutionStatus.FAILED
    assert final.error is not None
    assert final.error.classification is ErrorClass.WORKER_LOST
    assert "SIGKILL" in final.error.message


def test_at_most_max_workers_run_at_once_in_fifo_order(shared_runtime: ServingRuntime) -> None:
    ids = [submit(shared_runtime.db, "runplane.sleep", seconds=0.3).execution_id for _ in range(5)]
    peak = 0
    while True:
        with shared_runtime.db.read() as conn:
            statuses = store.list_statuses(conn, ids)
        peak = max(peak, sum(1 for s in statuses.values() if s is ExecutionStatus.RUNNING))
        if all(s.is_final for s in statuses.values()):
            break
        time.sleep(0.01)
    assert peak == shared_runtime.settings.max_workers
    with shared_runtime.db.read() as conn:
        started = [store.get_execution(conn, i).started_at for i in ids]
    assert started == sorted(started)  # type: ignore[type-var]


def test_a_future_not_before_waits_until_due(shared_runtime: ServingRuntime) -> None:
    due = utcnow() + timedelta(seconds=0.5)
    execution = submit_execution(
        shared_runtime.db,
        "runplane.noop",
        {},
        trigger=Trigger.API,
        triggered_by="local",
        not_before=due,
    )
    final = wait_for_final(shared_runtime.db, execution.execution_id)
    assert final.started_at is not None
    assert final.started_at >= due


def test_children_with_after_wait_for_their_prerequisite_and_release_the_slot(
    tmp_path: object, sqlite_settings: Settings
) -> None:
    one_worker = sqlite_settings.model_copy(update={"max_workers": 1})
    db = Database(one_worker.resolved_database_url)
    serving = ServingRuntime(db, one_worker)
    serving.start()
    try:
        parent = submit(db, "tests.fan_out", n=3)
        final = wait_for_final(db, parent.execution_id)
        with db.read() as conn:
            children = store.list_children(conn, parent.execution_id)
    finally:
        serving.stop()
    assert final.status is ExecutionStatus.COMPLETED
    assert final.rows_processed == 3
    first, *rest = children
    assert all(c.after_id == first.execution_id for c in rest)
    assert all(
        c.started_at and first.completed_at and c.started_at >= first.completed_at for c in rest
    )


def test_a_child_whose_prerequisite_failed_is_cancelled(shared_runtime: ServingRuntime) -> None:
    failing = submit(shared_runtime.db, "runplane.fail", error="data")
    blocked = submit_execution(
        shared_runtime.db,
        "runplane.noop",
        {},
        trigger=Trigger.API,
        triggered_by="local",
        after=failing.execution_id,
    )
    final = wait_for_final(shared_runtime.db, blocked.execution_id)
    assert final.status is ExecutionStatus.CANCELLED
    assert final.started_at is None


@pytest.mark.slow
def test_heavy_logging_beside_a_million_row_capture_neither_locks_nor_loses_workers(
    tmp_path: object, sqlite_settings: Settings
) -> None:
    settings = sqlite_settings.model_copy(update={"max_workers": 5, "sqlite_busy_timeout": 30.0})
    db = Database(settings.resolved_database_url)
    serving = ServingRuntime(db, settings)
    serving.start()
    try:
        loggers = [submit(db, "runplane.sleep", seconds=8, lines_per_second=1000) for _ in range(4)]
        filler = submit(db, "tests.fill", rows=1_000_000, batch=20_000)
        finals = [wait_for_final(db, e.execution_id, timeout=180) for e in [*loggers, filler]]
    finally:
        serving.stop()
    assert [f.status for f in finals] == [ExecutionStatus.COMPLETED] * 5, [f.error for f in finals]
    for final in finals[:-1]:
        lines = log_lines(db, final.execution_id)
        ticks = sum(1 for _, message in lines if message.startswith("tick "))
        assert ticks == final.rows_processed  # every line it logged landed
        assert ticks >= 7_000  # about 1,000 a second for 8 s, however busy the machine
        assert not any("database is locked" in message for _, message in lines)
    assert finals[-1].rows_processed == 1_000_000


def test_submit_in_the_serving_process_wakes_the_executor_at_once(
    sqlite_settings: Settings,
) -> None:
    slow_poll = sqlite_settings.model_copy(update={"poll_interval": 5.0})
    db = Database(slow_poll.resolved_database_url)
    serving = ServingRuntime(db, slow_poll)
    serving.start()
    try:
        execution = submit(db, "runplane.noop")
        final = wait_for_final(db, execution.execution_id, timeout=3)
    finally:
        serving.stop()
    assert final.status is ExecutionStatus.COMPLETED


def test_stop_kills_running_children_and_records_them_lost(sqlite_settings: Settings) -> None:
    db = Database(sqlite_settings.resolved_database_url)
    serving = ServingRuntime(db, sqlite_settings)
    serving.start()
    execution = submit(db, "runplane.sleep", seconds=60)

    def recorded_pid() -> int | None:
        """Set just after the claim to `running`, once the process is forked."""
        with db.read() as conn:
            return store.get_execution(conn, execution.execution_id).pid

    wait_until(lambda: recorded_pid() is not None, what="the running process's pid")
    pid = recorded_pid()
    assert pid is not None
    stopper = threading.Thread(target=serving.stop)
    stopper.start()
    stopper.join(timeout=10)
    final = wait_for_final(db, execution.execution_id)
    assert final.error is not None
    assert final.error.classification is ErrorClass.WORKER_LOST
    wait_until(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE,
        timeout=5,
    )
