"""Engine metrics: counters bumped as children exit, gauges from indexed counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from pydantic import SecretStr
from sqlalchemy import event

from runplane.engine.service import submit_execution
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Trigger
from runplane.settings import Settings
from runplane.store import Database
from tests.api.test_health import metric
from tests.conftest import FakeClock, wait_for_final, wait_until
from tests.factories import make_execution, make_worker


def test_exits_are_counted_by_pipeline_and_status(runtime: ServingRuntime) -> None:
    ids = [
        submit_execution(runtime.db, name, params, trigger=Trigger.API, triggered_by="local")
        for name, params in [
            ("runplane.noop", {}),
            ("runplane.noop", {}),
            ("runplane.fail", {"error": "crash"}),
        ]
    ]
    for execution in ids:
        wait_for_final(runtime.db, execution.execution_id)
    metrics = runtime.metrics

    def counted() -> tuple[float, float]:
        text = metrics.render().decode()
        return (
            metric(text, "runplane_execution_duration_seconds_count", pipeline="runplane.noop"),
            metric(text, "runplane_execution_duration_seconds_count", pipeline="runplane.fail"),
        )

    # an exit is counted just after its final status is written
    wait_until(lambda: counted() == (2, 1), timeout=10, what="all three exits counted")
    text = metrics.render().decode()
    assert (
        metric(text, "runplane_executions_total", pipeline="runplane.noop", status="completed") == 2
    )
    assert metric(text, "runplane_executions_total", pipeline="runplane.fail", status="failed") == 1


def test_queue_gauges_are_indexed_counts_not_scans(sqlite_db: Database) -> None:
    with sqlite_db.write() as conn:
        for status in ["pending"] * 3 + ["running"] * 2 + ["completed"] * 5:
            make_execution(conn, status=status)
    metrics = EngineMetrics(sqlite_db)
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((sql, params))

    event.listen(sqlite_db.engine, "before_cursor_execute", record)
    text = metrics.render().decode()
    event.remove(sqlite_db.engine, "before_cursor_execute", record)
    assert metric(text, "runplane_queue_depth") == 3
    assert metric(text, "runplane_executions_running") == 2
    queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    assert queries
    with sqlite_db.read() as conn:
        for sql, params in queries:
            plan = " / ".join(
                r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            )
            assert "COVERING INDEX ix_executions_status_created" in plan, plan


def test_finished_deliveries_are_counted_per_channel_and_outcome(db: Database) -> None:
    metrics = EngineMetrics(db)
    metrics.record_delivery("webhook", True)
    metrics.record_delivery("webhook", True)
    metrics.record_delivery("slack", False)
    text = metrics.render().decode()
    assert metric(text, "runplane_notifications_total", channel="webhook", outcome="sent") == 2
    assert metric(text, "runplane_notifications_total", channel="slack", outcome="failed") == 1


def test_live_workers_are_gauged_by_kind_with_busy_and_concurrency(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_worker(conn, name="gpu-1", kind="celery", busy=3, max_workers=8)
        twin = make_worker(conn, name="etl", kind="celery", busy=0, max_workers=2)
        twin_again = make_worker(conn, name="etl", kind="celery", busy=1, max_workers=2)
        plain = make_worker(conn, busy=None, max_workers=4)
        make_worker(conn, heartbeat_at=clock() - timedelta(minutes=5))  # lost
    metrics = EngineMetrics(db)
    metrics.watch_workers(settings, clock)
    metrics.watch_workers(settings, clock)  # once is enough; again changes nothing

    text = metrics.render().decode()

    assert metric(text, "runplane_workers", kind="celery") == 3
    assert metric(text, "runplane_workers", kind="serve") == 1
    assert metric(text, "runplane_worker_busy", worker="gpu-1") == 3
    assert metric(text, "runplane_worker_concurrency", worker="gpu-1") == 8
    assert metric(text, "runplane_worker_busy", worker=twin_again.worker_id) == 1
    assert metric(text, "runplane_worker_concurrency", worker=twin.worker_id) == 2
    assert metric(text, "runplane_worker_concurrency", worker=plain.worker_id) == 4
    assert f'runplane_worker_busy{{worker="{plain.worker_id}"}}' not in text
    assert "runplane_broker_queue_depth" not in text  # the local executor has no broker


def test_with_celery_the_broker_queue_depths_are_gauged(
    sqlite_db: Database, sqlite_settings: Settings, clock: FakeClock, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete("default", "metrics-reports")
    client.lpush("default", "m1", "m2")
    client.lpush("metrics-reports\x06\x169", "m3")
    client.close()
    with sqlite_db.write() as conn:
        make_worker(conn, kind="celery", queues=("metrics-reports",))
    celery = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr(redis_url)}
    )
    metrics = EngineMetrics(sqlite_db)
    metrics.watch_workers(celery, clock)

    text = metrics.render().decode()

    assert metric(text, "runplane_broker_queue_depth", queue="default") == 2
    assert metric(text, "runplane_broker_queue_depth", queue="metrics-reports") == 1


def test_an_unreachable_broker_leaves_its_depths_out_and_the_rest_in(
    sqlite_db: Database, sqlite_settings: Settings, clock: FakeClock
) -> None:
    with sqlite_db.write() as conn:
        make_worker(conn, kind="celery")
    celery = sqlite_settings.model_copy(
        update={"executor": "celery", "broker_url": SecretStr("redis://:pw@127.0.0.1:9/0")}
    )
    metrics = EngineMetrics(sqlite_db)
    metrics.watch_workers(celery, clock)

    text = metrics.render().decode()

    assert "runplane_broker_queue_depth{" not in text
    assert metric(text, "runplane_workers", kind="celery") == 1
