"""Engine metrics: counters bumped as children exit, gauges from indexed counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from runplane.engine.service import submit_execution
from runplane.engine.serving.metrics import EngineMetrics
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import Trigger
from runplane.store import Database
from tests.api.test_health import metric
from tests.conftest import wait_for_final, wait_until
from tests.factories import make_execution


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
