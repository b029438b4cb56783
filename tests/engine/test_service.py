"""Submit, retry and cancel: validation, refusals that change nothing, serialised retries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from runplane.engine.errors import CancelRefused, RetryRefused
from runplane.engine.service import cancel_execution, retry_execution, submit_execution
from runplane.model import EventKind, ExecutionStatus, Trigger
from runplane.pipelines import InvalidParams, UnknownPipeline
from runplane.store import Database, NotFound
from runplane.store import events as event_store
from runplane.store import executions as store
from runplane.store.tables import execution_events, executions
from tests.conftest import FakeClock
from tests.factories import make_execution
from tests.support.param_index import assert_params_indexed


def row_counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(executions)).scalar_one(),
            conn.execute(select(func.count()).select_from(execution_events)).scalar_one(),
        )


def test_submit_records_a_pending_execution_with_defaults_applied(
    db: Database, clock: FakeClock
) -> None:
    execution = submit_execution(
        db,
        "runplane.sleep",
        {"seconds": "2.5"},
        trigger=Trigger.MANUAL,
        triggered_by="user:ana",
        clock=clock,
    )
    with db.read() as conn:
        stored = store.get_execution(conn, execution.execution_id)
        events = event_store.list_events(conn, execution.execution_id)
    assert stored.status is ExecutionStatus.PENDING
    assert stored.params == {"seconds": 2.5, "lines_per_second": 0}
    assert stored.trigger_time == stored.created_at == clock.now
    assert stored.capture_id.startswith(f"cap_{clock.now:%Y%m%d_%H%M%S}_")
    assert [(e.kind, e.actor) for e in events] == [(EventKind.CREATED, "user:ana")]


@pytest.mark.parametrize(
    ("pipeline", "params", "error", "message"),
    [
        ("no.such", {}, UnknownPipeline, "unknown pipeline 'no.such'"),
        ("tests.typed", {}, InvalidParams, "count: Field required"),
        ("tests.typed", {"count": "many"}, InvalidParams, "count: Input should be a valid integer"),
        (
            "tests.typed",
            {"count": 11},
            InvalidParams,
            "count: Input should be less than or equal to 10",
        ),
        ("tests.typed", {"count": 1, "colour": "red"}, InvalidParams, "colour: unknown parameter"),
    ],
)
def test_bad_submissions_are_refused_with_a_message_and_write_nothing(
    db: Database, pipeline: str, params: dict[str, object], error: type[Exception], message: str
) -> None:
    before = row_counts(db)
    with pytest.raises(error, match=message):
        submit_execution(db, pipeline, params, trigger=Trigger.API, triggered_by="local")
    assert row_counts(db) == before


def test_invalid_params_name_every_bad_field(db: Database) -> None:
    with pytest.raises(InvalidParams) as caught:
        submit_execution(
            db, "tests.typed", {"count": 0, "label": 3}, trigger=Trigger.API, triggered_by="local"
        )
    assert set(caught.value.errors) == {"count", "label"}


def test_retry_creates_a_linked_attempt_with_the_requesters_trigger(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        failed = make_execution(
            conn,
            pipeline="tests.typed",
            params={"count": 2, "label": "x"},
            status="failed",
            trigger=Trigger.SCHEDULED,
            triggered_by="schedule:nightly",
        )
    clock.advance(minutes=5)
    retry = retry_execution(
        db,
        failed.execution_id,
        {"count": "3"},
        trigger=Trigger.API,
        triggered_by="local",
        clock=clock,
    )
    assert retry.retry_of == failed.execution_id
    assert retry.attempt == 2
    assert retry.params == {"count": 3, "label": "x"}
    assert (retry.trigger, retry.triggered_by) == (Trigger.API, "local")
    with db.read() as conn:
        events = event_store.list_events(conn, failed.execution_id)
    assert events[-1].kind is EventKind.RETRIED
    assert events[-1].detail == {"new_execution_id": retry.execution_id}
    assert assert_params_indexed(db) == 4  # the retry's parameters are filterable at once


@pytest.mark.parametrize("status", ["completed", "running", "pending", "dry_run"])
def test_retry_is_refused_unless_failed_or_cancelled(db: Database, status: str) -> None:
    with db.write() as conn:
        execution = make_execution(conn, status=status)
    before = row_counts(db)
    with pytest.raises(RetryRefused, match=f"is {status}; only failed or cancelled"):
        retry_execution(db, execution.execution_id, trigger=Trigger.API, triggered_by="local")
    assert row_counts(db) == before


def test_retry_is_refused_while_an_identical_run_is_active(db: Database) -> None:
    params = {"count": 2, "label": "x"}
    with db.write() as conn:
        failed = make_execution(conn, pipeline="tests.typed", params=params, status="failed")
        active = make_execution(conn, pipeline="tests.typed", params=params, status="running")
    with pytest.raises(RetryRefused) as caught:
        retry_execution(db, failed.execution_id, trigger=Trigger.API, triggered_by="local")
    assert caught.value.active_id == active.execution_id
    retry = retry_execution(
        db, failed.execution_id, {"count": 5}, trigger=Trigger.API, triggered_by="local"
    )
    assert retry.params["count"] == 5


def test_retry_with_invalid_overrides_changes_nothing(db: Database) -> None:
    with db.write() as conn:
        failed = make_execution(
            conn, pipeline="tests.typed", params={"count": 2, "label": "x"}, status="failed"
        )
    before = row_counts(db)
    with pytest.raises(InvalidParams, match="count"):
        retry_execution(
            db, failed.execution_id, {"count": 99}, trigger=Trigger.API, triggered_by="local"
        )
    assert row_counts(db) == before


def test_retry_of_an_unknown_execution_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="no execution with id 'missing'"):
        retry_execution(db, "missing", trigger=Trigger.API, triggered_by="local")


def test_concurrent_retries_create_exactly_one_execution(database_url: str) -> None:
    setup = Database(database_url)
    with setup.write() as conn:
        failed = make_execution(
            conn, pipeline="tests.typed", params={"count": 2, "label": "x"}, status="failed"
        )
    setup.dispose()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        db = Database(database_url)
        barrier.wait()
        try:
            retry_execution(db, failed.execution_id, trigger=Trigger.API, triggered_by="local")
            outcomes.append("created")
        except RetryRefused:
            outcomes.append("refused")
        finally:
            db.dispose()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    check = Database(database_url)
    with check.read() as conn:
        retries = conn.execute(
            select(func.count())
            .select_from(executions)
            .where(executions.c.retry_of == failed.execution_id)
        ).scalar_one()
    check.dispose()
    assert retries == 1


def test_cancel_of_a_pending_execution_is_immediate(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        pending = make_execution(conn, status="pending")
    cancelled = cancel_execution(
        db, pending.execution_id, by="user:ana", grace_seconds=30, clock=clock
    )
    assert cancelled.status is ExecutionStatus.CANCELLED
    assert cancelled.completed_at == clock.now
    with db.read() as conn:
        kinds = [e.kind for e in event_store.list_events(conn, pending.execution_id)]
    assert kinds == [EventKind.CANCEL_REQUESTED, EventKind.CANCELLED]


def test_cancel_of_a_running_execution_only_records_the_request(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        running = make_execution(conn, status="running")
    requested = cancel_execution(
        db, running.execution_id, by="user:ana", grace_seconds=30, clock=clock
    )
    assert requested.status is ExecutionStatus.RUNNING
    assert requested.cancel_requested_at == clock.now
    assert requested.kill_after == clock.now + timedelta(seconds=30)
    forced = cancel_execution(
        db, running.execution_id, by="user:ana", grace_seconds=30, force=True, clock=clock
    )
    assert forced.kill_after == clock.now


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "dry_run"])
def test_cancel_of_a_finished_execution_is_refused(db: Database, status: str) -> None:
    with db.write() as conn:
        done = make_execution(conn, status=status)
    before = row_counts(db)
    with pytest.raises(CancelRefused, match=f"already ended {status}"):
        cancel_execution(db, done.execution_id, by="user:ana", grace_seconds=30)
    assert row_counts(db) == before


def test_cancel_reaches_active_children(db: Database) -> None:
    with db.write() as conn:
        parent = make_execution(conn, status="running")
        waiting = make_execution(conn, status="pending", parent_id=parent.execution_id)
        done = make_execution(conn, status="completed", parent_id=parent.execution_id)
    cancel_execution(db, parent.execution_id, by="user:ana", grace_seconds=30)
    with db.read() as conn:
        assert store.get_execution(conn, waiting.execution_id).status is ExecutionStatus.CANCELLED
        assert store.get_execution(conn, done.execution_id).status is ExecutionStatus.COMPLETED
