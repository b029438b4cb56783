"""The health check: each check with its reason, and the worst of them as the state."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from runplane.engine.executors.base import ExecutorFacts
from runplane.engine.notifications.sender import send_due
from runplane.engine.serving.facts import SchedulerFacts, ServingFacts
from runplane.engine.serving.runtime import ServingRuntime
from runplane.engine.serving.storage_watch import StorageWatch
from runplane.settings import Settings
from runplane.store import Database
from runplane.views.health import Check, HealthReport, HealthStatus, check_health
from tests.conftest import FakeClock, fast_settings, wait_until
from tests.engine.notifications.test_sender import one_failure
from tests.factories import make_execution, make_worker

FINE = ServingFacts(
    executor=ExecutorFacts(alive=True, last_tick_seconds_ago=0.01, running=0, max_workers=2),
    heartbeat_alive=True,
    heartbeat_seconds_ago=0.1,
    scheduler=SchedulerFacts(alive=True, last_tick_seconds_ago=0.5, problem=None),
)


def check(report: HealthReport, name: str) -> Check:
    return next(c for c in report.checks if c.name == name)


def test_a_running_runtime_is_healthy_and_lists_its_worker(
    runtime: ServingRuntime, settings: Settings
) -> None:
    wait_until(lambda: runtime.executor.facts().alive, what="the executor loop")
    report = check_health(runtime.db, settings, runtime.facts(), storage=runtime.storage.facts())
    assert report.status is HealthStatus.OK, report.checks
    assert report.database.ok
    assert report.executor is not None
    assert report.executor.alive
    assert report.executor.accepting
    assert report.executor.max_workers == settings.max_workers
    assert [w.worker_id for w in report.workers] == [runtime.registration.worker.worker_id]
    names = [c.name for c in report.checks]
    assert names == [
        "database_file",
        "database",
        "database_writable",
        "disk_space",
        "executor",
        "executor_taking_work",
        "heartbeat",
        "scheduler",
        "notifications",
    ]
    assert all(c.status in (HealthStatus.OK, HealthStatus.SKIPPED) for c in report.checks)


def test_a_stopped_runtime_is_degraded(db: Database, settings: Settings) -> None:
    runtime = ServingRuntime(db, settings)
    runtime.start()
    runtime.stop()
    report = check_health(db, settings, runtime.facts(), storage=runtime.storage.facts())
    assert report.status is HealthStatus.DEGRADED
    assert report.executor is not None
    assert not report.executor.alive
    assert "stopped" in report.message
    assert report.workers == []  # its worker row says it stopped


def test_no_executor_anywhere_is_degraded(db: Database, settings: Settings) -> None:
    report = check_health(db, settings)
    assert report.status is HealthStatus.DEGRADED
    assert report.executor is None
    assert "runplane serve" in report.message


def test_an_unreachable_database_is_down_with_the_reason(settings: Settings) -> None:
    db = Database("postgresql+psycopg://runplane@127.0.0.1:9/none?connect_timeout=2")
    report = check_health(db, settings)
    db.dispose()
    assert report.status is HealthStatus.DOWN
    assert not report.database.ok
    assert report.database.error
    assert "OperationalError" in report.database.error
    assert report.message.startswith("The database does not answer")


def test_a_removed_database_file_is_down_naming_it(sqlite_db: Database, settings: Settings) -> None:
    storage = StorageWatch(sqlite_db, settings)
    assert sqlite_db.path is not None
    sqlite_db.path.unlink()
    report = check_health(sqlite_db, settings, FINE, storage=storage.facts())
    assert report.status is HealthStatus.DOWN
    assert check(report, "database_file").status is HealthStatus.DOWN
    assert str(sqlite_db.path) in report.message
    assert "was removed" in report.message
    assert not report.database.ok


def test_a_database_at_its_size_cap_is_down_as_full(tmp_path: Path, sqlite_url: str) -> None:
    settings = fast_settings(tmp_path, sqlite_url)
    db = Database(sqlite_url, max_page_count=1)  # capped at the size it has
    report = check_health(db, settings, FINE, storage=StorageWatch(db, settings).facts())
    assert report.status is HealthStatus.DOWN
    assert check(report, "disk_space").status is HealthStatus.DOWN
    assert "page cap" in check(report, "disk_space").detail
    db.dispose()


def test_a_database_locked_past_the_probe_is_degraded_not_down(
    sqlite_db: Database, settings: Settings
) -> None:
    assert sqlite_db.path is not None
    holder = sqlite3.connect(sqlite_db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        facts = StorageWatch(sqlite_db, settings).facts()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    report = check_health(sqlite_db, settings, FINE, storage=facts)
    assert report.status is HealthStatus.DEGRADED
    assert check(report, "database_writable").status is HealthStatus.DEGRADED
    assert "locked" in report.message


def test_little_disk_space_left_is_degraded_naming_the_threshold(
    sqlite_db: Database, tmp_path: Path, sqlite_url: str
) -> None:
    settings = fast_settings(tmp_path, sqlite_url, health_min_free_mb=10**9)
    report = check_health(
        sqlite_db, settings, FINE, storage=StorageWatch(sqlite_db, settings).facts()
    )
    assert report.status is HealthStatus.DEGRADED
    assert "RUNPLANE_HEALTH_MIN_FREE_MB" in report.message


def test_a_due_execution_waiting_while_slots_are_free_means_no_work_is_taken(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        stuck = make_execution(conn, status="pending", created_at=clock.now)
    clock.advance(seconds=settings.health_stuck_after - 1)
    assert check_health(db, settings, FINE, clock=clock).status is HealthStatus.OK
    clock.advance(seconds=2)
    report = check_health(db, settings, FINE, clock=clock)
    assert report.status is HealthStatus.DEGRADED
    assert check(report, "executor_taking_work").status is HealthStatus.DEGRADED
    assert stuck.execution_id in report.message
    full = replace(FINE, executor=replace(FINE.executor, running=2, busy=2))
    assert check_health(db, settings, full, clock=clock).status is HealthStatus.OK


def test_a_retry_waiting_out_its_backoff_is_not_stuck(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    backoff = timedelta(seconds=settings.health_stuck_after * 3)
    with db.write() as conn:
        make_execution(conn, status="pending", created_at=clock.now, not_before=clock.now + backoff)
    clock.advance(seconds=settings.health_stuck_after * 2)
    assert check_health(db, settings, FINE, clock=clock).status is HealthStatus.OK
    clock.advance(seconds=settings.health_stuck_after * 1.5)  # due for half the limit
    assert check_health(db, settings, FINE, clock=clock).status is HealthStatus.OK


@pytest.mark.parametrize(
    ("serving", "name", "phrase"),
    [
        (
            replace(FINE, executor=replace(FINE.executor, accepting=False, problem="it died")),
            "executor",
            "cannot start processes: it died",
        ),
        (replace(FINE, heartbeat_seconds_ago=60.0), "heartbeat", "60 s old"),
        (
            replace(FINE, scheduler=SchedulerFacts(False, 1.0, None)),
            "scheduler",
            "scheduler has stopped",
        ),
        (
            replace(FINE, scheduler=SchedulerFacts(True, 1.0, "database or disk is full")),
            "scheduler",
            "cannot fire: database or disk is full",
        ),
    ],
)
def test_loops_that_cannot_do_their_work_are_degraded(
    db: Database, settings: Settings, serving: ServingFacts, name: str, phrase: str
) -> None:
    report = check_health(db, settings, serving)
    assert report.status is HealthStatus.DEGRADED
    assert check(report, name).status is HealthStatus.DEGRADED
    assert phrase in report.message


def test_a_channel_whose_last_attempts_all_failed_is_degraded(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock)
    assert check(check_health(db, settings, clock=clock), "notifications").status == "ok"
    for _ in range(3):
        send_due(db, settings, clock=clock, environ={"TEST_HOOK_URL": "http://127.0.0.1:9/x"})
        clock.advance(minutes=1)
    report = check_health(db, settings, clock=clock)
    found = check(report, "notifications")
    assert (found.status, report.status) == (HealthStatus.DEGRADED, HealthStatus.DEGRADED)
    assert "failing on webhook" in found.detail


def test_every_live_worker_is_summarised_with_its_queues_and_busy_slots(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_worker(conn, kind="celery", name="gpu-1", queues=("reports",), busy=2,
                    max_workers=4, heartbeat_at=clock() - timedelta(seconds=2))  # fmt: skip
        make_worker(conn, heartbeat_at=clock() - timedelta(minutes=5))  # lost: not counted

    report = check_health(db, settings, FINE, clock=clock, broker=True)

    assert report.worker_count == 1
    [worker] = report.workers
    assert (worker.name, worker.kind, worker.queues, worker.busy, worker.max_workers) == (
        "gpu-1",
        "celery",
        ("reports",),
        2,
        4,
    )
    assert worker.heartbeat_seconds_ago == 2.0
    assert report.broker is None  # the local executor has no broker


def test_with_celery_the_broker_is_reported_but_never_judged(
    sqlite_db: Database, sqlite_settings: Settings, clock: FakeClock, redis_url: str
) -> None:
    celery = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    before = check_health(sqlite_db, sqlite_settings, FINE, clock=clock)

    reachable = check_health(sqlite_db, celery, FINE, clock=clock, broker=True)
    gone = check_health(
        sqlite_db,
        celery.model_copy(update={"broker_url": SecretStr("redis://:pw@127.0.0.1:9/0")}),
        FINE,
        clock=clock,
        broker=True,
    )
    unasked = check_health(sqlite_db, celery, FINE, clock=clock)

    assert reachable.broker is not None
    assert reachable.broker.reachable
    assert set(reachable.broker.queue_depths) == {"default"}
    assert gone.broker is not None
    assert not gone.broker.reachable
    assert gone.broker.url == "redis://:***@127.0.0.1:9/0"
    assert unasked.broker is None
    assert reachable.status == gone.status == before.status
    assert [c.name for c in gone.checks] == [c.name for c in before.checks]
