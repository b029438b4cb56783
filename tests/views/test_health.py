"""The health check: database probe, executor liveness, live workers."""

from __future__ import annotations

from runplane.engine.serving.runtime import ServingRuntime
from runplane.settings import Settings
from runplane.store import Database
from runplane.views.health import HealthStatus, check_health
from tests.conftest import wait_until


def test_a_running_runtime_is_healthy_and_lists_its_worker(
    runtime: ServingRuntime, settings: Settings
) -> None:
    wait_until(lambda: runtime.executor.facts().alive, what="the executor loop")
    report = check_health(runtime.db, settings, runtime.executor)
    assert report.status is HealthStatus.OK
    assert report.database.ok
    assert report.database.latency_ms >= 0
    assert report.executor is not None
    assert report.executor.alive
    assert report.executor.max_workers == settings.max_workers
    assert [w.worker_id for w in report.workers] == [runtime.registration.worker.worker_id]


def test_a_stopped_executor_is_degraded(db: Database, settings: Settings) -> None:
    runtime = ServingRuntime(db, settings)
    runtime.start()
    runtime.stop()
    report = check_health(db, settings, runtime.executor)
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
