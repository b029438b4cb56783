"""Which outbox events become messages: the final failure once, a recovery, one message per
problem and window, a capped storm, and nothing for an ending that rolled back."""

from __future__ import annotations

from runplane.engine import lifecycle
from runplane.engine.classify import classify
from runplane.engine.notifications import outbox
from runplane.engine.notifications.matching import Links, match_pending, purge_matched
from runplane.engine.running.exits import ProcessExit
from runplane.engine.service import cancel_execution
from runplane.model import ExecutionStatus
from runplane.model.execution import Execution
from runplane.model.notification import Delivery, NotifyEvent, OutboxKind
from runplane.pipelines import DataError, TransientError
from runplane.store import Database, Rollback, retries
from runplane.store import executions as store
from runplane.store import notifications as notification_store
from tests.conftest import FakeClock
from tests.factories import make_execution, make_rule

LINKS = Links("https://runplane.example.com")
SLEEP = {"seconds": 1.0, "lines_per_second": 0}


def deliveries(db: Database) -> list[Delivery]:
    with db.read() as conn:
        return notification_store.list_deliveries(conn, limit=500)


def fail(db: Database, clock: FakeClock, running: Execution, error: object) -> None:
    assert lifecycle.finish_execution(
        db,
        running,
        ExecutionStatus.FAILED,
        error=error,
        clock=clock,  # type: ignore[arg-type]
    )


def running(db: Database, **overrides: object) -> Execution:
    with db.write() as conn:
        return make_execution(
            conn, pipeline="runplane.sleep", status="running", params=SLEEP, **overrides
        )


def data_error(message: str = "missing column volume") -> object:
    return classify(DataError(message, file="f.psv"), pipeline="runplane.sleep")


def test_a_failure_with_automatic_retries_sends_one_failed_message_after_the_last_attempt(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn)
    execution = running(db)
    transient = classify(TransientError("HTTP 503", status_code=503), pipeline="runplane.sleep")
    for attempt in (1, 2, 3):
        fail(db, clock, execution, transient)
        assert match_pending(db, LINKS, clock=clock) == (1 if attempt == 3 else 0)
        with db.read() as conn:
            retry = retries.find_first_retry(conn, execution.execution_id)
        if attempt < 3:
            assert retry is not None
            assert lifecycle.claim_execution(
                db, retry.execution_id, worker_id="w", actor="w", clock=clock
            )
            with db.read() as conn:
                execution = store.get_execution(conn, retry.execution_id)
    (sent,) = deliveries(db)
    assert (sent.message.event, sent.execution_id) == (NotifyEvent.FAILED, execution.execution_id)
    assert execution.attempt == 3
    assert (
        sent.message.url
        == f"https://runplane.example.com/dashboard/executions/{execution.execution_id}"
    )
    assert sent.message.error is not None
    assert sent.message.error["class"] == "transient"


def test_the_first_success_after_a_failure_sends_recovered_and_closes_the_problem(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn, events=("failed", "recovered"))
    fail(db, clock, running(db), data_error())
    clock.advance(minutes=5)
    fixed = running(db, created_at=clock.now)
    assert lifecycle.finish_execution(db, fixed, ExecutionStatus.COMPLETED, clock=clock)
    again = running(db, created_at=clock.advance(minutes=5))
    assert lifecycle.finish_execution(db, again, ExecutionStatus.COMPLETED, clock=clock)
    match_pending(db, LINKS, clock=clock)
    events = [d.message.event for d in reversed(deliveries(db))]
    assert events == [NotifyEvent.FAILED, NotifyEvent.RECOVERED]  # the second success is no news
    clock.advance(minutes=5)
    fail(db, clock, running(db, created_at=clock.now), data_error())
    match_pending(db, LINKS, clock=clock)
    assert len(deliveries(db)) == 3  # inside the window, but the problem was closed


def test_a_repeat_inside_the_window_is_counted_and_the_next_message_carries_the_count(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn, window_seconds=3600)
    for _ in range(3):
        fail(db, clock, running(db, created_at=clock.now), data_error())
        clock.advance(minutes=10)
        match_pending(db, LINKS, clock=clock)
    assert len(deliveries(db)) == 1
    clock.advance(hours=1)
    fail(db, clock, running(db, created_at=clock.now), data_error())
    match_pending(db, LINKS, clock=clock)
    latest, first = deliveries(db)
    assert (first.message.repeat_count, first.message.suppressed) == (1, 0)
    assert (latest.message.repeat_count, latest.message.suppressed) == (4, 2)


def test_a_storm_is_capped_with_one_summary(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        make_rule(conn)
    for column in ("open", "high", "low", "close", "volume", "trades"):
        fail(db, clock, running(db, created_at=clock.now), data_error(f"missing column {column}"))
    assert match_pending(db, LINKS, clock=clock, storm_cap=3) == 4
    messages = [d.message for d in reversed(deliveries(db))]
    assert [m.pipeline for m in messages] == ["runplane.sleep"] * 3 + [None]
    assert "sent 3 messages in the last hour" in messages[-1].summary
    clock.advance(hours=1, minutes=1)
    fail(db, clock, running(db, created_at=clock.now), data_error("missing column after"))
    assert match_pending(db, LINKS, clock=clock, storm_cap=3) == 1


def test_an_ending_that_rolled_back_leaves_no_event(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        make_rule(conn, events=("failed", "cancelled"))
    execution = running(db)
    with db.write() as conn:
        store.request_cancel(
            conn, execution.execution_id, by="user:ana", at=clock.now, kill_after=clock.now
        )
    assert not lifecycle.finish_execution(
        db,
        execution,
        ExecutionStatus.FAILED,
        error=data_error(),
        clock=clock,  # type: ignore[arg-type]
    )
    with db.write() as conn:
        outbox.record(conn, OutboxKind.FAILED, at=clock.now, execution_id=execution.execution_id)
        raise Rollback
    with db.read() as conn:
        assert notification_store.count_outbox(conn) == 0
    assert match_pending(db, LINKS, clock=clock) == 0


def test_filters_by_pipeline_glob_error_class_and_trigger(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        make_rule(conn, name="sleepers", pipelines=("runplane.sl*",), error_classes=("data",))
        make_rule(conn, name="others", pipelines=("sales.*",))
        make_rule(conn, name="scheduled", triggers=("scheduled",))
    fail(db, clock, running(db), data_error())
    match_pending(db, LINKS, clock=clock)
    assert [d.rule for d in deliveries(db)] == ["sleepers"]


def test_a_lost_worker_and_the_sla_events_reach_rules_through_the_outbox(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn, events=("worker_lost", "sla_breached", "schedule_missed"))
    lost = running(db)
    ended = ProcessExit(pid=None, code=None, killed=True, lost="Its worker is not registered")
    assert lifecycle.record_exit(db, lost.execution_id, ended, host=None, clock=clock)
    late = running(db)
    with db.write() as conn:
        outbox.record(
            conn, "sla_breached", at=clock.now, execution_id=late.execution_id,
            summary="Not finished by 07:00 UTC",
        )  # fmt: skip
        outbox.record(
            conn, "schedule_missed", at=clock.now, pipeline="runplane.sleep", schedule="nightly"
        )
    match_pending(db, LINKS, clock=clock)
    by_event = {d.message.event: d.message for d in deliveries(db)}
    assert set(by_event) == {
        NotifyEvent.WORKER_LOST, NotifyEvent.SLA_BREACHED, NotifyEvent.SCHEDULE_MISSED,
    }  # fmt: skip
    assert by_event[NotifyEvent.SLA_BREACHED].summary == "Not finished by 07:00 UTC"
    assert by_event[NotifyEvent.SCHEDULE_MISSED].url == (
        "https://runplane.example.com/dashboard/pipelines/runplane.sleep"
    )


def test_matched_events_are_purged_after_a_day_and_their_deliveries_stay(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn)
    fail(db, clock, running(db), data_error())
    match_pending(db, LINKS, clock=clock)
    assert purge_matched(db, clock=clock) == 0
    clock.advance(days=1, minutes=1)
    assert purge_matched(db, clock=clock) == 1
    with db.read() as conn:
        assert notification_store.count_outbox(conn) == 0
    assert len(deliveries(db)) == 1


def test_a_cancelled_execution_is_told_to_a_rule_on_cancelled(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_rule(conn, events=("cancelled",))
        pending = make_execution(conn, status="pending")
    cancel_execution(db, pending.execution_id, by="user:ana", grace_seconds=0, clock=clock)
    match_pending(db, LINKS, clock=clock)
    (told,) = deliveries(db)
    assert (told.message.event, told.execution_id) == (NotifyEvent.CANCELLED, pending.execution_id)
